"""Hidden reference for layer-norm: the solution, its cases and its known mistakes."""

import torch

from grader.cases import CREDIT_WITH, Case, generator, non_contiguous, randn
from grader.mistakes import Mistake


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # biased: divide by d
    return (x - mean) / torch.sqrt(var + eps)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    out = [
        Case("typical (2, 5, 16)", {"x": randn(g("typical"), 2, 5, 16, scale=3.0, shift=0.5)},
             "a batch of sequences"),
        Case("1-D vector", {"x": randn(g("1d"), 32)}, "one vector, no batch dimension"),
        Case("edge: d = 1", {"x": randn(g("d1"), 4, 1)}, "a single feature: every output is 0 (credited only with "
             "the typical case: zeros alone are no work)", options={CREDIT_WITH: "typical (2, 5, 16)"}),
        Case("edge: d = 1, float64", {"x": randn(g("d1-f64"), 3, 1, dtype=torch.float64)}, "a single feature in "
             "float64: zeros of the input's dtype (credited only with the typical case)",
             options={CREDIT_WITH: "typical (2, 5, 16)"}),
        Case("edge: constant rows", {"x": torch.cat([torch.full((3, 8), 7.0), randn(g("const"), 1, 8, shift=7.0)])},
             "variance 0: eps keeps it finite (beside one row that varies)"),
        Case("tiny variance", {"x": randn(g("tiny"), 4, 64, scale=1e-3)}, "where eps matters"),
        Case("custom eps", {"x": randn(g("eps"), 3, 10, scale=0.1), "eps": 1e-2}, "use the eps you are given"),
        Case("large values", {"x": randn(g("large"), 2, 4, 24, scale=40.0, shift=10.0)},
             "large spread and mean: catches the unbiased variance"),
        Case("large offset (rows around 100)", {"x": randn(g("offset"), 4, 64, shift=100.0)},
             "rows far from zero with a small spread: E[x^2] - E[x]^2 cancels catastrophically in float32, "
             "(x - mean)^2 does not",
             tolerance=(5e-5, 1e-4)),  # float32's step at 100 is 8e-6: a two-pass answer is off by ~1.5e-5
        Case("4-D input", {"x": randn(g("4d"), 2, 3, 4, 8)}, "normalise the last dimension only"),
        non_contiguous(Case("non-contiguous (3, 4, 16)", {"x": randn(g("strided"), 3, 4, 16, scale=2.0, shift=0.5)},
                            "x in another memory layout (a transposed view): `.view` raises, `reshape` works"), "x"),
        Case("float64", {"x": randn(g("f64"), 3, 7, 20, dtype=torch.float64, scale=2.0)},
             "keep the input's dtype"),
        Case("wide rows (1, 768)", {"x": randn(g("wide"), 1, 768, scale=5.0)}, "a GPT-2-sized vector"),
    ]
    return out


def _unbiased(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(x.var(dim=-1, keepdim=True, unbiased=True) + eps)


def _eps_outside(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    std = x.var(dim=-1, keepdim=True, unbiased=False).sqrt()
    return (x - mean) / (std + eps)


def _no_eps(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    return (x - mean) / x.var(dim=-1, keepdim=True, unbiased=False).sqrt()


def _fixed_eps(x, eps=1e-5):
    return layer_norm(x, 1e-5)


def _first_dim(x, eps=1e-5):
    mean = x.mean(dim=0, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=0, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def _all_elements(x, eps=1e-5):
    mean = x.mean()
    var = ((x - mean) ** 2).mean()
    return (x - mean) / torch.sqrt(var + eps)


MISTAKES = [
    Mistake("unbiased variance", _unbiased,
            "The variance divides by d - 1 (torch.var's default); layer norm uses the population variance, dividing by d.",
            "Pass unbiased=False (or correction=0), or compute ((x - mean) ** 2).mean(-1)."),
    Mistake("eps outside the square root", _eps_outside,
            "The code divides by std + eps; layer norm divides by sqrt(var + eps).",
            "Add eps to the variance, then take the square root."),
    Mistake("eps missing", _no_eps,
            "No eps at all: a constant row divides 0 by 0 and gives NaN.",
            "Divide by sqrt(var + eps)."),
    Mistake("eps argument ignored", _fixed_eps,
            "The code uses 1e-5 whatever eps it is given.",
            "Use the eps parameter."),
    Mistake("normalised over the first dimension", _first_dim,
            "Mean and variance were taken over dim 0 (across the batch); layer norm takes them over the last dimension.",
            "Use dim=-1 with keepdim=True."),
    Mistake("normalised over all elements", _all_elements,
            "One mean and variance for the whole tensor; layer norm computes one per vector (over the last dimension).",
            "Reduce over dim=-1 only, with keepdim=True."),
]
