"""Comparing a learner's output with the expected one, and saying precisely how they differ."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch


@dataclass
class Comparison:
    passed: bool
    message: str
    max_abs_error: float | None = None
    details: dict = field(default_factory=dict)
    # A custom judge that recognises the mistake from a property (draws that ignore the
    # generator, a copied weight) names it here: {"name", "explanation", "hint"}.
    mistake: dict | None = None


def _describe(value) -> str:
    if isinstance(value, dict) and "__bad_type__" in value:
        return value["__bad_type__"]
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)} and dtype {value.dtype}"
    return f"a {type(value).__name__}"


def _fmt_index(index: tuple) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]"


def _unravel(flat: int, shape) -> tuple[int, ...]:
    """torch.unravel_index, without the 0.4 s sympy import it triggers on first use."""
    index = []
    for size in reversed(shape):
        flat, i = divmod(flat, size)
        index.append(i)
    return tuple(reversed(index))


def compare_tensors(expected: torch.Tensor, actual, atol: float, rtol: float, label: str = "output") -> Comparison:
    """Type, dtype, shape, finiteness, then values within atol + rtol * |expected|."""
    details = {"expected_shape": list(expected.shape), "expected_dtype": str(expected.dtype).removeprefix("torch.")}
    if type(actual) is not torch.Tensor:
        return Comparison(False, f"{label}: expected a torch.Tensor, got {_describe(actual)}", None, details)
    details.update(actual_shape=list(actual.shape), actual_dtype=str(actual.dtype).removeprefix("torch."))
    if actual.dtype != expected.dtype:
        return Comparison(False, f"{label}: dtype is {actual.dtype}, expected {expected.dtype}"
                          + (" (keep the input's dtype)" if expected.is_floating_point() else ""), None, details)
    if actual.shape != expected.shape:
        return Comparison(False, f"{label}: shape is {tuple(actual.shape)}, expected {tuple(expected.shape)}", None, details)
    if actual.numel() == 0:
        return Comparison(True, "", 0.0, details)
    if not expected.is_floating_point():
        wrong = actual != expected
        count = int(wrong.sum())
        if count:
            index = tuple(int(i) for i in wrong.nonzero()[0])
            details.update(index=list(index), expected_value=expected[index].item(), actual_value=actual[index].item(),
                           mismatched=count, total=expected.numel())
            return Comparison(False, f"{label}: {count} of {expected.numel()} values differ; first at "
                              f"{_fmt_index(index)}: expected {expected[index].item()}, got {actual[index].item()}",
                              None, details)
        return Comparison(True, "", 0.0, details)
    exp64, act64 = expected.double(), actual.double()
    bad_actual = ~torch.isfinite(act64) & torch.isfinite(exp64)
    if bad_actual.any():
        index = tuple(int(i) for i in bad_actual.nonzero()[0])
        count = int(bad_actual.sum())
        details.update(index=list(index), actual_value=float(act64[index]), nonfinite=count)
        return Comparison(False, f"{label}: {count} value(s) are NaN or inf where a finite value was expected; "
                          f"first at {_fmt_index(index)}", None, details)
    same_nonfinite = ~torch.isfinite(exp64) & ((act64 == exp64) | (torch.isnan(act64) & torch.isnan(exp64)))
    diff = (act64 - exp64).abs().masked_fill(same_nonfinite, 0.0)
    diff = torch.where(torch.isnan(diff), torch.full_like(diff, float("inf")), diff)
    allowed = atol + rtol * exp64.abs().masked_fill(~torch.isfinite(exp64), 0.0)
    wrong = diff > allowed
    flat = int(diff.argmax())
    index = _unravel(flat, diff.shape)
    max_err = float(diff.reshape(-1)[flat])
    details.update(index=list(index), expected_value=float(exp64[index]), actual_value=float(act64[index]),
                   mismatched=int(wrong.sum()), total=expected.numel(), atol=atol, rtol=rtol)
    if wrong.any():
        return Comparison(False, f"{label}: {int(wrong.sum())} of {expected.numel()} values differ; max abs error "
                          f"{max_err:.3g} at {_fmt_index(index)} (expected {float(exp64[index]):.6g}, got "
                          f"{float(act64[index]):.6g}; tolerance {atol:g} + {rtol:g}*|expected|)", max_err, details)
    return Comparison(True, "", max_err, details)


def close(expected: torch.Tensor, actual, atol: float, rtol: float) -> bool:
    """Quiet yes/no version, for diagnosis."""
    if type(actual) is not torch.Tensor or not isinstance(expected, torch.Tensor):
        return False
    if actual.dtype != expected.dtype or actual.shape != expected.shape:
        return False
    if actual.numel() == 0:
        return True
    if not expected.is_floating_point():
        return bool((actual == expected).all())
    return compare_tensors(expected, actual, atol, rtol).passed
