"""Hidden reference for sample: the sampler, its cases and the known mistakes.

The verdict is statistical and needs no reference: it is the public judge,
problems/sample/judge.py (ids in range, no token of probability 0, a chi-square test per
case, reproducibility), so learners' bundles can check this problem offline.
"""

import math

import torch

from grader.cases import Case, generator
from grader.mistakes import Mistake


def sample(probs, generator):
    cdf = probs.cumsum(dim=-1, dtype=torch.float64)  # (N, V); float64 so rounding never reaches a draw
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]  # in [0, total)
    # The first token whose cdf is strictly above u: a token of probability 0 never is.
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


# --------------------------------------------------------------------------- cases
def _skewed(g, V, scale=1.0):
    return torch.softmax(torch.randn(V, generator=g, dtype=torch.float64) * scale, dim=-1)


def _draw(g, make, ok):
    for _ in range(1000):
        p = make()
        if ok(p):
            return p
    raise AssertionError("could not draw a distribution with the required properties")  # pragma: no cover


def _distinct(p, by=0.1) -> bool:
    """Far from its own shifts, its mirror image and the uniform distribution: every
    biased sampler in MISTAKES moves some token's probability by `by` or more."""
    support = p > 0
    uniform = support / support.sum()
    return bool(min((p[1:] - p[:-1]).abs().max(), (p - p.flip(0)).abs().max(), (p - uniform).abs().max()) >= by)


def _seed(g) -> int:
    return int(torch.randint(0, 2**62, (1,), generator=g))


def _case(name, seed, rows, draws, about, dtype=torch.float32, reproducible=False):
    g = generator(seed, name + "/seeds")
    rows = rows / rows.sum(dim=-1, keepdim=True)
    options = {"draws": draws, "seed": _seed(g), "global_seeds": [_seed(g), _seed(g)]}
    if reproducible:
        # fresh_rerun: the grader runs this case again in its own process (grader/verdict/runner.py).
        options.update(reproducible=True, other_seed=_seed(g), fresh_rerun={})
    # Diagnosis compares observed frequencies with a mistake's distribution: six standard
    # errors of a frequency (at most 0.5 / sqrt(draws)) keep sampling noise out of it.
    return Case(name, {"probs": rows.to(dtype)}, about, tolerance=(3.0 / math.sqrt(draws), 0.0), options=options)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    gs = g("skewed")
    skewed = _draw(gs, lambda: _skewed(gs, 8, 1.0),
                   lambda p: p.min() >= 0.02 and p[-1] >= 0.08 and _distinct(p))

    gz = g("zeros")

    def with_zeros():
        p = _skewed(gz, 10, 1.0)
        p[[0, 9, 2 + int(torch.randint(0, 6, (1,), generator=gz))]] = 0.0
        return p / p.sum()

    zeros = _draw(gz, with_zeros, lambda p: p[p > 0].min() >= 0.03 and _distinct(p))

    gm = g("mixed")
    one_hot = torch.zeros(6, dtype=torch.float64)
    one_hot[1 + int(torch.randint(0, 4, (1,), generator=gm))] = 1.0
    decreasing = torch.tensor([0.4, 0.25, 0.15, 0.1, 0.06, 0.04], dtype=torch.float64)
    heavy_last = _draw(gm, lambda: _skewed(gm, 6, 0.7), lambda p: _distinct(p) and p.min() >= 0.05)
    heavy_last[-1] += 0.5  # the last token holds about half the mass
    mixed = torch.stack([one_hot, torch.full((6,), 1 / 6, dtype=torch.float64), decreasing,
                         heavy_last / heavy_last.sum()])

    gl = g("large")
    large = _draw(gl, lambda: _skewed(gl, 256, 2.0), lambda p: bool(p.max() >= 0.05))

    gf = g("f64")
    f64 = torch.stack([_draw(gf, lambda: _skewed(gf, 5, 1.0), lambda p: p.min() >= 0.05 and _distinct(p))
                       for _ in range(2)])

    gr = g("repro")
    repro = torch.stack([_draw(gr, lambda: _skewed(gr, 6, 1.0), lambda p: bool((p ** 2).sum() <= 0.5))
                         for _ in range(3)])

    gh = g("high ids")
    # Fewer rows than tokens, all the mass on high ids: an id clamped to the number of rows
    # (probs.shape[0] - 1 instead of probs.shape[-1] - 1) lands on a token of probability 0.
    high = torch.zeros(4, 64, dtype=torch.float64)
    high[:, 40:] = torch.stack([_skewed(gh, 24, 1.0) for _ in range(4)])

    return [
        _case("skewed distribution, V = 8", seed, skewed[None], 20000,
              "one distribution, 20000 draws: frequencies must match it"),
        _case("zeros at both ends and inside, V = 10", seed, zeros[None], 20000,
              "tokens of probability 0 (first, last and one inside) are never drawn"),
        _case("a batch of 4 different distributions, V = 6", seed, mixed, 5000,
              "one-hot, uniform, decreasing and last-heavy rows, interleaved: each row uses its own probabilities"),
        _case("large vocabulary, V = 256", seed, large[None], 20000,
              "an LM-like distribution with a long tail of rare tokens"),
        _case("float64 probabilities", seed, f64, 10000, "probs in float64; the ids are still int64",
              dtype=torch.float64),
        _case("same generator seed, same draws", seed, repro, 2000,
              "reseeding the global RNG changes nothing; another generator seed changes the draws; one row gives "
              "shape (1,)", reproducible=True),
        _case("4 rows, V = 64, mass on the high ids", seed, high, 1,
              "fewer rows than tokens: ids run up to V - 1, whatever the number of rows"),
    ]


# --------------------------------------------------------------------------- mistakes
# Each mistake is a biased sampler with the entry's signature. Called without a
# generator it returns instead the distribution it draws from, (R, V) for rows (R, V):
# the probe's "output" is the observed frequency of each token, so diagnosis matches a
# mistake when the frequencies are within the case's statistical tolerance of it.
def _mistake(distribution, sampler):
    def fn(probs, generator=None):
        return distribution(probs) if generator is None else sampler(probs, generator)

    return fn


def _u(probs, generator):
    return torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)


def _argmax(probs):
    p = probs.double()
    return torch.zeros_like(p).scatter(-1, p.argmax(dim=-1, keepdim=True), 1.0)


def _argmax_draw(probs, generator):
    return probs.argmax(dim=-1)


def _one_late(probs):
    p = probs.double()
    return torch.cat([torch.zeros_like(p[:, :1]), p[:, :-1]], dim=-1)  # the last token's mass goes to id V


def _one_late_draw(probs, generator):
    return (_u(probs, generator) > probs.cumsum(dim=-1) - probs).sum(dim=-1)  # exclusive cumsum


def _one_early(probs):
    p = probs.double()
    return torch.cat([p[:, 1:], torch.zeros_like(p[:, :1])], dim=-1)  # token 0's mass goes to id -1


def _one_early_draw(probs, generator):
    return torch.searchsorted(probs.cumsum(dim=-1), _u(probs, generator)).squeeze(-1) - 1


def _flipped(probs):
    return probs.double().flip(-1)


def _flipped_draw(probs, generator):
    return (_u(probs, generator) < probs.cumsum(dim=-1)).sum(dim=-1) - 1  # counts cdf > u


def _last_never(probs):
    p = probs.double().clone()
    p[:, -1] = 0.0
    return p / p.sum(dim=-1, keepdim=True)


def _last_never_draw(probs, generator):
    cdf = probs[:, :-1].cumsum(dim=-1)
    return (cdf <= _u(probs, generator) * cdf[:, -1:]).sum(dim=-1)


def _uniform(probs):
    support = (probs > 0).double()
    return support / support.sum(dim=-1, keepdim=True)


def _uniform_draw(probs, generator):
    return (torch.rand(probs.shape, generator=generator) * (probs > 0)).argmax(dim=-1)


MISTAKES = [
    Mistake("argmax instead of a draw", _mistake(_argmax, _argmax_draw),
            "Every draw is the most likely token: that is greedy decoding, not sampling.",
            "Draw u uniformly in [0, 1) from the generator and pick the first token whose cumulative probability "
            "exceeds u."),
    Mistake("inverse CDF one token late", _mistake(_one_late, _one_late_draw),
            "Each draw lands one token after the right one (token 0 is never drawn and id V appears): the "
            "cumulative sum was exclusive (cumsum - probs), or 1 was added to the index.",
            "With cdf = probs.cumsum(-1), the draw is the first index where cdf > u: "
            "torch.searchsorted(cdf, u, right=True)."),
    Mistake("inverse CDF one token early", _mistake(_one_early, _one_early_draw),
            "Each draw lands one token before the right one (the last token is never drawn and id -1 appears): "
            "1 was subtracted from the index.",
            "torch.searchsorted(cdf, u, right=True) is already the 0-based token id."),
    Mistake("distribution flipped", _mistake(_flipped, _flipped_draw),
            "Token i is drawn with the probability of token V-1-i: the comparison with u runs the wrong way "
            "(counting cdf > u instead of cdf <= u), or the CDF was built from the wrong end.",
            "Count the tokens whose cumulative probability is <= u: that count is the drawn id."),
    Mistake("last token never drawn", _mistake(_last_never, _last_never_draw),
            "The last token is never drawn; the others share its mass: the CDF (or the loop) stops one token "
            "short.",
            "Build the CDF over all V tokens and let u range over [0, 1)."),
    Mistake("uniform over the allowed tokens", _mistake(_uniform, _uniform_draw),
            "Every token with non-zero probability is drawn equally often: the probabilities only decide which "
            "tokens are allowed, not how likely they are.",
            "Weight the draw by the probabilities: inverse CDF (cumsum + searchsorted) or Gumbel-max on "
            "log(probs)."),
]
