"""One check, from a submission to its report: the pipeline (runner.py, session.py),
running and judging the cases (execute.py, judge.py), where cases and expected values
come from (sources.py, fixtures.py), a class's shared work (class_work.py), naming the
mistake from outputs (diagnose.py: the catalogue, then the reference's variants through
variant_match.py and variant_cache.py, run in-process by inprocess.py as trusted code only,
then precision.py), the hook into the evidence (explain.py), where a wrong output goes
wrong (localise.py, probes/), and the verdict data and its rendering (results.py,
report.py, schema/).

May import: evidence, course, sandbox, policy.
Must never: import the learner's or the instructor's commands, or read a verdict from
the child (only plain data crosses; the verdict is computed here)."""
