"""Properties many problems share, built from a problem's own inputs (grader/evidence/properties.py):

- batch independence: swapping two sequences of the batch swaps their outputs and changes
  nothing else (a sequence's answer does not depend on its row or on its neighbours); a gate:
  when it fails, ablation stages (computed sequence by sequence) say nothing;
- dtype: the output keeps the input's floating dtype;
- last axis: an input of shape (a, b, V) gives the rows of the same input flattened to (a*b, V);
- repeatable: the same call three times gives the same output (no hidden randomness, no state
  kept between calls); a gate: when it fails, ablation stages say nothing.
"""

from __future__ import annotations

import torch

from .properties import HELD, Broken, Property
from .propkit import near, tensor


def batch_swap(inputs: dict, batch_inputs: tuple[str, ...], *, what: str = "sequence",
               hint: str = "Work on the batch axis as a whole: never mix rows (no reshape that crosses it, no "
                           "reduction or softmax over it).", rows_each: int | None = None,
               carried: tuple[str, ...] = ()) -> Property:
    """`inputs` with a batch of >= 2 rows; `batch_inputs`: the names whose axis 0 is the batch.
    Two experiments: the other rows replaced (row 0's output must not move), and the batch
    reversed (the outputs must be reversed). `rows_each`: the output is flat, `rows_each`
    rows per batch row in batch order (e.g. MLM's logits at the masked positions, the same
    number masked in every sequence). `carried`: batch inputs reversed with the batch but never
    replaced (a mask that says which rows the output has)."""
    others = dict(inputs)
    flipped = dict(inputs)
    last = dict(inputs)
    for name in batch_inputs:
        x = inputs[name]
        changed = x.clone()
        changed[1:] = x[1:].roll(1, dims=-1) if not x.is_floating_point() else x[1:] * -1.5 + 0.3
        others[name] = changed
        flipped[name] = x.flip(0)
        last[name] = torch.cat([x[:-1], changed[-1:]])
    for name in carried:
        flipped[name] = inputs[name].flip(0)

    def grouped(out):
        t = tensor(out)
        if t is None or rows_each is None:
            return t
        return t.reshape(-1, rows_each, *t.shape[1:]) if t.ndim >= 1 and t.shape[0] % rows_each == 0 else None

    def check(outs, trials):
        a, b, c = grouped(outs[0]), grouped(outs[1]), grouped(outs[2])
        if a is None or b is None or c is None or a.shape != b.shape or a.shape != c.shape or a.ndim == 0:
            return None
        if a.shape[0] > 1 and not torch.equal(a, a.flip(0)) and (torch.equal(a, c) or torch.equal(a[1:], b[1:])):
            # The same values back, exactly, for other inputs: no mixing of rows gives that, and a result kept from
            # an earlier call of the same shape does (a memo by shape was once told "depends on its row in the
            # batch", with the hint to stop mixing rows). What was measured is said, not a cause.
            which = (f"with the batch reversed, your output came back exactly as before, not reversed"
                     if torch.equal(a, c) else f"with every {what} but the first replaced, the replaced {what}s' "
                     "outputs came back exactly as before")
            return Broken(which, f"your output did not change when the input did: {which}")
        if not near(a[0], b[0], 1e-5, 1e-4):
            return Broken(f"changing the other {what}s of the batch changed {what} 0's output (largest change "
                          f"{float((a[0] - b[0]).abs().max()):.3g})",
                          f"a {what}'s output depends on the other {what}s in the batch (something is computed "
                          "across the batch axis)", isolated=True)
        if not near(a.flip(0), c, 1e-5, 1e-4):
            seen = (f"with the batch reversed, the outputs are not the reversed outputs (largest change "
                    f"{float((a.flip(0) - c).abs().max()):.3g})")
            d = grouped(outs[3]) if len(outs) > 3 else None
            if d is not None and d.shape == a.shape and a.shape[0] > 2 and near(a[:-1], d[:-1], 1e-5, 1e-4):
                # Row 0 ignores the others and no row depends on the last one: each row sees only the rows
                # before it, as the positions of one long sequence under a causal mask do.
                return Broken(seen + f"; changing only the last {what} left every other {what}'s output as it was",
                              f"a {what}'s output depends on the {what}s BEFORE it in the batch, never on those after "
                              "it: the batch is processed as one long sequence (the rows joined along time, under "
                              "the causal mask)", isolated=True)
            return Broken(seen, f"a {what}'s output depends on its row in the batch", isolated=True)
        return None

    # A gate: every ablation stage's expected output is computed sequence by sequence, so a model that
    # mixes the batch's rows makes the stages' readings meaningless; this property says what is seen.
    return Property(f"independent of the other {what}s in the batch", (inputs, others, flipped, last), check,
                    f"a {what}'s output depends on the rest of the batch",
                    f"the same batch with every {what} but the first replaced, then in reverse order, then with "
                    f"only the last {what} replaced", hint,
                    gate=True)


def keeps_dtype(inputs: dict, name: str) -> Property:
    """The floating inputs in float32, then in float64 (`name`: the one the sentence talks about):
    the output's dtype must follow."""
    def cast(dtype):  # every floating input: weights must match the activations' dtype
        return {k: v.to(dtype) if isinstance(v, torch.Tensor) and v.is_floating_point() else v
                for k, v in inputs.items()}

    as32, as64 = cast(torch.float32), cast(torch.float64)

    def check(outs, trials):
        got = [o.dtype if type(o) is torch.Tensor else None for o in outs]
        if got == [torch.float32, torch.float64]:
            return HELD
        if None in got:
            return None
        return Broken(f"a float32 input gave {got[0]}, a float64 input gave {got[1]}",
                      "the output does not keep the input's dtype", isolated=True)

    return Property("keeping the input's dtype", (as32, as64), check, "the output does not keep the input's dtype",
                    f"{name} in float32, then in float64", "Compute in the input's dtype, or convert back: "
                    "out.to(x.dtype).")


def last_axis(inputs: dict, name: str) -> Property:
    """`inputs[name]` of shape (a, b, V) against the same values as (a*b, V)."""
    x = inputs[name]
    flat = dict(inputs, **{name: x.reshape(-1, x.shape[-1])})

    def check(outs, trials):
        a, b = tensor(outs[0]), tensor(outs[1])
        if b is None:
            return None
        if a is None:
            return Broken(f"an input of shape {tuple(x.shape)} gave no usable output (an exception or not a tensor), "
                          f"the same rows as shape {tuple(flat[name].shape)} did",
                          "the function does not work over the last axis of a 3-d input (a fixed dim=1, or the "
                          "leading axes assumed to be one)", isolated=True)
        if a.shape == x.shape and near(a.reshape(-1, x.shape[-1]), b, 1e-6, 1e-5):
            return None
        return Broken(f"an input of shape {tuple(x.shape)} gave shape {tuple(a.shape)}, and its rows differ from "
                      f"the same rows given as shape {tuple(flat[name].shape)}",
                      "the function does not work over the last axis only (a fixed dim=1, or the leading axes "
                      "mixed)", isolated=True)

    return Property("working over the last axis of any shape", (inputs, flat), check,
                    "a 3-d input is not handled row by row", f"{name} of shape {tuple(x.shape)}, then flattened "
                    "to 2-d", "Use dim=-1 everywhere.")


def repeatable(inputs: dict, *, times: int = 3, options: tuple[dict, ...] = ()) -> Property:
    """The same inputs `times` times in one process: the outputs must be identical. `options`:
    per-trial probe options (e.g. a different global seed each time, where the probe takes one)."""

    def check(outs, trials):
        got = [o for o in outs]
        if any(type(o) is not torch.Tensor for o in got):
            return None
        first = got[0]
        if all(o.shape == first.shape and bool((o == first).all() if not o.is_floating_point()
                                               else torch.equal(o.nan_to_num(), first.nan_to_num())) for o in got[1:]):
            return None
        return Broken(f"{times} identical calls gave different outputs",
                      "the same call gives different outputs: your code draws random numbers where it should not "
                      "(e.g. sampling at temperature 0) or keeps state between calls", isolated=True)

    return Property("giving the same output for the same call", tuple(inputs for _ in range(times)), check,
                    "the output is not repeatable", f"the same inputs, {times} times in a row",
                    "No randomness where the contract has none, and nothing remembered between calls.",
                    options=tuple(dict(o) for o in options), gate=True)


def causal_prefix(inputs: dict, name: str) -> Property:
    """`inputs[name]` (N, T, ...) with its last position changed: every earlier position's
    output (axis 1) must stay exactly as it was."""
    x = inputs[name]
    changed = x.clone()
    if x.is_floating_point():
        changed[:, -1] = changed[:, -1] * -2.0 + 1.0
    else:
        changed[:, -1] = (changed[:, -1] + 1) % (int(x.max()) + 1)
    later = dict(inputs, **{name: changed})

    def check(outs, trials):
        a, b = tensor(outs[0]), tensor(outs[1])
        if a is None or b is None or a.shape != b.shape or a.ndim < 2 or a.shape[1] != x.shape[1]:
            return None
        moved = [t for t in range(a.shape[1] - 1) if not near(a[:, t], b[:, t], 1e-6, 1e-5)]
        if not moved:
            return None
        return Broken(f"changing only the last position (T - 1 = {a.shape[1] - 1}) changed the outputs at "
                      f"positions {moved}", "earlier positions' outputs depend on a later token (the "
                      "experiment shows the leak, not where it happens)")

    return Property("causal: no position depends on a later one", (inputs, later), check,
                    "earlier positions depend on later ones", f"the same {name} with only its last position changed",
                    "Position i may attend to j <= i only.")


def mask_only_selects(inputs: dict, mask_name: str) -> Property:
    """`inputs[mask_name]` (N, T) chooses which positions' rows the output has (row-major): the
    same inputs with one more position chosen in every sequence must give the same rows for the
    positions chosen before, plus one. A mask that reaches the computation (as an attention
    mask, or by replacing the chosen tokens) moves them; a gate, as the ablation's stages all
    use one fixed mask."""
    mask = inputs[mask_name]
    more = mask.clone()
    for n in range(mask.shape[0]):
        free = (mask[n] <= 0.5).nonzero().flatten()
        if len(free):
            more[n, int(free[len(free) // 2])] = 1.0
    wider = dict(inputs, **{mask_name: more})
    before = (mask > 0.5).flatten()
    kept = before[(more > 0.5).flatten()]  # of the wider output's rows, those chosen in the first call

    def check(outs, trials):
        a, b = tensor(outs[0]), tensor(outs[1])
        if a is None or b is None or a.ndim != 2 or b.ndim != 2 or b.shape[0] != len(kept) \
                or a.shape != b[kept].shape:
            return None
        moved = (a - b[kept]).abs().amax(dim=1)
        rows = [i for i, m in enumerate(moved.tolist()) if not m <= 1e-6 + 1e-5 * float(a[i].abs().max())]
        if not rows:
            return None
        return Broken(f"choosing one more position in every sequence changed the logits of {len(rows)} of the "
                      f"{a.shape[0]} positions chosen before (largest change {float(moved.max()):.3g})",
                      f"{mask_name} changes the computation, not only which positions are returned: it must only "
                      "select rows of the output (not mask attention, not replace or change the chosen tokens)", isolated=True)

    return Property(f"using {mask_name} only to choose the positions returned", (inputs, wider), check,
                    f"{mask_name} reaches the computation", f"the same inputs with one more position chosen in "
                    "every sequence", "Run the whole model on every position, then gather the rows where "
                    f"{mask_name} > 0.5: it says which logits to return, nothing else.", gate=True)


def logits_not_probabilities(inputs: dict) -> Property:
    """A model that returns logits: rows that are all in [0, 1] and sum to 1 are probabilities (a
    softmax after the head). A gate: every ablation stage would read its outputs through that
    softmax, and name whichever stage it first disturbs."""

    def check(outs, trials):
        y = tensor(outs[0])
        if y is None or y.numel() == 0 or not bool(torch.isfinite(y).all()):
            return None
        if bool(((y >= 0) & (y <= 1)).all()) and bool(((y.sum(-1) - 1).abs() < 1e-4).all()):
            return Broken(f"every row of the output is in [0, 1] and sums to 1 (row 0 sums to {float(y[(0,) * (y.ndim - 1)].sum()):.6g})",
                          "the model returns probabilities, not logits: a softmax is applied after the head (the "
                          "contract's output is the logits themselves)", isolated=True)
        return None

    return Property("returning logits, not probabilities", (inputs,), check, "the output is probabilities, not logits",
                    "the same inputs", "Return the head's output as it is; the softmax belongs to the sampler.",
                    gate=True)


# `grader.common_props`, the author-facing path (docs/authoring.md), is this module too, even
# where grader/common_props.py cannot be read (a confined child).
import sys as _sys  # noqa: E402

_sys.modules.setdefault("grader.common_props", _sys.modules[__name__])
