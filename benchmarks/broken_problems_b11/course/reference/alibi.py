"""Hidden reference for alibi: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def add_alibi(scores):
    H, T = scores.shape[1], scores.shape[-1]
    slopes = 2.0 ** (-8.0 / H * torch.arange(1, H + 1, dtype=torch.float64))  # role: one slope per head
    pos = torch.arange(T)
    dist = (pos[:, None] - pos[None, :]).abs()  # role: |query - key|
    bias = -slopes[:, None, None] * dist
    return scores + bias.to(scores.dtype)


def cases(seed: int) -> list[Case]:
    def case(name, about, N, H, T, dtype=torch.float32):
        return Case(name, {"scores": randn(generator(seed, name), N, 8, T, T, dtype=dtype)}, about)

    return [
        case("8 heads (2, 8, 6, 6)", "the paper's setting", 2, 8, 6),
        case("4 heads (2, 4, 7, 7)", "slopes 1/4 .. 1/256: they depend on H", 2, 4, 7),
        case("16 heads (1, 16, 5, 5)", "slopes 2^-0.5 .. 2^-8", 1, 16, 5),
        case("2 heads (3, 2, 4, 4)", "slopes 1/16 and 1/256", 3, 2, 4),
        case("1 head (2, 1, 12, 12)", "a single slope, 1/256", 2, 1, 12),
        case("T = 2 (4, 8, 2, 2)", "the shortest sequence with a distance", 4, 8, 2),
        case("float64 (2, 4, 9, 9)", "keep the input's dtype", 2, 4, 9, dtype=torch.float64),
    ]


def _signed(scores):
    H, T = scores.shape[1], scores.shape[-1]
    slopes = 2.0 ** (-8.0 / H * torch.arange(1, H + 1, dtype=torch.float64))
    pos = torch.arange(T)
    return scores + (-slopes[:, None, None] * (pos[:, None] - pos[None, :])).to(scores.dtype)


def _positive(scores):
    H, T = scores.shape[1], scores.shape[-1]
    slopes = 2.0 ** (-8.0 / H * torch.arange(1, H + 1, dtype=torch.float64))
    pos = torch.arange(T)
    return scores + (slopes[:, None, None] * (pos[:, None] - pos[None, :]).abs()).to(scores.dtype)


def _from_zero(scores):
    H, T = scores.shape[1], scores.shape[-1]
    slopes = 2.0 ** (-8.0 / H * torch.arange(0, H, dtype=torch.float64))
    pos = torch.arange(T)
    return scores + (-slopes[:, None, None] * (pos[:, None] - pos[None, :]).abs()).to(scores.dtype)


MISTAKES = [
    Mistake("signed distance (i - j), not |i - j|", _signed,
            "Keys after the query get a bonus instead of a penalty: the distance must be |i - j|.",
            "(pos[:, None] - pos[None, :]).abs()."),
    Mistake("bias added with the wrong sign", _positive,
            "Far keys are favoured: the bias is +m |i - j|; it is -m |i - j|.", "Subtract m_h * |i - j|."),
    Mistake("head index starts the slopes at h = 0", _from_zero,
            "The first head got slope 2^0 = 1; slopes run 2^(-8/H), 2^(-16/H), ... (h + 1 in the exponent).",
            "torch.arange(1, H + 1)."),
]
