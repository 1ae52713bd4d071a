"""Which contract breakers (issue 16 class 7, issue 19 item 6) the judges let through: each is
graded as a learner's file through the sandbox, and its verdict printed (PASSED means the
judges were fooled). Correct counterparts are graded too (they must pass).

    python benchmarks/contract_breakers.py [sample|kv-cache|generate ...]
"""

import sys
import tempfile
import textwrap
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from grader.course.loader import Course  # noqa: E402
from grader.verdict.runner import check_problem  # noqa: E402
from grader.sandbox.parent import Sandbox  # noqa: E402


def sets():
    import lm_solutions as lm
    import sampling_solutions as ss
    import test_generate as tg

    return {
        "sample": ({k: v[1] for k, v in ss.CONTRACT_BREAKERS.items()}, ss.CORRECT),
        "kv-cache": (lm.KV_BREAKERS, lm.KV_CORRECT),
        "generate": (tg.SMALL_EDITS, {"recompute": tg.RECOMPUTE, **tg.STYLES}),
    }


def main(wanted):
    course, box = Course(), Sandbox()
    box.start()
    try:
        for slug, (wrong, right) in sets().items():
            if wanted and slug not in wanted:
                continue
            problem = course.get(slug)
            for kind, group in (("wrong", wrong), ("correct", right)):
                for label, source in group.items():
                    with tempfile.TemporaryDirectory() as tmp:
                        path = Path(tmp) / f"{problem.module_name}.py"
                        path.write_text(textwrap.dedent(source))
                        report = check_problem(course, problem, file=path, workspace=Path(tmp), seed=0, sandbox=box)
                    failed = [c for c in report.cases if not c.passed]
                    first = f"{failed[0].name}: {failed[0].message[:150]}" if failed else (report.error or "")[:150]
                    print(f"{slug:9} {kind:7} {'PASSED' if report.passed else 'failed':6} {label}  | {first}",
                          flush=True)
    finally:
        box.close()


if __name__ == "__main__":
    main(sys.argv[1:])
