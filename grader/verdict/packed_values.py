"""Plain data holding many tensors, stored as one JSON text and one byte buffer.

The variant cache (grader/verdict/variant_cache.py) holds thousands of small tensors per
problem; `torch.load(weights_only=True)` reads each through a Python unpickler, some
0.1 ms a tensor: 0.7 s for attention's table, 2.5 s for a class of four problems, on
the path of every `grader grade` before the first file is graded. Packed, the same data
is one JSON text (parsed in C) and one uint8 tensor that the tensors are cut from: a
tiny `torch.save` file that is still read with `weights_only=True`.

`pack` returns None for anything it cannot keep exactly (a tensor that is not a plain
CPU tensor, a dtype or a key JSON cannot carry): the caller keeps the plain format then.
"""

from __future__ import annotations

import json

import torch

FORMAT = "packed-values-1"
_ALIGN = 16  # every tensor starts on a multiple of 16 bytes, so its bytes view as any dtype
_DTYPES = {str(d): d for d in (torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.complex64,
                               torch.complex128, torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8,
                               torch.bool)}


_SIZES = {d: torch.empty((), dtype=d).element_size() for d in _DTYPES.values()}


class _Unpackable(Exception):
    pass


def pack(value) -> dict | None:
    """{"format", "json", "bytes"} for `value`, or None when it holds what this cannot keep."""
    tensors: list[torch.Tensor] = []
    try:
        text = json.dumps(_encode(value, tensors), allow_nan=True)
    except (_Unpackable, TypeError, ValueError, RecursionError):
        return None
    offsets, size = [], 0
    for t in tensors:
        offsets.append(size)
        size += -(-t.numel() * t.element_size() // _ALIGN) * _ALIGN
    blob = torch.zeros(size, dtype=torch.uint8)
    for t, offset in zip(tensors, offsets):
        n = t.numel() * t.element_size()
        if n:
            blob[offset:offset + n] = t.contiguous().reshape(-1).view(torch.uint8)
    layout = [[str(t.dtype), list(t.shape), offset] for t, offset in zip(tensors, offsets)]
    return {"format": FORMAT, "json": text, "layout": json.dumps(layout), "bytes": blob}


def is_packed(data) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("bytes"), torch.Tensor)


def unpack(data: dict):
    """The value `pack` was given: tensors as contiguous copies of their own."""
    blob = data["bytes"]
    if blob.dtype != torch.uint8 or blob.dim() != 1:
        raise ValueError("a packed value whose bytes are not one uint8 buffer")
    tensors = []
    end = blob.numel()
    for dtype_name, shape, offset in json.loads(data["layout"]):
        dtype = _DTYPES[dtype_name]
        count = 1
        for dim in shape:
            count *= int(dim)
        n = count * _SIZES[dtype]
        if not 0 <= offset <= offset + n <= end:
            raise ValueError("a packed tensor outside its buffer")
        tensors.append(blob.narrow(0, offset, n).view(dtype).view(shape).clone())
    return _decode(json.loads(data["json"]), tensors)


def _encode(value, tensors: list):
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) is torch.Tensor:
        if value.device.type != "cpu" or value.layout != torch.strided or value.requires_grad \
                or str(value.dtype) not in _DTYPES or value.is_quantized or value.is_conj() or value.is_neg():
            raise _Unpackable
        tensors.append(value.detach())
        return {"~t": len(tensors) - 1}
    if type(value) is list:
        return [_encode(v, tensors) for v in value]
    if type(value) is tuple:
        return {"~tuple": [_encode(v, tensors) for v in value]}
    if type(value) is dict:
        if all(type(k) is str and not k.startswith("~") for k in value):
            return {k: _encode(v, tensors) for k, v in value.items()}
        return {"~dict": [[_encode(k, tensors), _encode(v, tensors)] for k, v in value.items()]}
    raise _Unpackable


def _decode(value, tensors: list):
    if type(value) is list:
        return [_decode(v, tensors) for v in value]
    if type(value) is dict:
        if len(value) == 1:
            (key, inner), = value.items()
            if key == "~t":
                return tensors[inner]
            if key == "~tuple":
                return tuple(_decode(v, tensors) for v in inner)
            if key == "~dict":
                return {_key(_decode(k, tensors)): _decode(v, tensors) for k, v in inner}
        return {k: _decode(v, tensors) for k, v in value.items()}
    return value


def _key(key):
    """A dict key back as it was (a tuple key came back as a tuple; a list cannot be a key)."""
    return tuple(_key(k) for k in key) if isinstance(key, (list, tuple)) else key
