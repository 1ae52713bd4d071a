"""Plain data holding many tensors, stored as one JSON text and one byte buffer.

The variant cache (grader/verdict/variant_cache.py) holds thousands of small tensors per
problem; `torch.load(weights_only=True)` reads each through a Python unpickler, some
0.1 ms a tensor: 0.7 s for attention's table, 2.5 s for a class of four problems, on
the path of every `grader grade` before the first file is graded. Packed, the same data
is one JSON text (parsed in C) and one uint8 tensor that the tensors are cut from: a
tiny `torch.save` file that is still read with `weights_only=True`.

`pack` returns None for anything it cannot keep exactly (a tensor that is not a plain
CPU tensor, a dtype or a key JSON cannot carry): the caller keeps the plain format then.
The layout, its writer and its one reader are grader/sandbox/packed_layout.py, shared with
the child's results (which are untrusted: so the reader checks every entry, here too).
"""

from __future__ import annotations

import json

import torch

from ..sandbox import packed_layout

FORMAT = "packed-values-1"


def pack(value) -> dict | None:
    """{"format", "json", "layout", "bytes"} for `value`, or None when it holds what the layout
    cannot keep (grader/sandbox/packed_layout.py, the format of a child's results too)."""
    tensors: list[torch.Tensor] = []
    try:
        text = json.dumps(packed_layout.encode(value, tensors), allow_nan=True)
    except (packed_layout.Unpackable, TypeError, ValueError, RecursionError):
        return None
    entries, size = packed_layout.layout(tensors)
    blob = packed_layout.fill(torch.zeros(size, dtype=torch.uint8), tensors, entries)
    return {"format": FORMAT, "json": text, "layout": json.dumps(entries), "bytes": blob}


def is_packed(data) -> bool:
    return isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("bytes"), torch.Tensor)


def unpack(data: dict):
    """The value `pack` was given: tensors as contiguous copies of their own. Read as a child's
    result is, every entry checked (packed_layout.Malformed, a ValueError, when one is not
    what the layout allows: a cache file half written or written by something else)."""
    tensors = [t.clone() for t in packed_layout.tensors_of(json.loads(data["layout"]), data["bytes"])]
    return packed_layout.decode(json.loads(data["json"]), tensors)
