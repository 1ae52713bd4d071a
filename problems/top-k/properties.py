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
        return Broken(seen, "keeps k + 1 tokens (the k-th largest is taken at the wrong index, off by one)")
    if bool((counts == K - 1).all()):
        return Broken(seen, "keeps k - 1 tokens (off by one)")
    if bool((counts == logits.shape[-1]).all()):
        return Broken(seen, "nothing is removed: the tokens outside the top k keep their probability")
    return Broken(seen, "the number of kept tokens is not k")


def shift(outs, trials):
    a, b = tensor(outs[0]), tensor(outs[1])
    if a is None or b is None or near(a, b, 1e-7, 1e-6):
        return None
    return Broken(f"row 0 -> {show(a[0])}; logits + 100 -> {show(b[0])}",
                  "adding a constant to the logits changes the output (exp without subtracting the maximum?)")


def finite_for_large(outs, trials):
    """Logits in the thousands (shifted, then spread): exp overflows unless the row maximum is
    subtracted first, after which every exponent is <= 0."""
    shifted, spread = tensor(outs[0]), tensor(outs[1])
    if shifted is not None and not bool(torch.isfinite(shifted).all()):
        return Broken(f"logits + {BIG:g} (T = {trials[0]['temperature']:g}) gave {show(shifted[0])}",
                      "large logits give NaN or inf: exp overflows because the row maximum is not subtracted before it")
    if spread is not None and not bool(torch.isfinite(spread).all()):
        return Broken(f"logits spread far apart (times {SPREAD:g}) gave {show(spread[0])}, while the same logits "
                      f"plus {BIG:g} were fine", "widely spread logits give NaN or inf: what is subtracted before exp "
                      "is not the row maximum (after subtracting the maximum every exponent is <= 0 and cannot "
                      "overflow), or -inf entries meet an inf")
    return None


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
        Property("the kept probabilities in the ratios of softmax(logits / T)", (t,), temperature_reading,
                 "the temperature is used wrongly", "the same rows, T = 2", "softmax(logits / temperature)."),
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
