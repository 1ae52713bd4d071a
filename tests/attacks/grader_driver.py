"""Runs ONE check in a fresh process, the way `grader check --json` does, for attacks
that target the grader process itself (its pipes, its stdout, its life): the process
they attack is this one, never the pytest process.

    python tests/attacks/grader_driver.py SLUG FILE WORKSPACE OUT_JSON LIMITS_JSON \
        [VICTIM_FILE VICTIM_WORKSPACE VICTIM_OUT_JSON]

Like the CLI: the sandbox (a zygote) starts before any reference is loaded, the report
module is imported before the check, and the verdict is written as JSON (to OUT_JSON,
not stdout: this process prints nothing, so anything on its stdout was put there by
the attack). Its name contains "grader", as `grader check`'s command line does.

With a victim, a second submission (another learner's) is checked afterwards in the
same sandbox, as `grader grade` does with its pool of sandboxes.
"""

import json
import sys
from pathlib import Path


def main() -> None:
    slug, file, workspace, out, limits_json = sys.argv[1:6]
    from grader.verdict.report import to_json
    from grader.verdict.runner import check_problem
    from grader.sandbox.parent import Limits, Sandbox

    sandbox = Sandbox()
    sandbox.start()  # before any reference is loaded
    # The zygote leads a session of its own: the harness looks for survivors there too.
    Path(out + ".zygote").write_text(str(sandbox.pid or ""))
    try:
        from grader.course.loader import Course

        course = Course()
        problem = course.get(slug)
        limits = Limits(**json.loads(limits_json)) if limits_json != "null" else None
        report = check_problem(course, problem, file=Path(file), workspace=Path(workspace), sandbox=sandbox,
                               limits=limits)
        Path(out).write_text(to_json(report))
        if len(sys.argv) > 8:
            victim_file, victim_ws, victim_out = sys.argv[6:9]
            victim = check_problem(course, problem, file=Path(victim_file), workspace=Path(victim_ws),
                                   sandbox=sandbox, limits=limits)
            Path(victim_out).write_text(to_json(victim))
    finally:
        sandbox.close()


if __name__ == "__main__":
    main()
