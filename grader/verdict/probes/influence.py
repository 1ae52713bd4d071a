"""Which output positions depend on which input positions.

Perturb the input one position at a time and record, for every output position,
how much the output there moved. For attention this is the mask made visible: with
a causal mask, output position i moves only for positions j <= i.

This file runs inside the sandbox child as a probe (loaded by path, like a
problem's probe.py) and in the parent, on the reference, with the same perturbations.
"""

import torch


def perturbed(value: torch.Tensor, axis: int, j: int) -> torch.Tensor:
    """`value` with position j along `axis` changed: fresh noise for floats, another
    token id for integers (0 becomes 1, anything else becomes 0). Deterministic."""
    out = value.clone()
    index = [slice(None)] * value.ndim
    index[axis] = j
    index = tuple(index)
    if value.is_floating_point():
        g = torch.Generator()
        g.manual_seed(1000 + j)
        noise = torch.randn(out[index].shape, generator=g, dtype=torch.float64)
        scale = float(value.double().std()) if value.numel() > 1 else 1.0
        out[index] = out[index] + (noise * (scale or 1.0)).to(value.dtype)
    else:
        out[index] = torch.where(out[index] == 0, torch.ones_like(out[index]), torch.zeros_like(out[index]))
    return out


def influence(call, inputs: dict, name: str, axis: int, output_axis: int):
    """(base output, matrix) where matrix[i, j] is the largest change of the output at
    position i (along `output_axis`) when input `name` is perturbed at position j.
    None for the matrix when the output is not a tensor with that axis."""
    base = call(**inputs)
    if type(base) is not torch.Tensor or base.ndim <= output_axis:
        return base, None
    if base.is_floating_point() and bool(torch.isnan(base).any()):
        return base, None  # NaN never equals itself: every position would read as moved, whatever it depends on
    rows = []
    for j in range(inputs[name].shape[axis]):
        out = call(**{**inputs, name: perturbed(inputs[name], axis, j)})
        if type(out) is not torch.Tensor or out.shape != base.shape:
            return base, None
        a, b = out.double(), base.double()
        # Equal values did not move, infinities included (inf - inf is NaN, which would read as a change).
        delta = torch.where(a == b, torch.zeros_like(a), (a - b).abs()).nan_to_num(nan=float("inf"))
        dims = [d for d in range(delta.ndim) if d != output_axis]
        rows.append(delta.amax(dim=dims) if dims else delta)
    return base, torch.stack(rows, dim=1)  # (output positions i, input positions j)


def probe(entry, inputs, ctx):
    spec = ctx.options["influence"]
    base, matrix = influence(lambda **kw: ctx.call(entry, **kw), inputs, spec["input"], spec["axis"],
                             spec["output_axis"])
    return {"output": base, "influence": matrix}
