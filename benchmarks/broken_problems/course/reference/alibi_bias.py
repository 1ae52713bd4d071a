"""Hidden reference for alibi-bias: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def add_alibi(scores):
    H, T = scores.shape[1], scores.shape[-1]
    slopes = 2.0 ** (-8.0 * torch.arange(1, H + 1, dtype=scores.dtype) / H)  # role: the slope of each head
    pos = torch.arange(T, dtype=scores.dtype)
    dist = pos[None, :] - pos[:, None]  # role: j - i, key minus query
    return scores + slopes[:, None, None] * dist


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def case(name, key, N, H, T, about, dtype=torch.float32):
        return Case(name, {"scores": randn(g(key), N, H, T, T, scale=2.0, dtype=dtype)}, about)

    return [
        case("typical (2, 8, 6, 6)", "typical", 2, 8, 6, "8 heads: slopes 1/2 .. 1/256"),
        case("2 heads (3, 2, 5, 5)", "h2", 3, 2, 5, "slopes 1/16 and 1/256"),
        case("4 heads (1, 4, 9, 9)", "h4", 1, 4, 9, "slopes 1/4, 1/16, 1/64, 1/256"),
        case("one head (2, 1, 7, 7)", "h1", 2, 1, 7, "slope 1/256"),
        case("long sequence (1, 16, 64, 64)", "long", 1, 16, 64, "distances up to 63, sixteen slopes"),
        case("float64 (2, 4, 8, 8)", "f64", 2, 4, 8, "keep the input's dtype", dtype=torch.float64),
    ]


def _slopes_from_zero(scores):
    H, T = scores.shape[1], scores.shape[-1]
    slopes = 2.0 ** (-8.0 * torch.arange(H, dtype=scores.dtype) / H)
    pos = torch.arange(T, dtype=scores.dtype)
    return scores + slopes[:, None, None] * (pos[None, :] - pos[:, None])


def _distance_transposed(scores):
    H, T = scores.shape[1], scores.shape[-1]
    slopes = 2.0 ** (-8.0 * torch.arange(1, H + 1, dtype=scores.dtype) / H)
    pos = torch.arange(T, dtype=scores.dtype)
    return scores + slopes[:, None, None] * (pos[:, None] - pos[None, :])


def _abs_distance(scores):
    H, T = scores.shape[1], scores.shape[-1]
    slopes = 2.0 ** (-8.0 * torch.arange(1, H + 1, dtype=scores.dtype) / H)
    pos = torch.arange(T, dtype=scores.dtype)
    return scores - slopes[:, None, None] * (pos[None, :] - pos[:, None]).abs()


def _slopes_reversed(scores):
    H, T = scores.shape[1], scores.shape[-1]
    slopes = 2.0 ** (-8.0 * torch.arange(H, 0, -1, dtype=scores.dtype) / H)
    pos = torch.arange(T, dtype=scores.dtype)
    return scores + slopes[:, None, None] * (pos[None, :] - pos[:, None])


MISTAKES = [
    Mistake("slopes counted from head 0", _slopes_from_zero,
            "Head h got 2 ** (-8 h / H): the first head's slope is 1, every slope is one step too steep.",
            "Use h + 1: slopes = 2 ** (-8 * arange(1, H + 1) / H)."),
    Mistake("distance i - j", _distance_transposed,
            "The bias rewards distant past keys instead of penalising them: the distance is i - j.",
            "Use key minus query, j - i (dimension 3 minus dimension 2)."),
    Mistake("symmetric |i - j| penalty", _abs_distance,
            "The bias is -m |i - j| on both sides of the diagonal; above it this problem's bias is +m (j - i).",
            "Add m_h * (j - i) without an absolute value."),
    Mistake("slopes in reverse head order", _slopes_reversed, "Head 0 got the smallest slope.",
            "Head 0 has the largest slope, 2 ** (-8 / H)."),
]
