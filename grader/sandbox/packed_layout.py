"""Plain data holding tensors, as one JSON value and one aligned byte buffer: the layout a
child's results (grader/sandbox/wire.py, untrusted) and the variant cache
(grader/verdict/packed_values.py, trusted) share, with one reader that checks every entry
for both. A check costs a few dict lookups a tensor; a reader that skipped them for the
trusted caller would be a second reader to keep right.

The value is JSON: each tensor a {"~t": index} marker, a tuple {"~tuple": items}, a dict
whose keys are not all plain strings (or one begins with "~") {"~dict": [[key, value], ...]}.
The layout is one [dtype, shape, offset] entry per tensor; each tensor's bytes start at
its offset in the buffer, a multiple of 16, so that they view as any dtype.
"""

from __future__ import annotations

import torch

ALIGN = 16
MAX_DEPTH = 32
MAX_TENSORS = 100_000
MAX_DIMS = 16
# What one reading may make, read from sizes before anything is made: a tensor of no bytes
# can claim any shape, and a layout of many can claim any total.
MAX_TENSOR_ELEMENTS = 1 << 26
MAX_BYTES = 512 * 1024 * 1024
_PLAIN = (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.int16, torch.int32,
          torch.int64, torch.uint8, torch.bool, torch.complex64, torch.complex128)
DTYPE_NAMES = {str(d).removeprefix("torch."): d for d in _PLAIN}
# Read under either spelling ("float32", or "torch.float32" as variant caches written before this
# module spelled it): written as the first.
_READ_NAMES = {**DTYPE_NAMES, **{str(d): d for d in _PLAIN}}
_ITEMSIZE = {d: torch.empty((), dtype=d).element_size() for d in _PLAIN}


class Unpackable(Exception):
    """A value this layout cannot keep exactly (the caller keeps another format)."""


class Malformed(ValueError):
    """A packed value that breaks the layout: out of bounds, over a cap, or ill-formed."""


# --------------------------------------------------------------------------- writing
def encode(value, tensors: list, replace=None) -> object:
    """`value` as JSON-able data, its tensors appended to `tensors`. What the layout cannot
    keep exactly (anything but None, a bool, int, float or str, an exact CPU strided tensor of
    a plain dtype, a list, tuple or dict of these) raises Unpackable, or, with `replace`,
    is `replace(what, why)` (a child's result: a marker the judge reports)."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is torch.Tensor:
        why = _unkeepable(value)
        if not why:
            tensors.append(value.detach())
            return {"~t": len(tensors) - 1}
    elif type(value) is list:
        return [encode(v, tensors, replace) for v in value]
    elif type(value) is tuple:
        return {"~tuple": [encode(v, tensors, replace) for v in value]}
    elif type(value) is dict:
        if all(type(k) is str and not k.startswith("~") for k in value):
            return {k: encode(v, tensors, replace) for k, v in value.items()}
        return {"~dict": [[encode(k, tensors, replace), encode(v, tensors, replace)] for k, v in value.items()]}
    else:
        why = f"a {type(value).__name__}"
    if replace is None:
        raise Unpackable(why)
    return replace(value, why)


def _unkeepable(t: torch.Tensor) -> str:
    """Why a tensor's bytes and dtype would not give it back exactly ('' when they would)."""
    if t.dtype not in _ITEMSIZE:
        return f"a tensor of dtype {t.dtype}"
    if t.layout != torch.strided or t.is_nested:
        return f"a {str(t.layout).removeprefix('torch.')} tensor (sparse or other layout), not a dense one"
    if t.device.type != "cpu":
        return f"a tensor on {t.device}, not on the CPU"
    if t.is_quantized:
        return "a quantized tensor"
    if t.is_conj() or t.is_neg():
        return "a conjugate or negative view"
    if t.requires_grad:
        return "a tensor that requires grad"
    return ""


def layout(tensors: list) -> tuple[list, int]:
    """([dtype, shape, offset] per tensor, the buffer's size)."""
    entries, size = [], 0
    for t in tensors:
        entries.append([str(t.dtype).removeprefix("torch."), list(t.shape), size])
        size += -(-t.numel() * t.element_size() // ALIGN) * ALIGN
    return entries, size


def tensor_bytes(t: torch.Tensor) -> bytes:
    """A tensor's bytes as the buffer holds them (row-major, contiguous)."""
    return t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""


def fill(blob: torch.Tensor, tensors: list, entries: list) -> torch.Tensor:
    """`blob` (uint8, the buffer's size) with every tensor's bytes at its offset."""
    for t, (_, _, offset) in zip(tensors, entries):
        n = t.numel() * t.element_size()
        if n:
            blob[offset:offset + n] = t.contiguous().reshape(-1).view(torch.uint8)
    return blob


# --------------------------------------------------------------------------- reading
def tensors_of(entries, blob: torch.Tensor) -> list[torch.Tensor]:
    """Views of `blob` (one uint8 buffer) per layout entry, every entry checked first: its
    dtype, its shape (at most MAX_DIMS sizes, each at most MAX_TENSOR_ELEMENTS), its offset
    (aligned, its bytes inside the buffer) and the totals."""
    if not isinstance(entries, list) or len(entries) > MAX_TENSORS:
        raise Malformed("a packed value without its tensors' layout")
    if blob.dtype != torch.uint8 or blob.dim() != 1:
        raise Malformed("a packed value whose bytes are not one uint8 buffer")
    end, made, out, narrow = blob.numel(), 0, [], blob.narrow
    names, itemsize = _READ_NAMES, _ITEMSIZE  # (locals: this loop runs for every tensor of a class's tables)
    for entry in entries:
        if type(entry) is not list or len(entry) != 3:
            raise Malformed("a packed tensor's layout is malformed")
        name, shape, offset = entry
        dtype = names.get(name) if type(name) is str else None
        if dtype is None or type(shape) is not list or len(shape) > MAX_DIMS or type(offset) is not int:
            raise Malformed("a packed tensor's layout is malformed")
        numel = 1
        for d in shape:
            if type(d) is not int or not 0 <= d <= MAX_TENSOR_ELEMENTS:
                raise Malformed("a packed tensor's layout is malformed")
            numel *= d
        nbytes = numel * itemsize[dtype]
        made += nbytes
        if numel > MAX_TENSOR_ELEMENTS or made > MAX_BYTES:
            raise Malformed("a packed value larger than one may be")
        if offset < 0 or offset % ALIGN or offset + nbytes > end:
            raise Malformed("a packed tensor outside its bytes")
        out.append(narrow(0, offset, nbytes).view(dtype).view(shape))
    return out


def decode(value, tensors: list, depth: int = 0):
    """The value `encode` was given, its markers checked (Malformed otherwise)."""
    if depth > MAX_DEPTH:
        raise Malformed("a packed value nested too deeply")
    if type(value) is list:
        return [decode(v, tensors, depth + 1) for v in value]
    if type(value) is not dict:
        return value
    if len(value) == 1:
        (key, inner), = value.items()
        if key == "~t":
            if type(inner) is not int or not 0 <= inner < len(tensors):
                raise Malformed("a packed value naming a tensor it does not hold")
            return tensors[inner]
        if key == "~tuple":
            if type(inner) is not list:
                raise Malformed("a packed value with a malformed tuple")
            return tuple(decode(v, tensors, depth + 1) for v in inner)
        if key == "~dict":
            if type(inner) is not list or not all(type(p) is list and len(p) == 2 for p in inner):
                raise Malformed("a packed value with a malformed dict")
            out = {}
            for k, v in inner:
                k = _key(decode(k, tensors, depth + 1))
                try:
                    out[k] = decode(v, tensors, depth + 1)
                except TypeError:
                    raise Malformed("a packed value with a key that cannot be one") from None
            return out
    return {k: decode(v, tensors, depth + 1) for k, v in value.items()}


def _key(key):
    """A dict key back as it was written (a tuple key comes back as a list from JSON)."""
    if type(key) is list or type(key) is tuple:
        return tuple(_key(k) for k in key)
    if isinstance(key, (torch.Tensor, dict)):
        raise Malformed("a packed value with a key that cannot be one")
    return key
