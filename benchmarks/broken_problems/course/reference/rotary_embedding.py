"""Hidden reference for rotary-embedding: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randint, randn
from grader.mistakes import Mistake


def _rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat([-x[..., half:], x[..., :half]], dim=-1)


def apply_rotary(x, positions, base=10000.0):
    d = x.shape[-1]
    inv_freq = base ** (-torch.arange(0, d, 2, dtype=x.dtype) / d)
    ang = positions.to(x.dtype)[:, None, :, None] * inv_freq  # role: (N, 1, T, d/2) angles, shared by the heads
    ang = torch.cat([ang, ang], dim=-1)
    return x * ang.cos() + _rotate_half(x) * ang.sin()


ROLES = {"_rotate_half": "the rotate-half pairing (-x2, x1)"}


def _shuffled(g, N, T, high):
    return torch.stack([torch.randperm(high, generator=g)[:T] for _ in range(N)])


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    left = torch.arange(10).repeat(3, 1) - torch.tensor([[0], [3], [6]])  # left padding: sequences start later
    left = left.clamp(min=0)
    return [
        Case("typical (2, 3, 8, 16), shuffled positions",
             {"x": randn(g("typical"), 2, 3, 8, 16), "positions": _shuffled(g("typical-p"), 2, 8, 40)},
             "each token is rotated by its own position, the same for every head"),
        Case("left-padded (3, 2, 10, 8)", {"x": randn(g("left"), 3, 2, 10, 8), "positions": left},
             "sequences whose positions start later: do not assume 0, 1, ..., T-1"),
        Case("continuation at positions 100.. (1, 4, 6, 32)",
             {"x": randn(g("cont"), 1, 4, 6, 32), "positions": 100 + _shuffled(g("cont-p"), 1, 6, 50)},
             "decoding after a cache: positions past the prompt"),
        Case("custom base 500 (2, 2, 5, 12)",
             {"x": randn(g("base"), 2, 2, 5, 12), "positions": _shuffled(g("base-p"), 2, 5, 30), "base": 500.0},
             "use the base you are given"),
        Case("d = 2 (2, 1, 7, 2)", {"x": randn(g("d2"), 2, 1, 7, 2), "positions": _shuffled(g("d2-p"), 2, 7, 20)},
             "a single pair, frequency 1"),
        Case("edge: every position 0 (2, 2, 4, 8)",
             {"x": randn(g("zero"), 2, 2, 4, 8), "positions": torch.zeros(2, 4, dtype=torch.int64)},
             "position 0 is the identity: x comes back unchanged"),
        Case("float64 (2, 2, 6, 16)",
             {"x": randn(g("f64"), 2, 2, 6, 16, dtype=torch.float64), "positions": _shuffled(g("f64-p"), 2, 6, 60)},
             "keep the input's dtype"),
    ]


def _arange_positions(x, positions, base=10000.0):
    T = x.shape[-2]
    return apply_rotary(x, torch.arange(T).expand(x.shape[0], T), base)


def _interleaved(x, positions, base=10000.0):
    d = x.shape[-1]
    inv_freq = base ** (-torch.arange(0, d, 2, dtype=x.dtype) / d)
    ang = positions.to(x.dtype)[:, None, :, None] * inv_freq
    x1, x2 = x[..., 0::2], x[..., 1::2]
    c, s = ang.cos(), ang.sin()
    return torch.stack([x1 * c - x2 * s, x2 * c + x1 * s], dim=-1).flatten(-2)


def _sign_flipped(x, positions, base=10000.0):
    return apply_rotary(x, -positions, base)


def _freq_i_over_d(x, positions, base=10000.0):
    d = x.shape[-1]
    inv_freq = base ** (-torch.arange(d // 2, dtype=x.dtype) / d)
    ang = positions.to(x.dtype)[:, None, :, None] * inv_freq
    ang = torch.cat([ang, ang], dim=-1)
    return x * ang.cos() + _rotate_half(x) * ang.sin()


MISTAKES = [
    Mistake("positions ignored (0, 1, ..., T-1 used)", _arange_positions,
            "The rotation uses each token's index in the sequence, not the positions you were given.",
            "Compute the angles from the positions argument."),
    Mistake("interleaved pairs", _interleaved,
            "Features 2j and 2j + 1 are rotated together (the GPT-J / RoFormer layout); this problem pairs j with j + d/2.",
            "Use rotate_half: cat([-x2, x1]) with x1, x2 the two halves."),
    Mistake("rotation in the wrong direction", _sign_flipped,
            "The rotation goes the other way: out[j] = x[j] cos + x[j + d/2] sin.",
            "out = x * cos + cat([-x2, x1]) * sin."),
    Mistake("exponent j / d", _freq_i_over_d, "The frequencies use j / d instead of 2j / d.",
            "inv_freq = base ** (-arange(0, d, 2) / d)."),
]
