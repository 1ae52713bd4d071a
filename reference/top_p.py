"""Hidden reference for top-p (nucleus): the solution, its cases and its known mistakes."""

import math

import torch

from grader.cases import Case, generator, non_contiguous
from grader.course import sibling
from grader.mistakes import Mistake

K = sibling(__file__, "top_k")  # shared: seeded logits drawn row by row, the naive softmax


def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    above = sorted_probs.cumsum(dim=-1) - sorted_probs  # mass ranked strictly above each token
    sorted_probs = sorted_probs.masked_fill(above >= p, 0.0)  # the top token has 0 above: always kept
    kept = torch.zeros_like(probs).scatter(-1, order, sorted_probs)  # back to vocabulary order
    return kept / kept.sum(dim=-1, keepdim=True)


# --------------------------------------------------------------------------- cases
MARGIN = 1e-4  # the mass above any token that matters stays this far from p


def negligible(dtype) -> float:
    """A token this improbable changes no output beyond tolerance whether kept or not,
    so rounding may decide it (p = 1 and the far tail)."""
    return 1e-7 if dtype == torch.float32 else 1e-13


def boundary_margin(logits: torch.Tensor, temperature: float, p: float) -> float:
    """min |mass above token - p| over every token but the top one whose probability
    is not negligible: how far the kept set is from flipping under rounding."""
    probs = torch.softmax(logits.double() / temperature, dim=-1)
    sorted_probs = probs.sort(dim=-1, descending=True).values
    above = sorted_probs.cumsum(dim=-1) - sorted_probs
    relevant = sorted_probs >= negligible(logits.dtype)
    relevant[..., 0] = False  # the top token is kept whatever p is
    if not relevant.any():
        return math.inf
    return float((above - p).abs()[relevant].min())


def boundary_gap(logits: torch.Tensor, temperature: float, p: float) -> float:
    """Smallest gap in scaled logits between the last kept and the first dropped token
    (no near-ties that could swap their order)."""
    scaled = (logits.double() / temperature).reshape(-1, logits.shape[-1])
    probs = torch.softmax(scaled, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    above = sorted_probs.cumsum(dim=-1) - sorted_probs
    gaps = [math.inf]
    for row, idx, a in zip(scaled, order, above):
        m = int((a < p).sum())
        if m < row.numel() and math.isfinite(float(row[idx[m]])):
            gaps.append(float(row[idx[m - 1]] - row[idx[m]]))
    return min(gaps)


def _case(name, g, shape, temperature, p, about, **kw):
    def ok(row):
        return (boundary_margin(row, temperature, p) >= MARGIN
                and boundary_gap(row, temperature, p) >= K._min_gap(row, temperature))

    logits = K.draw_logits(g, shape, temperature, ok, **kw)
    # Asserted on the finished tensor: the contract promises these margins.
    assert boundary_margin(logits, temperature, p) >= MARGIN, name
    assert boundary_gap(logits, temperature, p) >= K._min_gap(logits, temperature), name
    return Case(name, {"logits": logits, "temperature": temperature, "p": p}, about,
                tolerance=K.conditioned_tolerance(logits, temperature))


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    return [
        _case("typical (4, 50), p = 0.9, T = 0.8", g("typical"), (4, 50), 0.8, 0.9,
              "a batch of next-token logits", scale=2.0),
        _case("1-D logits (V,) = (40,), p = 0.75, T = 1.2", g("1d"), (40,), 1.2, 0.75,
              "one distribution, no batch dimension", scale=2.0),
        _case("3-D logits (2, 3, 30), p = 0.8, T = 0.7", g("3d"), (2, 3, 30), 0.7, 0.8,
              "(N, T, V): every position of every sequence", scale=2.0),
        non_contiguous(_case("non-contiguous (3, 4, 30) logits, p = 0.8, T = 0.9", g("strided"), (3, 4, 30), 0.9, 0.8,
                             "logits in another memory layout (a transposed view): `.view` raises, `reshape` works",
                             scale=2.0), "logits"),
        _case("peaked: p = 0.5, T = 0.5", g("peaked"), (4, 30), 0.5, 0.5,
              "a few tokens hold most of the mass", scale=2.0),
        _case("edge: p = 1, T = 1.1", g("p1"), (3, 16), 1.1, 1.0,
              "every token is kept: the plain softmax of logits / T", scale=1.5),
        _case("edge: tiny p = 0.001", g("tiny"), (3, 20), 0.9, 1e-3,
              "only the top token is kept (probability 1)", scale=2.0),
        _case("cold: T = 0.05, p = 0.95", g("cold"), (3, 40), 0.05, 0.95,
              "logits / T reach a few hundred: exp overflows without the max subtracted", scale=3.0),
        _case("hot: T = 10, p = 0.5", g("hot"), (2, 64), 10.0, 0.5,
              "a flat distribution: about half the vocabulary is kept", scale=3.0),
        _case("large logits: +-1e4 + noise, T = 1, p = 0.9", g("large"), (4, 32), 1.0, 0.9,
              "exp(1e4) is inf and exp(-1e4) is 0: subtract the row max first", scale=3.0, shift=[1e4, -1e4]),
        _case("huge spread: logits ~ 1e4 * randn, T = 200, p = 0.99", g("spread"), (3, 24), 200.0, 0.99,
              "logits / T ~ 50 * randn: exp overflows float32 without the max subtracted", scale=1e4),
        _case("wide spread, hot: logits ~ 1e3 * randn, T = 300, p = 0.9", g("spread-hot"), (3, 24), 300.0, 0.9,
              "at T = 1 all but the top token would round to 0; at T = 300 several are kept", scale=1e3),
        _case("-inf logits (banned tokens), p = 0.85", g("ninf"), (4, 20), 0.9, 0.85,
              "tokens at -inf keep probability 0", scale=2.0, n_inf=5),
        _case("float64 (3, 30), p = 0.7, T = 0.9", g("f64"), (3, 30), 0.9, 0.7,
              "keep the input's dtype", scale=2.0, dtype=torch.float64),
        _case("wide vocabulary (2, 1000), p = 0.95, T = 0.9", g("wide"), (2, 1000), 0.9, 0.95,
              "a realistic vocabulary size: hundreds of tokens kept", scale=2.5),
    ]


# --------------------------------------------------------------------------- mistakes
def _sorted_probs(logits, temperature):
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    return probs, sorted_probs, order


def _unsort(probs, sorted_probs, order):
    return torch.zeros_like(probs).scatter(-1, order, sorted_probs)


def _drops_crossing_token(logits, temperature, p):
    probs, sorted_probs, order = _sorted_probs(logits, temperature)
    keep = sorted_probs.cumsum(dim=-1) <= p  # includes the token itself
    keep[..., 0] = True
    kept = _unsort(probs, sorted_probs * keep, order)
    return kept / kept.sum(dim=-1, keepdim=True)


def _inclusive_cumsum(logits, temperature, p):
    probs, sorted_probs, order = _sorted_probs(logits, temperature)
    sorted_probs = sorted_probs.masked_fill(sorted_probs.cumsum(dim=-1) > p, 0.0)
    kept = _unsort(probs, sorted_probs, order)
    return kept / kept.sum(dim=-1, keepdim=True)  # 0 / 0 when even the top token was dropped


def _not_renormalised(logits, temperature, p):
    probs, sorted_probs, order = _sorted_probs(logits, temperature)
    above = sorted_probs.cumsum(dim=-1) - sorted_probs
    return _unsort(probs, sorted_probs.masked_fill(above >= p, 0.0), order)


def _temperature_ignored(logits, temperature, p):
    return top_p_probs(logits, 1.0, p)


def _temperature_on_probs_power(logits, temperature, p):
    probs = torch.softmax(logits, dim=-1) ** (1.0 / temperature)  # underflowed tokens stay 0
    probs = probs / probs.sum(dim=-1, keepdim=True)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    above = sorted_probs.cumsum(dim=-1) - sorted_probs
    kept = _unsort(probs, sorted_probs.masked_fill(above >= p, 0.0), order)
    return kept / kept.sum(dim=-1, keepdim=True)


def _ascending_sort(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1)  # torch.sort is ascending by default
    above = sorted_probs.cumsum(dim=-1) - sorted_probs
    kept = _unsort(probs, sorted_probs.masked_fill(above >= p, 0.0), order)
    return kept / kept.sum(dim=-1, keepdim=True)


def _left_sorted(logits, temperature, p):
    probs, sorted_probs, order = _sorted_probs(logits, temperature)
    above = sorted_probs.cumsum(dim=-1) - sorted_probs
    kept = sorted_probs.masked_fill(above >= p, 0.0)  # never scattered back to vocabulary order
    return kept / kept.sum(dim=-1, keepdim=True)


def _naive_softmax(logits, temperature, p):
    probs = K.naive_softmax(logits / temperature)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    above = sorted_probs.cumsum(dim=-1) - sorted_probs
    kept = _unsort(probs, sorted_probs.masked_fill(above >= p, 0.0), order)
    return kept / kept.sum(dim=-1, keepdim=True)


MISTAKES = [
    Mistake("drops the token that crosses p", _drops_crossing_token,
            "A token was kept only if the cumulative mass *including itself* stays within p, so the token that "
            "takes the total past p is dropped; the kept set must reach p.",
            "Keep a token when the mass of the tokens ranked strictly above it is < p: cumsum - probs < p."),
    Mistake("cumulative mass includes the token itself", _inclusive_cumsum,
            "Tokens were dropped where cumsum(sorted probs) > p, which counts each token's own probability; the "
            "crossing token is lost, and when the top token alone exceeds p nothing is left (0 / 0 = NaN).",
            "Compare the mass strictly above each token (cumsum - probs) with p; the top token is always kept."),
    Mistake("not renormalised", _not_renormalised,
            "The right tokens were kept, but their probabilities were not divided by the kept mass, so a row no "
            "longer sums to 1.",
            "Divide the kept probabilities by their sum over the last dimension."),
    Mistake("temperature ignored", _temperature_ignored,
            "The probabilities are those of temperature 1: the logits were not divided by the temperature (or it "
            "was applied to the probabilities after the softmax, where renormalising cancels it).",
            "Apply softmax(logits / T) first, then rank and cut."),
    Mistake("temperature applied to the probabilities (p ** (1/T))", _temperature_on_probs_power,
            "softmax(logits) ** (1/T), renormalised, equals softmax(logits / T) on paper, but the softmax at T = 1 "
            "has already rounded small probabilities to 0 (here logits spread by thousands), and no power brings "
            "them back.",
            "Scale the logits, not the probabilities: softmax(logits / T)."),
    Mistake("sorted ascending", _ascending_sort,
            "The probabilities were sorted from the least to the most likely (torch.sort's default), so the "
            "nucleus was filled with the least likely tokens.",
            "Sort with descending=True so the cumulative mass starts at the most likely token."),
    Mistake("left in sorted order", _left_sorted,
            "The kept probabilities are returned in sorted order: position i holds the i-th most likely token's "
            "probability instead of token i's.",
            "Scatter them back with the sort's indices: torch.zeros_like(probs).scatter(-1, order, kept)."),
    Mistake("softmax overflows (max not subtracted)", _naive_softmax,
            "exp(logits / T) overflows to inf (or underflows to 0 for all tokens) when the scaled logits are "
            "large, and inf / inf or 0 / 0 is NaN.",
            "Subtract the row's maximum before exp: softmax(x) = softmax(x - max(x)). torch.softmax does this."),
]
