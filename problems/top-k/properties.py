"""What every right top-k satisfies (grader/evidence/properties.py): exactly k tokens kept (the
logits here have no ties), the k most likely ones, renormalised to sum to 1, with the
ratios of softmax(logits / T); adding a constant to the logits changes nothing; k equal to the
vocabulary size keeps every token."""

import torch

from grader.common_props import keeps_dtype, last_axis
from grader.properties import Broken, Property
from grader.propkit import near, show, tensor
from grader.sampling_props import keeps_the_largest, logits_for, sums_to_one, temperature_reading

K = 3
BIG = 5000.0  # exp(BIG / T) overflows float64 (and float32)
SPREAD = 1e5  # logits this far apart: exp of their differences overflows too (float64 at 709)


def keeps_k(outs, trials):
    logits = trials[0]["logits"]
    y = tensor(outs[0], logits.shape)
    if y is None:
        return None
    counts = (y > 0).sum(-1)
    if bool((counts == K).all()):
        return None
    seen = f"with k = {K}, the rows keep {counts.tolist()} tokens"
    if bool((counts == K + 1).all()):
        return Broken(seen, "keeps k + 1 tokens (the k-th largest is taken at the wrong index, off by one)", isolated=True)
    if bool((counts == K - 1).all()):
        return Broken(seen, "keeps k - 1 tokens (off by one)", isolated=True)
    if bool((counts == logits.shape[-1]).all()):
        return Broken(seen, "nothing is removed: the tokens outside the top k keep their probability", isolated=True)
    return Broken(seen, "the number of kept tokens is not k", isolated=True)


def shift(outs, trials):
    a, b = tensor(outs[0]), tensor(outs[1])
    if a is None or b is None or near(a, b, 1e-7, 1e-6):
        return None
    return Broken(f"row 0 -> {show(a[0])}; logits + 100 -> {show(b[0])}",
                  "adding a constant to every logit changes the output (softmax does not change)")


def finite_for_large(outs, trials):
    """Logits in the thousands (shifted, then spread): exp overflows unless the row maximum is
    subtracted first, after which every exponent is <= 0."""
    shifted, spread = tensor(outs[0]), tensor(outs[1])
    if shifted is not None and not bool(torch.isfinite(shifted).all()):
        return Broken(f"logits + {BIG:g} (T = {trials[0]['temperature']:g}) gave {show(shifted[0])}",
                      "large logits give NaN or inf: exp overflows because the row maximum is not subtracted before it", isolated=True)
    if spread is not None and not bool(torch.isfinite(spread).all()):
        return Broken(f"logits spread far apart (times {SPREAD:g}) gave {show(spread[0])}, while the same logits "
                      f"plus {BIG:g} were fine", "widely spread logits give NaN or inf while the same logits plus "
                      f"{BIG:g} were fine: what is subtracted before exp is not the row maximum (after subtracting it "
                      "no exponent is above 0)")
    return None


LOWER = 5000.0  # one row lowered this far (T = 2): exp of it underflows to 0 unless its own maximum is subtracted


def one_row_lowered(outs, trials):
    """Row 0 lowered by LOWER in the batch, then alone: a right answer gives row 0 the same output either way and
    the same as before it was lowered (softmax ignores a constant added to one row)."""
    before, lowered, alone = tensor(outs[0]), tensor(outs[1]), tensor(outs[2])
    if before is None or lowered is None or alone is None or before.ndim != 2 or alone.shape[0] != 1:
        return None
    if near(lowered[0], before[0], 1e-7, 1e-5):
        return None
    seen = (f"row 0 -> {show(before[0])}; the same row lowered by {LOWER:g} in the same batch -> {show(lowered[0])}; "
            f"lowered and alone -> {show(alone[0])}")
    if near(alone[0], before[0], 1e-7, 1e-5) and near(lowered[1:], before[1:], 1e-7, 1e-5):
        return Broken(seen, f"a row lowered by {LOWER:g} comes out wrong in the batch and right alone: what is "
                            "subtracted before exp is shared by the rows of the batch (each row's own maximum would "
                            "not change with the other rows)", isolated=True)
    return None  # wrong alone too: not isolated here (overflow and the shift's own property say what they see)


def k_is_vocabulary(outs, trials):
    """k = V keeps every token: the output is softmax(logits / T) itself."""
    tr = trials[0]
    y = tensor(outs[0], tr["logits"].shape)
    if y is None:
        return None
    right = torch.softmax(tr["logits"] / tr["temperature"], -1)
    if near(y, right, 1e-7, 1e-5):
        return None
    dropped = ((y == 0) & (right > 0)).sum(-1)
    seen = f"with k = {tr['k']} (the whole vocabulary), row 0 -> {show(y[0])}; softmax(logits / T) is {show(right[0])}"
    if bool((dropped > 0).all()):
        return Broken(seen, f"with k equal to the vocabulary size ({tr['k']}) tokens are still removed ({dropped.tolist()} "
                      "per row): the k-th largest value is taken at the wrong index, or the comparison is strict, so "
                      "the edge k = V is wrong")
    return Broken(seen, f"with k equal to the vocabulary size ({tr['k']}) the output is not softmax(logits / T)")


def properties(seed: int) -> list[Property]:
    g = torch.Generator().manual_seed(seed + 101)
    logits = logits_for(g, 8, 9)
    t = dict(logits=logits, temperature=2.0, k=K)
    return [
        keeps_dtype(t, "logits"),
        Property(f"keeping exactly k = {K} tokens", (t,), keeps_k, "the wrong number of tokens is kept",
                 f"8 rows of 9 distinct logits, T = 2, k = {K}", "Keep logits >= the k-th largest (topk(...).values[..., -1:])."),
        Property("keeping the most likely tokens", (t,), keeps_the_largest, "the wrong tokens are kept",
                 "the same rows", "torch.topk gives the k largest; scatter them back to their token ids."),
        Property("rows summing to 1", (t,), sums_to_one, "the rows do not sum to 1", "the same rows",
                 "Renormalise: divide by the kept mass, or take the softmax of the masked logits."),
        # Read at T = 1.5, where T * T, 2 * T, 1 / T and 1 differ (at T = 2, T * T = 2 * T: the read number could not
        # be named as "applied twice").
        Property("the kept probabilities in the ratios of softmax(logits / T)", (dict(t, temperature=1.5),),
                 temperature_reading, "the temperature is used wrongly", "the same rows, T = 1.5",
                 "softmax(logits / temperature)."),
        Property("unchanged when one row is lowered by a constant",
                 (t, dict(t, logits=torch.cat([logits[:1] - LOWER, logits[1:]])), dict(t, logits=logits[:1] - LOWER)),
                 one_row_lowered, "a row lowered by a constant changes its output",
                 f"the same rows, then row 0 lowered by {LOWER:g} in the batch, then row 0 lowered and alone",
                 "Subtract each row's own maximum: x - x.max(-1, keepdim=True).values."),
        Property("finite for large logits", (dict(t, logits=logits + BIG), dict(t, logits=logits * SPREAD)),
                 finite_for_large, "large logits give NaN or inf", f"the same rows plus {BIG:g}, then times "
                 f"{SPREAD:g}", "torch.softmax subtracts the row "
                 "maximum for you; by hand: exp(x - x.max(-1, keepdim=True).values)."),
        Property("unchanged when a constant is added to the logits", (t, dict(t, logits=logits + 100.0)), shift,
                 "adding a constant to the logits changes the output", "the same rows, then the logits + 100",
                 "torch.softmax subtracts the row maximum for you."),
        last_axis(dict(t, logits=logits[:4].reshape(2, 2, -1)), "logits"),
        Property("k equal to the vocabulary size keeping every token", (dict(t, k=logits.shape[-1]),),
                 k_is_vocabulary, "k = V does not keep every token", f"the same rows with k = {logits.shape[-1]}, the "
                 "vocabulary size", "With k = V nothing is removed: the k-th largest is the row's minimum."),
    ]
