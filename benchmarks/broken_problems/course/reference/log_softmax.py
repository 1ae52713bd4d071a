"""Hidden reference for log-softmax: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def log_softmax(x, dim=-1):
    z = x - x.amax(dim=dim, keepdim=True)  # role: shifted so the largest exponent is 0
    return z - z.logsumexp(dim=dim, keepdim=True)


def magnitude_tolerance(x):
    """Near |x| = 1e4 a float32 result is exact only to about eps * |x| (~1e-3): x - (m + lse)
    and (x - m) - lse round differently there. Allow 4 * eps * max|x|."""
    return (4 * torch.finfo(x.dtype).eps * float(x.abs().max()), 1e-5)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    large = randn(g("large"), 3, 8, scale=2.0, shift=1e4)
    return [
        Case("last dimension (4, 10)", {"x": randn(g("typical"), 4, 10, scale=2.0)}, "the default dim = -1"),
        Case("dim = 0 (6, 5)", {"x": randn(g("dim0"), 6, 5, scale=2.0), "dim": 0}, "normalise down the columns"),
        Case("dim = 1 of (3, 7, 4)", {"x": randn(g("dim1"), 3, 7, 4, scale=2.0), "dim": 1}, "a middle dimension"),
        Case("dim = -2 of (2, 5, 6)", {"x": randn(g("dimm2"), 2, 5, 6, scale=2.0), "dim": -2}, "a negative dim"),
        Case("wide spread (3, 12), scale 100", {"x": randn(g("spread"), 3, 12, scale=100.0)},
             "log(softmax) gives -inf for the small entries; log space does not"),
        Case("large values ~1e4 (3, 8)", {"x": large}, "exp(1e4) is inf: subtract the maximum",
             tolerance=magnitude_tolerance(large)),
        Case("1-D (15,)", {"x": randn(g("1d"), 15, scale=2.0)}, "a single distribution"),
        Case("float64 (4, 9), dim 0", {"x": randn(g("f64"), 4, 9, scale=2.0, dtype=torch.float64), "dim": 0},
             "keep the input's dtype"),
    ]


def _normaliser_then_subtract(x, dim=-1):
    m = x.amax(dim=dim, keepdim=True)
    return x - (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True)))


CORRECT_VARIANTS = [_normaliser_then_subtract]


def _log_of_softmax(x, dim=-1):
    e = torch.exp(x - x.amax(dim=dim, keepdim=True))
    return torch.log(e / e.sum(dim=dim, keepdim=True))


def _last_dim_always(x, dim=-1):
    return log_softmax(x, -1)


def _no_max(x, dim=-1):
    return x - torch.log(torch.exp(x).sum(dim=dim, keepdim=True))


def _max_not_added_back(x, dim=-1):
    return x - torch.log(torch.exp(x - x.amax(dim=dim, keepdim=True)).sum(dim=dim, keepdim=True))


MISTAKES = [
    Mistake("log of softmax", _log_of_softmax, "log(softmax(x)) underflows to -inf for very unlikely entries.",
            "Stay in log space: x - m - log(sum exp(x - m))."),
    Mistake("dim ignored", _last_dim_always, "The normalisation always runs over the last dimension.",
            "Reduce along the dim you are given."),
    Mistake("exp without the max subtracted", _no_max, "exp(x) overflows for large x.",
            "Subtract the maximum along dim first."),
    Mistake("maximum not accounted for", _max_not_added_back,
            "The maximum was subtracted inside the log but not from x: the result is off by the maximum.",
            "log_softmax = (x - m) - log(sum exp(x - m))."),
]
