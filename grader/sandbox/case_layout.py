"""Inputs handed to the learner in a layout the wire cannot carry: the wire decodes every tensor
as a contiguous copy (wire.py), so a case that wants a learner's `.view` on a non-contiguous
input to fail names those inputs in its `non_contiguous` option, and the child hands them over
as non-contiguous tensors with the same values (docs/authoring.md, "Inputs in another layout")."""

from __future__ import annotations

import torch

NON_CONTIGUOUS = "non_contiguous"  # a case option: input names handed over as non-contiguous views


def non_contiguous(t: torch.Tensor) -> torch.Tensor:
    """The same values, not contiguous: column-major (every dimension's order reversed in
    memory) for two or more dimensions, so that merging the leading ones with `.view` fails;
    every other element of a buffer twice as long for one."""
    if t.dim() >= 2:
        order = tuple(reversed(range(t.dim())))
        return t.permute(order).contiguous().permute(order)
    if t.dim() == 1:
        buffer = t.new_zeros(2 * t.shape[0])
        buffer[::2] = t
        return buffer[::2]
    return t


def arranged(inputs: dict, options: dict) -> dict:
    """The call's arguments: `inputs`, with the tensors the case's options name made non-contiguous
    (fresh tensors: the decoded inputs, which the zygote keeps for the next learner, stay as they are)."""
    names = options.get(NON_CONTIGUOUS) if isinstance(options, dict) else None
    if not names:
        return inputs
    return {k: non_contiguous(v) if k in names and type(v) is torch.Tensor else v for k, v in inputs.items()}
