"""Grade every file of a held-out set and record verdicts and diagnoses as JSON, for judging
by hand against each file's MISTAKE line (benchmarks/solution_sets/heldout*/MANIFEST.md).

    python benchmarks/heldout_verdicts.py benchmarks/solution_sets/heldout2/wrong out.json

Each record also has `screen`: the report exactly as `grader check` prints it on an 100-column
terminal without colour (what the learner reads, which is what a judge should judge). Prints the wrong solutions that passed (must be none) and how many got a diagnosis.
"""
import io, shutil, tempfile, sys, json, time
from pathlib import Path
from rich.console import Console
from grader.verdict.report import render
from grader.sandbox.parent import Sandbox
sb = Sandbox(); sb.start()
from grader.course.loader import Course
from grader.verdict.runner import check_problem
c = Course()
root = Path(sys.argv[1])
out = []
for d in sorted(root.iterdir()):
    if not d.is_dir(): continue
    p = c.get(d.name)
    for f in sorted(d.glob("*.py")):
        ws = Path(tempfile.mkdtemp())
        shutil.copy(f, ws / f"{p.module_name}.py")
        t = time.monotonic()
        r = check_problem(c, p, file=ws / f"{p.module_name}.py", workspace=ws, sandbox=sb)
        mistake = next((l.split(":",1)[1].strip() for l in f.read_text().splitlines() if l.strip().startswith("MISTAKE:")), "")
        diag = r.diagnosis or {}
        screen = io.StringIO()
        render(r, Console(file=screen, width=100, color_system=None, force_terminal=False))
        out.append({"file": f"{d.name}/{f.name}", "passed": r.passed, "mistake": mistake,
                    "diagnosis": diag.get("name"), "evidence": diag.get("evidence"), "explanation": (diag.get("explanation") or "")[:300],
                    "first_failure": (r.first_failure.message[:200] if r.first_failure else r.error), "seconds": round(time.monotonic()-t, 2),
                    "screen": screen.getvalue()})
json.dump(out, open(sys.argv[2], "w"), indent=1)
print("wrong passed:", [o["file"] for o in out if o["passed"]])
print("diagnosed:", sum(1 for o in out if o["diagnosis"]), "of", len(out))
