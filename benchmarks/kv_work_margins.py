"""How far each kv-cache step's counted work sits from the judge's budget: correct steps in
several styles (tests/lm_solutions.py KV_CORRECT, the reference) and steps that redo the
prefix (KV_BREAKERS), through the problem's probe in-process. Prints, per style, the largest
work / budget over every call of every case (below 1 passes), and for the breakers the
first index whose work crosses the budget.

    python benchmarks/kv_work_margins.py [seed]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from grader.course.loader import Course  # noqa: E402
from grader.verdict.inprocess import LocalContext, load_probe  # noqa: E402
from grader.judge import public_judge_module  # noqa: E402
import lm_solutions as lm  # noqa: E402


def _fresh(source):
    namespace = {}
    exec(source, namespace)
    return namespace["causal_lm_step"]


def main(seed: int = 0) -> None:
    problem = Course().get("kv-cache")
    ref, probe, judge = problem.reference, load_probe(problem), public_judge_module(problem)
    styles = {"reference": lambda: ref.causal_lm_step, **{k: (lambda s=v: _fresh(s)) for k, v in lm.KV_CORRECT.items()},
              **{k: (lambda s=v: _fresh(s)) for k, v in lm.KV_BREAKERS.items()}}
    cases = [c for c in ref.cases(seed) if "schedule" not in c.inputs]  # the plain decodes and filled caches
    for name, make in styles.items():
        worst, crossing = 0.0, []
        for case in cases:
            inp = case.pristine_inputs()
            N, d = inp["input_ids"].shape[0], inp["w_emb"].shape[1]
            budget = judge.work_budget(N, d, inp["blocks_weights"].shape[0], inp["w_emb"].shape[0], inp["max_len"],
                                       inp["pos_embed"].shape[0])
            value = probe(make(), case.pristine_inputs(), LocalContext(case.options))  # a fresh module per case
            ratios = [w / budget for w in value["work"]]
            worst = max(worst, max(ratios))
            over = [t for t, r in zip(judge.step_indices(inp), ratios) if r > 1]
            if over:
                crossing.append(f"{case.name}: index {over[0]}")
        kind = "breaker" if name in lm.KV_BREAKERS else "correct"
        print(f"{kind:8} {name[:62]:62s} max work/budget {worst:5.2f}" + (f"  over from {crossing[0]}" if crossing else ""))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
