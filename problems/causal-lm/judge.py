"""Public judge for causal-lm (runs in the grader's process, not the sandbox; shipped in the
learner's bundle). `expected` is the reference's logits on the case's inputs, computed by the
hidden side (reference `expected(case)`) or read from fixtures.pt; causality needs no
reference at all: problems/causal-lm/probe.py runs the learner's function a second time with
the future tokens changed, and positions before the change must not move.
"""

import torch

from grader.compare import Comparison, compare_tensors
from grader.judge import check_inputs_unchanged


def check_causality(case, value, tol) -> Comparison:
    """Positions < t must not move when the tokens from t on change."""
    t = case.options.get("causality")
    if t is None:
        return Comparison(True, "")
    before, after = value.get("output"), value.get("changed_future_output")
    if type(before) is not torch.Tensor or type(after) is not torch.Tensor or before.shape != after.shape \
            or before.dim() != 3:
        return Comparison(True, "")  # the value comparison already says what is wrong with the output
    atol, rtol = tol
    moved = (after[:, :t].double() - before[:, :t].double()).abs() > atol + rtol * before[:, :t].double().abs()
    moved |= torch.isnan(after[:, :t]) != torch.isnan(before[:, :t])
    if not moved.any():
        return Comparison(True, "")
    where = moved.any(dim=2).nonzero()  # (sequence, position) pairs, sorted by sequence
    position = int(where[:, 1].min())
    sequence = int(where[where[:, 1] == position][0, 0])
    change = float((after[sequence, position].double() - before[sequence, position].double()).abs().max())
    last = before.shape[1] - 1
    which = f"token {t}" if t == last else f"tokens {t}..{last}"
    # What was measured, not which line did it: a leaking mask, heads merged across positions, a layer norm over
    # the whole sequence all move an earlier position; this experiment does not tell them apart.
    return Comparison(False, f"causality: position {position}'s logits changed (by up to {change:.3g}, sequence "
                      f"{sequence}) when {which} changed: a later token moves an earlier position's output; "
                      f"position {position}'s logits may depend only on tokens 0..{position}",
                      details={"leaking_position": position, "changed_from": t, "sequence": sequence})


def judge(case, value, tol, expected):
    """The logits against `expected` (the reference's, precomputed from the case's inputs), and
    causality: logits before t unchanged when the tokens from t on change (the learner's two runs)."""
    values = compare_tensors(expected, value.get("output"), *tol)
    unchanged = check_inputs_unchanged(case, value, [])
    if values.rule:  # a type, dtype or shape the contract does not allow: its axes cannot be read as positions
        return [values, unchanged]
    causal = check_causality(case, value, tol)
    if not causal.passed:  # the sharper message first; the size of the error stays the headline number
        causal.max_abs_error = values.max_abs_error
        return [causal, values, unchanged]
    return [values, causal, unchanged]
