"""What every right top-p satisfies (grader/evidence/properties.py): it keeps the most likely tokens
(read first: a count says little when the wrong tokens are kept), as many as the smallest
prefix of the tokens sorted by softmax(logits / T) whose mass reaches p (a token is kept when
the mass ranked strictly above it is < p), renormalised; p = 1 keeps every token, and the
kept probabilities keep the ratios of softmax(logits / T)."""

import torch

from grader.common_props import keeps_dtype, last_axis
from grader.properties import HELD, Broken, Property
from grader.propkit import near, show, tensor
from grader.sampling_props import keeps_the_largest, logits_for, sums_to_one, temperature_reading

P, TEMP = 0.6, 1.5


def _count(probs, p, rule="above"):
    s = probs.sort(-1, descending=True).values
    cum = s.cumsum(-1)
    if rule == "above":
        return ((cum - s) < p).sum(-1)
    if rule == "including":
        return (cum <= p).sum(-1)
    if rule == "one more":
        return ((cum - s) < p).sum(-1) + 1
    raise ValueError(rule)


def nucleus_size(outs, trials):
    tr = trials[0]
    logits = tr["logits"]
    y = tensor(outs[0], logits.shape)
    if y is None:
        return None
    counts = (y > 0).sum(-1)
    probs = torch.softmax(logits / tr["temperature"], -1)
    right = _count(probs, tr["p"])
    if bool((counts == right).all()):
        return HELD
    seen = f"with p = {tr['p']}, the rows keep {counts.tolist()} tokens; the smallest prefix reaching p has {right.tolist()}"
    readings = [
        (_count(probs, tr["p"], "including"), "the token that takes the total past p is dropped (cumsum <= p "
         "tests the running total including the token, not the mass above it)"),
        (_count(probs, tr["p"], "one more"), "one token too many is kept (the mask is shifted by one position the "
         "wrong way)"),
        (_count(torch.softmax(logits, -1), tr["p"]), "the nucleus is chosen on softmax(logits), before the "
         "temperature is applied"),
        (torch.full_like(right, logits.shape[-1]), "nothing is removed"),
        (_count(torch.exp(logits / tr["temperature"] - (logits / tr["temperature"]).amax(-1, keepdim=True)), tr["p"]),
         "the running total sums exp(logits / T - max), the weights before they are divided by their sum (the top "
         "token alone weighs 1): the mass is compared with p on the wrong scale"),
    ]
    fits = [means for r, means in readings if bool((counts == r).all())]
    if len(fits) == 1:
        return Broken(seen, fits[0])
    differ = counts != right
    # Counted, not explained: what is summed, the temperature and the test all move the count the same way, and
    # this experiment does not tell them apart, so no cause is named (a hedge of untested causes misleads).
    untold = ("The experiment counts the kept tokens; it does not tell which step makes the count wrong.")
    if bool((counts[differ] < right[differ]).all()):
        return Broken(seen, "too few tokens are kept (never too many)",
                      untold)
    if bool((counts[differ] > right[differ]).all()):
        return Broken(seen, "too many tokens are kept (never too few)",
                      untold)
    return Broken(seen, "the kept set is not the smallest prefix whose mass reaches p")


def p_one(outs, trials):
    tr = trials[0]
    y = tensor(outs[0], tr["logits"].shape)
    if y is None:
        return None
    right = torch.softmax(tr["logits"] / tr["temperature"], -1)
    if near(y, right, 1e-7, 1e-5):
        return HELD
    return Broken(f"row 0 -> {show(y[0])}; softmax(logits / T) is {show(right[0])}",
                  "p = 1 does not return softmax(logits / T)", isolated=True)


def properties(seed: int) -> list[Property]:
    g = torch.Generator().manual_seed(seed + 202)
    logits = logits_for(g, 8, 9)
    t = dict(logits=logits, temperature=TEMP, p=P)
    return [
        keeps_dtype(t, "logits"),
        Property("keeping the most likely tokens", (t,), keeps_the_largest, "the wrong tokens are kept",
                 f"8 rows of 9 distinct logits, T = {TEMP}, p = {P}", "Sort descending; scatter the kept mask back to token order."),
        Property("keeping the smallest prefix of the sorted distribution whose mass reaches p", (t,), nucleus_size,
                 "the wrong number of tokens is kept", "the same rows",
                 "Keep a token when the mass ranked strictly above it is < p: (cumsum - sorted) < p."),
        Property("rows summing to 1", (t,), sums_to_one, "the rows do not sum to 1", "the same rows",
                 "Divide the kept probabilities by their sum."),
        Property("the kept probabilities in the ratios of softmax(logits / T)", (t,), temperature_reading,
                 "the temperature is used wrongly", f"the same rows, T = {TEMP}", "softmax(logits / temperature)."),
        Property("p = 1 giving softmax(logits / T)", (dict(t, p=1.0),), p_one, "p = 1 does not keep every token",
                 "the same rows with p = 1", "With p = 1 every token is kept."),
        last_axis(dict(t, logits=logits[:4].reshape(2, 2, -1)), "logits"),
    ]
