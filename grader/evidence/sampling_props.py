"""Properties shared by the truncating samplers' probability functions (top-k, top-p):
rows sum to 1, the kept tokens are the most likely ones, and the kept probabilities
keep the ratios of softmax(logits / T), from which the temperature actually used is read
back. The problem's own properties.py adds its rule for WHICH tokens are kept."""

from __future__ import annotations

import math

import torch

from .properties import HELD, Broken
from .propkit import show, tensor


def sums_to_one(outs, trials):
    y = tensor(outs[0], trials[0]["logits"].shape)
    if y is None:
        return None
    s = y.sum(-1)
    if bool(((s - 1).abs() < 1e-5).all()):
        return HELD
    seen = f"row sums {show(s)}"
    kept = y > 0
    if bool(((s - 1).abs() >= 1e-5).all()) and bool((s < 1).all()):
        probs = torch.softmax(trials[0]["logits"] / trials[0]["temperature"], -1)
        if bool((((probs * kept).sum(-1) - s).abs() < 1e-6).all()):
            return Broken(seen, "the kept probabilities are not renormalised: they keep their softmax values",
                          "Each row's kept entries equal softmax(logits / T) there, so the row sums to the kept mass.", isolated=True)
    if abs(float(y.sum()) - 1) < 1e-6 and y.shape[0] > 1:
        return Broken(seen + f"; all {y.shape[0]} rows together sum to 1", "the output is normalised over the whole "
                      "tensor, not row by row: divide each row by its own sum (sum(-1, keepdim=True))", isolated=True)
    return Broken(seen, "the rows do not sum to 1", isolated=True)


def keeps_the_largest(outs, trials):
    logits = trials[0]["logits"]
    y = tensor(outs[0], logits.shape)
    if y is None:
        return None
    kept = y > 0
    for row in range(logits.shape[0]):
        k = int(kept[row].sum())
        if k == 0:
            return Broken(f"row {row} keeps no token", "a row keeps no token at all")
        top = logits[row].topk(k).indices
        if not bool(kept[row, top].all()):
            low = logits[row].topk(k, largest=False).indices
            if bool(kept[row, low].all()):
                return Broken(f"row {row} keeps the {k} LEAST likely tokens", "the least likely tokens are kept, "
                              "not the most likely", isolated=True)
            seen = f"row {row} keeps tokens {kept[row].nonzero().flatten().tolist()}, the {k} most likely are " \
                   f"{sorted(top.tolist())}"
            return _which_are_kept(logits, kept, seen) or Broken(seen, "the kept tokens are not the most likely ones")
    return HELD


def _which_are_kept(logits, kept, seen):
    """When the kept set is wrong: what it IS, if it is one exact thing on every row (the top-ranked token left out,
    or the sorted keep-mask mapped back with the sort permutation instead of its inverse)."""
    order = logits.argsort(-1, descending=True)  # order[r, j]: the token of rank j
    rank = order.argsort(-1)  # rank[r, i]: token i's rank
    counts = kept.sum(-1, keepdim=True)
    rows = counts.squeeze(-1) > 0
    if not bool(rows.any()):
        return None
    gathered = order < counts  # token i kept when order[i] < k: keep_sorted.gather(-1, order)
    if bool((gathered == kept)[rows].all()) and not bool((gathered == (rank < counts))[rows].all()):
        return Broken(seen + f"; in every row, token i is kept exactly when the token ranked i-th has index < k "
                             f"(the sort indices read as ranks)",
                      "what is kept in sorted order is mapped back to token order with the sort permutation itself "
                      "(a gather with the sort indices), not with its inverse: token i is kept when the rank "
                      "order[i] is, not when its own rank is",
                      "Map the sorted mask back with a scatter: mask.scatter(-1, order, keep_sorted), or index "
                      "with the inverse permutation (order.argsort(-1)).")
    top_kept = kept.gather(-1, order[:, :1]).squeeze(-1)
    if not bool(top_kept[rows].any()):
        ranks = [sorted((rank[r][kept[r]] + 1).tolist()) for r in range(min(3, logits.shape[0])) if bool(rows[r])]
        return Broken(seen + f"; the most likely token is kept in none of the {int(rows.sum())} rows that keep "
                             f"anything (kept ranks, 1 = most likely, in the first rows: {ranks})",
                      "the most likely token of each row is never kept: the mask drops the top-ranked token")
    return None


def temperature_reading(outs, trials):
    """Among kept tokens, log(p_i / p_j) = (l_i - l_j) / T: read T back."""
    tr = trials[0]
    logits, temp = tr["logits"], tr["temperature"]
    y = tensor(outs[0], logits.shape)
    if y is None:
        return None
    implied = []
    for row in range(logits.shape[0]):
        idx = (y[row] > 0).nonzero().flatten()
        if len(idx) < 2:
            continue
        i, j = int(idx[0]), int(idx[1])
        dl = float(logits[row, i] - logits[row, j])
        if abs(dl) < 0.2:
            continue
        implied.append(dl / math.log(float(y[row, i] / y[row, j])))
    if not implied:
        return None
    t = sorted(implied)[len(implied) // 2]
    if abs(t - temp) < 1e-3 * temp:
        return HELD
    seen = f"the kept probabilities follow softmax(logits / {t:.4g}); the temperature passed was {temp:g}"
    if abs(t - 1) < 1e-3:
        return Broken(seen, "the temperature is ignored", isolated=True)
    if abs(t - 1 / temp) < 1e-3 / temp:
        return Broken(seen, "the logits are multiplied by the temperature instead of divided", isolated=True)
    if abs(t - temp ** 2) < 1e-3 * temp ** 2 and abs(temp ** 2 - 2 * temp) >= 1e-3 * temp ** 2:
        return Broken(seen, "the temperature is applied twice", isolated=True)
    # At T = 2, T * T and 2 * T are both 4: the number read is said, not which of them made it (logits / (2 * T)
    # was once told "the temperature is applied twice").
    return Broken(seen, f"the temperature used is {t:.4g}, not {temp:g}", isolated=True)


def logits_for(seed_gen, rows: int, vocab: int) -> torch.Tensor:
    """Distinct logits, at least 0.05 apart, spread enough that every rule is visible."""
    base = torch.randperm(vocab, generator=seed_gen).to(torch.float64) * 0.37
    scales = [0.35, 0.6, 1.0, 1.6, 2.5, 0.8, 1.25, 0.45]  # rows of different confidence keep different counts
    return torch.stack([base[torch.randperm(vocab, generator=seed_gen)] * scales[r % len(scales)] - 2.0
                        for r in range(rows)])


# `grader.sampling_props`, the author-facing path (docs/authoring.md), is this module too, even
# where grader/sampling_props.py cannot be read (a confined child).
import sys as _sys  # noqa: E402

_sys.modules.setdefault("grader.sampling_props", _sys.modules[__name__])
