"""Hidden reference for rotary-embedding: the solution, its cases and its known mistakes.

The half-split layout (GPT-NeoX, LLaMA in Hugging Face): feature i pairs with i + d/2."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def _angles(T, d, base, dtype):
    inv_freq = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)  # (d/2,)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv_freq[None, :]  # (T, d/2)
    return ang.cos().to(dtype), ang.sin().to(dtype)


def apply_rotary(x, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    cos, sin = _angles(T, d, base, x.dtype)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    return [
        Case("queries (2, 6, 16)", {"x": randn(g("q"), 2, 6, 16)}, "a batch of query vectors"),
        Case("per-head keys (2, 3, 5, 8)", {"x": randn(g("k"), 2, 3, 5, 8)}, "positions on dim -2, heads before"),
        Case("d = 2 (3, 9, 2)", {"x": randn(g("d2"), 3, 9, 2)}, "one pair: a plain rotation by t radians"),
        Case("custom base = 100 (2, 7, 12)", {"x": randn(g("base"), 2, 7, 12), "base": 100.0},
             "use the base you are given"),
        Case("long (1, 32, 32)", {"x": randn(g("long"), 1, 32, 32)}, "angles up to 31 radians"),
        Case("float64 (2, 12, 16)", {"x": randn(g("f64"), 2, 12, 16, dtype=torch.float64)}, "keep the input's dtype"),
    ]


def _float32_angles(x, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    inv_freq = 1.0 / (base ** (torch.arange(0, d, 2, dtype=x.dtype) / d))
    ang = torch.outer(torch.arange(T, dtype=x.dtype), inv_freq)
    emb = torch.cat([ang, ang], dim=-1)
    rot = torch.cat([-x[..., d // 2:], x[..., : d // 2]], dim=-1)  # rotate_half
    return x * emb.cos() + rot * emb.sin()


CORRECT_VARIANTS = [_float32_angles]  # Hugging Face's rotate_half form, angles in the input's dtype


def _interleaved(x, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    cos, sin = _angles(T, d, base, x.dtype)
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.stack([a * cos - b * sin, b * cos + a * sin], dim=-1).flatten(-2)


def _from_one(x, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    cos, sin = _angles(T + 1, d, base, x.dtype)
    cos, sin = cos[1:], sin[1:]
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def _no_two(x, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    inv_freq = base ** (-torch.arange(0, d // 2, dtype=torch.float64) / d)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * inv_freq[None, :]
    cos, sin = ang.cos().to(x.dtype), ang.sin().to(x.dtype)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


def _backwards(x, base=10000.0):
    T, d = x.shape[-2], x.shape[-1]
    cos, sin = _angles(T, d, base, x.dtype)
    x1, x2 = x[..., : d // 2], x[..., d // 2:]
    return torch.cat([x1 * cos + x2 * sin, x2 * cos - x1 * sin], dim=-1)


MISTAKES = [
    Mistake("interleaved pairs (2i, 2i+1)", _interleaved,
            "Neighbouring features were rotated together (the GPT-J / RoFormer layout); this problem pairs feature i "
            "with feature i + d/2.", "x1 = x[..., :d // 2], x2 = x[..., d // 2:]."),
    Mistake("positions counted from 1", _from_one, "The first position was rotated by theta; position 0 stays as it is.",
            "Use torch.arange(T), starting at 0."),
    Mistake("exponent -i/d instead of -2i/d", _no_two,
            "The frequencies are base ** (-i / d); they are base ** (-2i / d).", "torch.arange(0, d, 2) / d."),
    Mistake("rotation the wrong way", _backwards, "The sine terms have the wrong signs: the vectors turn by -angle.",
            "a' = a cos - b sin, b' = b cos + a sin."),
]
