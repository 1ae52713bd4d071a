"""Hidden reference for top-k: the solution, its cases and its known mistakes.

The seed's LM head turned logits into a next-token distribution in three steps:
divide by the temperature, keep the k largest, softmax. This is that step, returning
the probabilities (drawing from them is the `sample` problem).
"""

import math

import torch

from grader.cases import Case, generator, non_contiguous, randn
from grader.mistakes import Mistake


def top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    kth = scaled.topk(k, dim=-1).values[..., -1:]  # (..., 1): the k-th largest scaled logit
    scaled = scaled.masked_fill(scaled < kth, float("-inf"))  # ties are kept out of the cases
    return torch.softmax(scaled, dim=-1)  # subtracts the row max: no overflow


# --------------------------------------------------------------------------- cases
def boundary_gap(logits: torch.Tensor, temperature: float, k: int) -> float:
    """The smallest gap, over rows, between the k-th and (k+1)-th largest scaled logits
    (inf when k = V or when the (k+1)-th is -inf). Cases keep it well above rounding."""
    if k >= logits.shape[-1]:
        return math.inf
    top = (logits.double() / temperature).topk(k + 1, dim=-1).values
    kth, nxt = top[..., k - 1], top[..., k]
    gap = torch.where(torch.isinf(nxt), torch.full_like(kth, math.inf), kth - nxt)
    return float(gap.min())


def _min_gap(logits: torch.Tensor, temperature: float) -> float:
    """Required separation: far above the rounding of x / T in the case's dtype."""
    finite = logits[torch.isfinite(logits)].double().abs()
    scale = float(finite.max()) / temperature if finite.numel() else 0.0
    eps = torch.finfo(logits.dtype).eps
    return max(1e-3 if logits.dtype == torch.float32 else 1e-8, 64 * eps * scale)


def draw_logits(g, shape, temperature, ok, *, scale=1.0, shift=0.0, dtype=torch.float32, n_inf=0):
    """Seeded logits of `shape` (..., V), drawn row by row; a row is redrawn until
    `ok(row)` holds (no near-ties at the boundary). `n_inf` entries per row are -inf.
    `shift` may be a list, one value per row (cycled)."""
    V = shape[-1]
    rows = []
    shifts = shift if isinstance(shift, (list, tuple)) else [shift]
    for i in range(math.prod(shape[:-1])):
        for _ in range(200):
            row = randn(g, V, dtype=torch.float64, scale=scale, shift=shifts[i % len(shifts)]).to(dtype)
            if n_inf:
                row[torch.randperm(V, generator=g)[:n_inf]] = float("-inf")
            if ok(row):
                break
        else:  # pragma: no cover - would mean the case cannot be built as described
            raise AssertionError("could not draw a row without a near-tie")
        rows.append(row)
    return torch.stack(rows).reshape(shape)


def _case(name, g, shape, temperature, k, about, **kw):
    def ok(row):
        return boundary_gap(row, temperature, k) >= _min_gap(row, temperature)

    logits = draw_logits(g, shape, temperature, ok, **kw)
    # Asserted once more on the finished tensor: the contract promises no boundary ties.
    assert boundary_gap(logits, temperature, k) >= _min_gap(logits, temperature), name
    return Case(name, {"logits": logits, "temperature": temperature, "k": k}, about,
                tolerance=conditioned_tolerance(logits, temperature))


def conditioned_tolerance(logits, temperature) -> tuple[float, float] | None:
    """A probability computed in the logits' dtype is only as exact as `logits / T` at its
    magnitude: a correct float32 solution that normalises with logsumexp at |logits / T|
    = 1e4 is off by ~5e-4 relative, float32's step there. The tolerance follows (None:
    the problem's own, which is wider at ordinary magnitudes)."""
    eps = torch.finfo(logits.dtype).eps
    finite = logits[torch.isfinite(logits)]
    scale = float(finite.abs().max()) / temperature if finite.numel() else 0.0
    rtol = 8 * eps * scale
    if rtol <= 1e-4:
        return None
    return (1e-6 if logits.dtype == torch.float32 else 1e-10, rtol)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    return [
        _case("typical (4, 50), k = 5, T = 0.8", g("typical"), (4, 50), 0.8, 5,
              "a batch of next-token logits", scale=2.0),
        _case("1-D logits (V,) = (40,), k = 8, T = 1.5", g("1d"), (40,), 1.5, 8,
              "one distribution, no batch dimension", scale=2.0),
        _case("3-D logits (2, 3, 30), k = 4, T = 0.7", g("3d"), (2, 3, 30), 0.7, 4,
              "(N, T, V): every position of every sequence", scale=2.0),
        non_contiguous(_case("non-contiguous (3, 4, 30) logits, k = 5, T = 0.9", g("strided"), (3, 4, 30), 0.9, 5,
                             "logits in another memory layout (a transposed view): `.view` raises, `reshape` works",
                             scale=2.0), "logits"),
        _case("edge: k = 1, T = 2", g("k1"), (3, 20), 2.0, 1,
              "only the top token survives: probability 1", scale=2.0),
        _case("edge: k = 1, float64", g("k1-f64"), (3, 20), 1.5, 1,
              "one-hot on the top token, in the logits' dtype (float64 stays float64)", scale=2.0, dtype=torch.float64),
        _case("edge: k = V, T = 0.6", g("kV"), (3, 16), 0.6, 16,
              "nothing is cut: the plain softmax of logits / T", scale=2.0),
        _case("cold: T = 0.05, k = 6", g("cold"), (3, 40), 0.05, 6,
              "logits / T reach a few hundred: exp overflows without the max subtracted", scale=3.0),
        _case("hot: T = 10, k = 20", g("hot"), (2, 64), 10.0, 20,
              "a high temperature flattens the kept distribution", scale=3.0),
        _case("large logits: +-1e4 + noise, T = 1", g("large"), (4, 32), 1.0, 5,
              "exp(1e4) is inf and exp(-1e4) is 0: subtract the row max first",
              scale=3.0, shift=[1e4, -1e4]),
        _case("huge spread: logits ~ 1e4 * randn, T = 200", g("spread"), (3, 24), 200.0, 3,
              "logits / T ~ 50 * randn: exp overflows float32 without the max subtracted", scale=1e4),
        _case("-inf logits (banned tokens), k = 6", g("ninf"), (4, 20), 0.9, 6,
              "tokens at -inf keep probability 0", scale=2.0, n_inf=5),
        _case("-inf logits, k larger than the finite ones", g("ninf-k"), (2, 10), 1.3, 8,
              "k reaches into the -inf tokens: they still get probability 0", scale=2.0, n_inf=4),
        _case("float64 (3, 30), k = 4, T = 0.9", g("f64"), (3, 30), 0.9, 4,
              "keep the input's dtype", scale=2.0, dtype=torch.float64),
        _case("wide vocabulary (2, 1000), k = 50, T = 0.9", g("wide"), (2, 1000), 0.9, 50,
              "a realistic vocabulary size", scale=2.5),
    ]


# --------------------------------------------------------------------------- mistakes
def _temperature_ignored(logits, temperature, k):
    return top_k_probs(logits, 1.0, k)


def _temperature_multiplied(logits, temperature, k):
    return top_k_probs(logits * temperature, 1.0, k)


def _temperature_on_probs_power(logits, temperature, k):
    probs = torch.softmax(logits, dim=-1) ** (1.0 / temperature)  # equal to softmax(logits / T) on paper...
    kth = probs.topk(k, dim=-1).values[..., -1:]
    probs = probs.masked_fill(probs < kth, 0.0)
    return probs / probs.sum(dim=-1, keepdim=True)  # ...but tokens that underflowed at T = 1 stay 0


def _temperature_divides_probs(logits, temperature, k):
    return top_k_probs(logits, 1.0, k) / temperature


def _keeps_k_plus_one(logits, temperature, k):
    scaled = logits / temperature
    kth = scaled.topk(min(k + 1, scaled.shape[-1]), dim=-1).values[..., -1:]
    return torch.softmax(scaled.masked_fill(scaled < kth, float("-inf")), dim=-1)


def _not_renormalised(logits, temperature, k):
    probs = torch.softmax(logits / temperature, dim=-1)
    kth = probs.topk(k, dim=-1).values[..., -1:]
    return probs.masked_fill(probs < kth, 0.0)


def _masked_with_zero(logits, temperature, k):
    scaled = logits / temperature
    kth = scaled.topk(k, dim=-1).values[..., -1:]
    return torch.softmax(scaled.masked_fill(scaled < kth, 0.0), dim=-1)


def _masked_with_zero_by_index(logits, temperature, k):
    # The same mistake written with topk's indices: when -inf logits tie at the boundary,
    # the -inf tokens that topk did not pick become 0 as well.
    scaled = logits / temperature
    keep = torch.zeros_like(scaled, dtype=torch.bool).scatter(-1, scaled.topk(k, dim=-1).indices, True)
    return torch.softmax(torch.where(keep, scaled, torch.zeros_like(scaled)), dim=-1)


def naive_softmax(x):
    e = torch.exp(x)  # overflows to inf for x > 88 in float32: inf / inf is NaN
    return e / e.sum(dim=-1, keepdim=True)


def _naive_softmax(logits, temperature, k):
    scaled = logits / temperature
    kth = scaled.topk(k, dim=-1).values[..., -1:]
    return naive_softmax(scaled.masked_fill(scaled < kth, float("-inf")))


def _naive_softmax_times_mask(logits, temperature, k):
    # The same mistake written as exp(x) * mask: inf * 0 is NaN outside the top k too.
    scaled = logits / temperature
    kth = scaled.topk(k, dim=-1).values[..., -1:]
    e = torch.exp(scaled) * (scaled >= kth)
    return e / e.sum(dim=-1, keepdim=True)


_ZERO_MASK = ("Logits outside the top k were set to 0 before the softmax; exp(0) = 1 is not zero, so those tokens "
              "keep some probability.", "Set them to float('-inf'): exp(-inf) = 0.")
_OVERFLOW = ("exp(logits / T) overflows to inf (or underflows to 0 for all tokens) when the scaled logits are "
             "large, and inf / inf or 0 / 0 is NaN.",
             "Subtract the row's maximum before exp: softmax(x) = softmax(x - max(x)). torch.softmax does this.")

# Variants of one mistake share its name: diagnosis names the first that explains every case.
MISTAKES = [
    Mistake("temperature ignored", _temperature_ignored,
            "The probabilities are those of temperature 1: the temperature was never applied, or it was applied "
            "to the probabilities after the softmax (dividing them by T cancels out once they are renormalised).",
            "Divide the logits by the temperature before the softmax: softmax(logits / T)."),
    Mistake("temperature multiplied", _temperature_multiplied,
            "The logits were multiplied by the temperature; temperature divides them (a high T flattens the "
            "distribution, a low T sharpens it).",
            "Use logits / temperature."),
    Mistake("temperature applied to the probabilities (p ** (1/T))", _temperature_on_probs_power,
            "softmax(logits) ** (1/T), renormalised, equals softmax(logits / T) on paper, but the softmax at T = 1 "
            "has already rounded small probabilities to 0 (here logits spread by thousands), and no power brings "
            "them back: at a high temperature those tokens should have a visible probability.",
            "Scale the logits, not the probabilities: softmax(logits / T)."),
    Mistake("probabilities divided by the temperature", _temperature_divides_probs,
            "The probabilities were divided by T after the softmax, so a row sums to 1/T instead of 1, and the "
            "shape of the distribution did not change.",
            "Divide the logits by T before the softmax."),
    Mistake("keeps k + 1 tokens", _keeps_k_plus_one,
            "One token too many survives: the threshold is the (k+1)-th largest value (e.g. sorted[..., k] "
            "with 0-based indexing) instead of the k-th.",
            "The k-th largest value is sorted_desc[..., k - 1], or topk(k).values[..., -1]."),
    Mistake("not renormalised", _not_renormalised,
            "The softmax ran over the whole vocabulary and the tokens outside the top k were then zeroed, so the "
            "kept probabilities no longer sum to 1.",
            "Mask the logits (set them to -inf) before the softmax, or divide the kept probabilities by their sum."),
    Mistake("masked with 0 instead of -inf", _masked_with_zero, *_ZERO_MASK),
    Mistake("masked with 0 instead of -inf", _masked_with_zero_by_index, *_ZERO_MASK),
    Mistake("softmax overflows (max not subtracted)", _naive_softmax, *_OVERFLOW),
    Mistake("softmax overflows (max not subtracted)", _naive_softmax_times_mask, *_OVERFLOW),
]
