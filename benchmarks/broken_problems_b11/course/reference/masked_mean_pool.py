"""Hidden reference for masked-mean-pool: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def masked_mean_pool(h, mask):
    m = mask.unsqueeze(-1).to(h.dtype)  # (N, T, 1)
    total = h.mul_(m).sum(dim=1)  # padded positions zeroed
    return total / m.sum(dim=1).clamp(min=1.0)


def _lengths_mask(T, lengths, left=False):
    pos = torch.arange(T)
    if left:
        return torch.stack([pos >= T - n for n in lengths])
    return torch.stack([pos < n for n in lengths])


def cases(seed: int) -> list[Case]:
    def h(name, N, T, d, dtype=torch.float32):
        return randn(generator(seed, name), N, T, d, dtype=dtype, scale=2.0, shift=0.5)

    scattered = torch.rand(4, 9, generator=generator(seed, "scattered mask")) < 0.5
    scattered[:, 0] = True
    return [
        Case("right padding (3, 6, 8)", {"h": h("right", 3, 6, 8), "mask": _lengths_mask(6, [6, 4, 2])},
             "sequences of lengths 6, 4 and 2"),
        Case("no padding (2, 5, 4)", {"h": h("full", 2, 5, 4), "mask": torch.ones(2, 5, dtype=torch.bool)},
             "every position counts: the plain mean"),
        Case("left padding (3, 7, 6)", {"h": h("left", 3, 7, 6), "mask": _lengths_mask(7, [3, 7, 5], left=True)},
             "padding at the start"),
        Case("scattered mask (4, 9, 5)", {"h": h("scattered", 4, 9, 5), "mask": scattered},
             "the kept positions need not be contiguous"),
        Case("one token and an empty row (3, 5, 6)", {"h": h("empty", 3, 5, 6), "mask": _lengths_mask(5, [1, 0, 3])},
             "a row of one token is that token; a row with none is zeros"),
        Case("float64 (2, 6, 8)", {"h": h("f64", 2, 6, 8, torch.float64), "mask": _lengths_mask(6, [5, 2])},
             "keep the input's dtype"),
    ]


def _over_T(h, mask):
    return (h * mask.unsqueeze(-1).to(h.dtype)).mean(dim=1)


def _unmasked(h, mask):
    return h.mean(dim=1)


def _nan_for_empty(h, mask):
    m = mask.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(dim=1) / m.sum(dim=1)


MISTAKES = [
    Mistake("divided by T", _over_T, "The masked sum was divided by the full length T, not by the number of real tokens.",
            "Divide by mask.sum(dim=1)."),
    Mistake("mask ignored", _unmasked, "Padded positions were averaged in.", "Multiply by the mask before summing."),
    Mistake("0 / 0 for an empty row", _nan_for_empty, "A row without real tokens divides 0 by 0: NaN.",
            "Clamp the count: .clamp(min=1)."),
]
