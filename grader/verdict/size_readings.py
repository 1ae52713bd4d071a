"""Where a wrong output size comes from: when the output's shape differs from the right one at one axis, say which
inputs' axes have the size the learner's output has there, and which the right size (a measured
coincidence of sizes on the failing case, stated as such, never as the line that made it)."""

from __future__ import annotations

import torch


def _axes_of_size(inputs: dict, size: int) -> list[tuple[str, int]]:
    found = {}
    for name, value in inputs.items():
        if isinstance(value, torch.Tensor) and size in value.shape:
            found[name] = list(value.shape).index(size)  # the first axis of that size, once per input
    return list(found.items())


def size_reading(inputs: dict, expected_shape, actual_shape) -> str:
    """'; axis 1 has size 32, the size of axis 1 of `w_emb`, where 50 (axis 1 of `w_head`) belongs', or ''."""
    if not expected_shape or not actual_shape or len(expected_shape) != len(actual_shape):
        return ""
    differ = [k for k, (e, a) in enumerate(zip(expected_shape, actual_shape)) if e != a]
    if len(differ) != 1:
        return ""
    k = differ[0]
    if min(actual_shape[k], expected_shape[k]) < 2:
        return ""  # sizes 0 and 1 match anything: nothing measured to say
    got, want = _axes_of_size(inputs, actual_shape[k]), _axes_of_size(inputs, expected_shape[k])
    if not got or not want or len(got) > 4:
        return ""
    return (f"; your output's axis {k} has size {actual_shape[k]}, the size of {_said(got)}, where "
            f"{expected_shape[k]} (the size of {_said(want)}) belongs")


def _said(places: list[tuple[str, int]]) -> str:
    return " and of ".join(f"axis {axis} of `{name}`" for name, axis in places[:2]) + (" and others" if len(places) > 2 else "")
