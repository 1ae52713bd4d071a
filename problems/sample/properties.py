"""What every right sampler satisfies (grader/evidence/properties.py), read from its draws through the
problem's own probe (row i of the batch follows distribution i % R):

- a token of probability 1 is always drawn, in every row: a shift by one token, a flipped
  distribution or rows mixed up show at once, without any statistics;
- rows are drawn independently: many copies of one spread-out distribution do not all draw
  the same token, under any of several generator seeds;
- the draws' frequencies follow the probabilities (5 standard deviations of slack); when they do
  not, which way they lean (sharper or flatter than the distribution) and whether a distribution
  with only two possible tokens is still drawn right (then the draw compares the right score
  differences of two tokens only, as a Gumbel noise of the wrong sign does)."""


import torch

from grader.properties import Broken, Property

ONE_HOT_TOKENS = [1, 3, 0, 4]
V = 6


def _opts(seed, draws):
    return {"draws": draws, "seed": 1000 + seed, "global_seeds": [7 + seed, 11 + seed]}


def _columns(draws, R):
    if type(draws) is not torch.Tensor or draws.dim() != 1 or draws.numel() % R:
        return None
    return draws.reshape(-1, R)  # column r: the draws of distribution r


def certain_tokens(outs, trials):
    cols = _columns(outs[0], len(ONE_HOT_TOKENS))
    if cols is None:
        return None
    want = torch.tensor(ONE_HOT_TOKENS)
    if bool((cols == want).all()):
        return None
    first = cols[0].tolist()
    seen = f"rows whose only possible tokens are {ONE_HOT_TOKENS} drew {first}"
    readings = [(want + 1, "the inverse CDF picks one token too late (the draw is compared with the cumulative "
                           "sum shifted by one token)"),
                ((want - 1).clamp(min=0), "the inverse CDF picks one token too early"),
                (V - 1 - want, "the distribution is read flipped (tokens counted from the end)")]
    fits = [means for r, means in readings if bool((cols == r).all())]
    if len(fits) == 1:
        return Broken(seen, fits[0])
    if bool((cols == cols[:, :1]).all()) and len(set(ONE_HOT_TOKENS)) > 1:
        # What was seen, not why: the same token in every row fits rows mixed up as well as an index that is
        # never mapped back to the row's own tokens (a rank in sorted order), and the experiment does not tell them apart.
        return Broken(seen, f"every row drew token {int(cols[0, 0])}, though each row's only possible token is a "
                            f"different one ({ONE_HOT_TOKENS})")
    alone = outs[1:1 + len(ONE_HOT_TOKENS)]
    if len(alone) == len(ONE_HOT_TOKENS) and all(type(o) is torch.Tensor and o.numel() == 1 for o in alone) \
            and [int(o) for o in alone] == ONE_HOT_TOKENS:
        return Broken(seen + f"; each row ALONE (a batch of one) drew its token {ONE_HOT_TOKENS}",
                      "a row's draw depends on the other rows of the batch: the rows are mixed (a sum, cumulative "
                      "sum or normalisation over the batch axis, dim 0, instead of the vocabulary)")
    extra = outs[1 + len(ONE_HOT_TOKENS):]
    before = rows_before_only(extra[:3], len(ONE_HOT_TOKENS)) or rows_before_only(extra[3:], PREFIX_ROWS)
    if before:
        return Broken(seen + f"; {before}", "a row's draw depends on the rows BEFORE it in the batch and never on "
                      "those after it: something accumulates down the batch axis (dim 0), as a cumulative sum over "
                      "dim 0 does, where the cumulative sum belongs along the vocabulary (the last axis)",
                      isolated=True)
    varies = bool((cols != cols[:1]).any(0).all())  # every row drew several different tokens over the draws
    if varies:
        return Broken(seen, "tokens of probability 0 are drawn, and each row's draws vary from draw to draw: "
                      "a probability of 0 does not exclude a token from your draw")
    return Broken(seen, "a token of probability 1 is not always drawn")


def rows_before_only(outs, rows: int) -> str:
    """Three calls of one draw each, under one generator seed: a batch (one-hot rows, or spread distributions over
    many tokens, where a running total down the batch still crosses u), then with its LAST row changed, then with
    its FIRST row changed. What was seen, when the rows before the changed one never moved and some row
    after the first one did; else ""."""
    if len(outs) != 3 or not all(type(o) is torch.Tensor and o.shape == (rows,) for o in outs):
        return ""
    base, last_changed, first_changed = (o.tolist() for o in outs)
    if base[:-1] != last_changed[:-1] or first_changed[1:] == base[1:]:
        return ""
    return (f"with one draw per row and the same generator seed, changing the LAST row left the draws of the rows "
            f"before it as they were ({base} then {last_changed}), while changing the FIRST row changed the draws of "
            f"rows after it ({first_changed})")


def independent_rows(outs, trials):
    probs = trials[0]["probs"][0]
    constant = []
    for out in outs:
        if type(out) is not torch.Tensor or out.dim() != 1 or out.numel() < 2:
            return None
        constant.append(int(out[0]) if bool((out == out[0]).all()) else None)
    if not all(c is not None for c in constant):
        return None
    top = int(probs.argmax())
    seen = (f"{outs[0].numel()} copies of the distribution {[round(float(p), 2) for p in probs]} all drew the "
            f"same token, under each of {len(outs)} generator seeds ({constant})")
    if all(c == top for c in constant):
        return Broken(seen, "the most likely token every time (argmax), not a random draw")
    if len(set(constant)) == 1:
        # The same token under every seed: the random numbers do not reach the draw, whatever the reason
        # (not a shared random number, which would change with the seed).
        return Broken(seen, f"token {constant[0]} (probability {float(probs[constant[0]]):.2g}) every time, in every "
                            f"row and under every generator seed: the random numbers do not change the draw")
    return Broken(seen, "within one call every row drew the same token, and the token changed with the generator "
                        "seed: the rows of a call are not drawn independently of each other", isolated=True)


def frequencies_follow(outs, trials):
    probs = trials[0]["probs"]
    R = probs.shape[0]
    cols = _columns(outs[0], R)
    if cols is None:
        return None
    n = cols.shape[0]
    freq = torch.stack([torch.bincount(cols[:, r].clamp(0, V - 1), minlength=V)[:V].double() / n for r in range(R)])
    p = probs.double()
    slack = 5 * torch.sqrt(p * (1 - p) / n) + 1.0 / n
    if bool(((freq - p).abs() <= slack).all()):
        return None
    r = int(((freq - p).abs() - slack).amax(-1).argmax())
    seen = (f"distribution {[round(float(x), 2) for x in p[r]]} drawn {n} times gave frequencies "
            f"{[round(float(x), 3) for x in freq[r]]}")
    if bool(((p > 0) & (freq == 0)).any(-1).all()) and bool((freq[:, V - 1] == 0).all()) \
            and bool((p[:, V - 1] > 0.05).all()):
        return Broken(seen, "the last token is never drawn")
    allowed = (p > 0).double()
    uniform = allowed / allowed.sum(-1, keepdim=True)
    if bool(((freq - uniform).abs() <= 5 * torch.sqrt(uniform * (1 - uniform) / n) + 1.0 / n).all()):
        return Broken(seen, "the allowed tokens are drawn uniformly: the probabilities are ignored")
    off = ((freq - p).abs() > slack).any(-1)
    two = (p > 0).sum(-1) == 2
    top = p.argmax(-1)
    rows = torch.arange(R)
    sharper = bool((freq[rows, top] > p[rows, top])[off].all())
    flatter = bool((freq[rows, top] < p[rows, top])[off].all())
    shape = ("the likely tokens are drawn MORE often than their probability and the unlikely ones less (the draws "
             "are sharper than the distribution)" if sharper else
             "the likely tokens are drawn LESS often than their probability (the draws are flatter than the "
             "distribution)" if flatter else "")
    race = _race_frequencies(p)
    if bool(((freq - race).abs() <= 5 * torch.sqrt(race * (1 - race) / n) + 1.0 / n).all()):
        # What the draws ARE: within sampling error, the frequencies of argmax(log p - log u), u uniform (computed
        # here by trusted simulation), and not those of p.
        return Broken(seen + f"; argmax(log p - log u) with one uniform u per token gives "
                             f"{[round(float(x), 3) for x in race[r]]}",
                      "your draws follow argmax(log p - log u) with u uniform: the noise takes one log where a "
                      "Gumbel-max draw takes two (argmax(log p - log(-log u)))")
    for over, support in (("the tokens of nonzero probability", p > 0), ("every token, those of probability 0 too",
                                                                           torch.ones_like(p, dtype=torch.bool))):
        as_logits = torch.where(support, p.exp(), torch.zeros_like(p))
        as_logits = as_logits / as_logits.sum(-1, keepdim=True)
        if not bool(((as_logits - p).abs() <= slack).all()) and bool(
                ((freq - as_logits).abs() <= 5 * torch.sqrt(as_logits * (1 - as_logits) / n) + 1.0 / n).all()):
            # What the draws ARE: within sampling error, softmax of the probabilities themselves (exp(p_i) / sum
            # exp(p_j)), the distribution a Gumbel-max draw on p, not on log p, follows.
            return Broken(seen + f"; softmax(p) over {over} is {[round(float(x), 3) for x in as_logits[r]]}",
                          f"your draws follow softmax(p) over {over}: the probabilities are used as if they were "
                          "logits (exp(p_i) / sum exp(p_j)); a Gumbel-max draw adds its noise to log p, not to p",
                          isolated=True)
    if shape and bool((~off[two]).all()) and bool(off[~two].all()) and bool(two.any()) and not sharper:
        # Right with two tokens and FLATTER with more is what a noise of logistic differences that is not Gumbel
        # gives (log u - log(1 - u)); a Gumbel noise of the wrong sign draws sharper. Not told apart: measured only.
        return Broken(seen, f"the draws are right when only two tokens are possible and wrong with more: {shape}")
    if shape and bool((~off[two]).all()) and bool(off[~two].all()) and bool(two.any()):
        # Exactly right when two tokens are possible, wrong with more: the draw compares the right DIFFERENCES
        # of two tokens' scores but is not a draw from the distribution (a noise whose differences are
        # logistic, as a Gumbel noise of the wrong sign: log(-log u) where -log(-log u) belongs).
        return Broken(seen, f"the draws are right when only two tokens are possible and wrong with more: {shape}; "
                      "the random noise is combined the wrong way round (a Gumbel-max draw needs argmax(log p - log(-log u)), "
                      "an exponential race argmax(p / E) with E = -log u)")
    if shape:
        return Broken(seen, f"the draws' frequencies do not follow the probabilities: {shape}")
    return Broken(seen, "the draws' frequencies do not follow the probabilities")


def draws_are_ranks(outs, trials):
    """Says something only when the draws ARE ranks: id j drawn as often as the j-th most likely token should be
    (and not as token j itself should be). Otherwise no word."""
    probs = trials[0]["probs"]
    R = probs.shape[0]
    cols = _columns(outs[0], R)
    if cols is None:
        return None
    n = cols.shape[0]
    freq = torch.stack([torch.bincount(cols[:, r].clamp(0, V - 1), minlength=V)[:V].double() / n for r in range(R)])
    p = probs.double()
    ranked = p.sort(-1, descending=True).values

    def fits(q):
        return bool(((freq - q).abs() <= 5 * torch.sqrt(q * (1 - q) / n) + 1.0 / n).all())

    if fits(p) or not fits(ranked):
        return None
    r = int((ranked - p).abs().sum(-1).argmax())
    return Broken(f"distribution {[round(float(x), 2) for x in p[r]]} drawn {n} times gave frequencies "
                  f"{[round(float(x), 3) for x in freq[r]]}; the same probabilities sorted from the largest are "
                  f"{[round(float(x), 2) for x in ranked[r]]}",
                  "the draw returns the token's rank in the sorted distribution, not its id: id j comes out as often "
                  "as the j-th most likely token should, and is never mapped back through the sort's indices")


def _race_frequencies(p, draws=200_000):
    """(R, V): how often argmax(log p - log u) picks each token, u uniform per token (a fixed seed: the same
    numbers every run)."""
    g = torch.Generator().manual_seed(12345)
    u = torch.rand(draws, *p.shape, generator=g, dtype=torch.float64).clamp(min=1e-300)
    picked = (p.log()[None] - u.log()).argmax(-1)  # (draws, R)
    return torch.stack([torch.bincount(picked[:, r], minlength=p.shape[-1]).double() / draws
                        for r in range(p.shape[0])])


def _changed_row(one_hot, row):
    """The one-hot batch with `row`'s mass moved to another token (the last one, unused by the others)."""
    out = one_hot.clone()
    out[row] = 0.0
    out[row, V - 1] = 1.0
    return out


PREFIX_ROWS, PREFIX_V = 6, 32  # many tokens: a running total down the batch stays below most u for several rows


def _prefix_batches(seed):
    """A batch of spread distributions, the same with its last row changed, and with its first row changed."""
    g = torch.Generator().manual_seed(4242 + seed)
    base = torch.softmax(torch.randn(PREFIX_ROWS, PREFIX_V, generator=g, dtype=torch.float64), -1)
    last, first = base.clone(), base.clone()
    last[-1] = base[-1].roll(7)
    first[0] = base[0].roll(7)
    return base, last, first


def properties(seed: int) -> list[Property]:
    one_hot = torch.zeros(len(ONE_HOT_TOKENS), V, dtype=torch.float64)
    one_hot[torch.arange(len(ONE_HOT_TOKENS)), torch.tensor(ONE_HOT_TOKENS)] = 1.0
    spread = torch.tensor([[0.35, 0.4, 0.25, 0.0, 0.0, 0.0]], dtype=torch.float64)
    seeds = range(6)
    follow = torch.tensor([[0.1, 0.3, 0.05, 0.25, 0.1, 0.2], [0.6, 0.0, 0.1, 0.1, 0.0, 0.2],
                           [0.0, 0.7, 0.0, 0.0, 0.3, 0.0]], dtype=torch.float64)
    return [
        Property("returning token ids, not ranks in sorted order", (dict(probs=follow),), draws_are_ranks,
                 "the draws are ranks", "three distributions, 3000 draws each",
                 "Map a position in the sorted order back to its token with the sort's indices.",
                 options=(_opts(seed, 3000),), key="draws"),
        Property("drawing a token of probability 1 every time, in every row",
                 (dict(probs=one_hot),) + tuple(dict(probs=one_hot[i:i + 1]) for i in range(len(ONE_HOT_TOKENS)))
                 + (dict(probs=one_hot), dict(probs=_changed_row(one_hot, -1)), dict(probs=_changed_row(one_hot, 0)))
                 + tuple(dict(probs=b) for b in _prefix_batches(seed)),
                 certain_tokens, "certain tokens are not drawn", f"4 rows, each with all its mass on one token "
                 f"({ONE_HOT_TOKENS}), together, then each alone",
                 "Draw u in [0, 1) per row; the token is the first whose cumulative probability exceeds u.",
                 options=(_opts(seed, 20),) + tuple(_opts(seed + i, 1) for i in range(len(ONE_HOT_TOKENS)))
                 + (_opts(seed + 50, 1),) * 6,
                 key="draws"),
        Property("drawing the rows independently", tuple(dict(probs=spread) for _ in seeds), independent_rows,
                 "the rows are not drawn independently", "300 copies of [0.35, 0.4, 0.25, 0, 0, 0], six generator seeds",
                 "One random number per row: torch.rand(N, 1, generator=generator).",
                 options=tuple(_opts(seed + 10 * s, 300) for s in seeds), key="draws"),
        Property("draws whose frequencies follow the probabilities", (dict(probs=follow),), frequencies_follow,
                 "the draws do not follow the probabilities", "three distributions (the last with two possible "
                 "tokens), 3000 draws each",
                 "Compare one uniform number per row with the cumulative sum of that row.",
                 options=(_opts(seed, 3000),), key="draws"),
    ]
