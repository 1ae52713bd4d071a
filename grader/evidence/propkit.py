"""Small helpers for the public `problems/<slug>/properties.py` files: reading a learner's
output safely, showing a few numbers of it in a sentence, and the layer norm that properties
of model-level problems compute their expected values with."""

from __future__ import annotations

import torch


def tensor(value, shape=None) -> torch.Tensor | None:
    """The output as float64, or None when it is not a finite tensor of the expected shape."""
    if type(value) is not torch.Tensor or (shape is not None and tuple(value.shape) != tuple(shape)):
        return None
    return value.detach().to(torch.float64)


def near(a: torch.Tensor, b: torch.Tensor, atol: float = 1e-6, rtol: float = 1e-5) -> bool:
    if a is None or b is None or a.shape != b.shape:
        return False
    a, b = a.to(torch.float64), b.to(torch.float64)
    same_nan = torch.isnan(a) & torch.isnan(b)
    return bool(((a - b).abs() <= atol + rtol * b.abs()).logical_or(same_nan).all())


def show(t, n: int = 4, digits: int = 4) -> str:
    """'[0.1234, -0.5, ...]': the first n numbers of a tensor, flattened."""
    if t is None:
        return "nothing usable"
    flat = t.detach().flatten().tolist()
    body = ", ".join(f"{v:.{digits}g}" for v in flat[:n])
    return "[" + body + (", ...]" if len(flat) > n else "]")


def nearest_constant(value: float, table: dict[str, float], rel: float = 2e-3) -> str | None:
    """The name of the table entry `value` equals (relative tolerance), or None."""
    for name, c in table.items():
        if abs(value - c) <= rel * abs(c):
            return name
    return None


def layer_norm(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """The contract's layer norm over the last axis (biased variance, no affine): properties that
    compute what a right model returns on purpose-made inputs need it."""
    mean = x.mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(((x - mean) ** 2).mean(-1, keepdim=True) + eps)


# `grader.propkit`, the author-facing path (docs/authoring.md), is this module too, even
# where grader/propkit.py cannot be read (a confined child).
import sys as _sys  # noqa: E402

_sys.modules.setdefault("grader.propkit", _sys.modules[__name__])
