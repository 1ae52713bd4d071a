"""The bytes that cross between grader, zygote and child, and how they are read back.

No pickle anywhere a child can write: a frame is a JSON header and an optional payload
(a child's result packed, `dump_plain`; a job's cases as `torch.save` data), each
length-prefixed and capped. Reading never trusts the writer: a frame too large, truncated
or malformed raises `ProtocolError`, and a result is unpacked with every size, offset and
dtype checked first (a child's result is never a torch file: no unpickler reads what a
child wrote), then reduced to plain data (exact CPU strided tensors, numbers, strings,
lists, dicts); anything else becomes a marker the judge reports as unusable output.
"""

from __future__ import annotations

import io
import json
import os
import struct
from dataclasses import dataclass

import torch

from . import packed_layout

MiB = 1024 * 1024
HEADER_CAP = 4 * MiB
_HEAD = struct.Struct("!I")
_BODY = struct.Struct("!Q")
MAX_ITEMS = 100_000
# The layout's own caps (grader/sandbox/packed_layout.py), which plain() keeps too: what the
# grader copies out of a reply is read from sizes and strides before any copy (a stride-0
# or overlapping view of a few bytes can claim a terabyte).
MAX_DEPTH = packed_layout.MAX_DEPTH
MAX_DIMS = packed_layout.MAX_DIMS
MAX_TENSOR_ELEMENTS = packed_layout.MAX_TENSOR_ELEMENTS
MAX_COPY_BYTES = packed_layout.MAX_BYTES  # every tensor of one reply together
PLAIN_DTYPES = frozenset(packed_layout.DTYPE_NAMES.values())


class ProtocolError(Exception):
    """A frame that is not what the protocol allows."""


# --------------------------------------------------------------------------- frames
def encode(header: dict, payload: bytes = b"") -> bytes:
    head = json.dumps(header, allow_nan=True).encode()
    return _HEAD.pack(len(head)) + head + _BODY.pack(len(payload)) + payload


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def _checked_header_size(size: int, cap: int = HEADER_CAP) -> int:
    if size > cap:
        raise ProtocolError(f"a header of {size} bytes")
    return size


def _checked_payload_size(length: int, cap: int) -> int:
    if length > cap:
        raise ProtocolError(f"a payload of {length} bytes")
    return length


def read_frame(fd: int, payload_cap: int, header_cap: int = HEADER_CAP) -> tuple[dict, bytes]:
    """One frame from a blocking descriptor. EOFError at a clean end, ProtocolError on
    anything malformed or over the caps (nothing is allocated before it is checked).
    `header_cap`: a supervisor's reply of many cases may be larger than one child's frame."""
    (size,) = _HEAD.unpack(_read_exact(fd, _HEAD.size))
    header = parse_header(_read_exact(fd, _checked_header_size(size, header_cap)))
    (length,) = _BODY.unpack(_read_exact(fd, _BODY.size))
    length = _checked_payload_size(length, payload_cap)
    return header, _read_exact(fd, length) if length else b""


def parse_header(raw: bytes) -> dict:
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"a header that is not JSON ({type(exc).__name__})") from None
    if not isinstance(header, dict):
        raise ProtocolError("a header that is not an object")
    return header


class FrameReader:
    """Frames from a stream fed in chunks (the zygote reads a child with select)."""

    def __init__(self, payload_cap: int):
        self.payload_cap = payload_cap
        self.buffer = bytearray()

    def feed(self, chunk: bytes) -> list[tuple[dict, bytes]]:
        self.buffer += chunk
        frames = []
        while True:
            if len(self.buffer) < _HEAD.size:
                return frames
            (size,) = _HEAD.unpack_from(self.buffer)
            end = _HEAD.size + _checked_header_size(size)
            if len(self.buffer) < end + _BODY.size:
                return frames
            (length,) = _BODY.unpack_from(self.buffer, end)
            total = end + _BODY.size + _checked_payload_size(length, self.payload_cap)
            if len(self.buffer) < total:
                return frames
            header = parse_header(bytes(self.buffer[_HEAD.size:end]))
            payload = bytes(self.buffer[end + _BODY.size:total])
            del self.buffer[:total]
            frames.append((header, payload))

    @property
    def partial(self) -> bool:
        return bool(self.buffer)


# --------------------------------------------------------------------------- values
def dump_value(value) -> bytes:
    buf = io.BytesIO()
    torch.save(value, buf)
    return buf.getvalue()


# A child's result, packed: MAGIC, the JSON text's length, the JSON text ({"v": the value,
# "t": its tensors' layout}, grader/sandbox/packed_layout.py, the variant cache's format
# too), then the tensors' bytes, each on a 16-byte boundary. No unpickler in the grader at
# all, and no torch.save fallback: what the layout cannot keep is a marker the judge reports
# (torch.load's weights-only unpickler read a forged file of a million nested lists for
# seconds a case, in the grader's process).
PACKED_MAGIC = b"GRPK1\n"
# What one reply may hold, all its cases together, read in the grader's process outside every
# limit of the child: tensors (each costs some 50 us to make and copy: 100,000 empty tensors a
# case, the item cap, cost 5 s a case) and packed text (a 4 MiB text of small objects takes
# json 0.7 s). A probe's result holds a few dozen tensors and a few KiB of text.
MAX_REPLY_TENSORS = 16_384
MAX_REPLY_TEXT = 1 * MiB


@dataclass
class ReplyBudget:
    """What is left of one reply's caps, shared by its cases (see `load_value`)."""

    tensors: int = MAX_REPLY_TENSORS
    text: int = MAX_REPLY_TEXT


def dump_plain(value) -> bytes:
    """A child's sanitized result (grader/sandbox/child.py's `sanitize`: exact CPU tensors, plain
    containers) as packed bytes; a tensor or object the layout cannot keep is a marker."""
    tensors: list = []
    packed = packed_layout.encode(value, tensors, replace=lambda _, why: bad(why))
    entries, size = packed_layout.layout(tensors)
    head = json.dumps({"v": packed, "t": entries}, allow_nan=True).encode()
    start = len(PACKED_MAGIC) + 8 + len(head)
    start += -start % packed_layout.ALIGN
    out = bytearray(start + size)
    out[:len(PACKED_MAGIC) + 8 + len(head)] = PACKED_MAGIC + struct.pack("!Q", len(head)) + head
    if size:
        packed_layout.fill(torch.frombuffer(out, dtype=torch.uint8, offset=start, count=size), tensors, entries)
    return bytes(out)


def _load_packed(payload: bytes, budget: ReplyBudget | None = None):
    """A packed result back, every size, offset and dtype checked before anything is made
    (packed_layout.tensors_of); tensors are views of one copy of the bytes until `plain`
    copies them out."""
    head_at = len(PACKED_MAGIC) + 8
    if len(payload) < head_at:
        raise ProtocolError("a packed result cut short")
    (size,) = struct.unpack_from("!Q", payload, len(PACKED_MAGIC))
    budget = budget if budget is not None else ReplyBudget()
    if size > min(HEADER_CAP, len(payload) - head_at):
        raise ProtocolError("a packed result whose text is larger than it")
    budget.text -= size
    if budget.text < 0:
        raise ProtocolError(f"a reply whose packed texts are larger than {MAX_REPLY_TEXT // MiB} MiB")
    try:
        head = json.loads(payload[head_at:head_at + size].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"a packed result whose text is not JSON ({type(exc).__name__})") from None
    if not isinstance(head, dict) or not isinstance(head.get("t"), list):
        raise ProtocolError("a packed result without its tensors' layout")
    budget.tensors -= len(head["t"])
    if budget.tensors < 0:
        raise ProtocolError(f"a reply holding more than {MAX_REPLY_TENSORS} tensors")
    start = head_at + size
    start += -start % packed_layout.ALIGN
    blob = torch.frombuffer(bytearray(payload[start:]) or bytearray(1), dtype=torch.uint8)
    if len(payload) <= start:
        blob = blob[:0]
    try:
        return packed_layout.decode(head.get("v"), packed_layout.tensors_of(head["t"], blob))
    except packed_layout.Malformed as exc:
        raise ProtocolError(str(exc).replace("packed value", "packed result")) from None


def load_value(payload: bytes, budget: ReplyBudget | None = None):
    """A child's result (`dump_plain`), then plain data only. Raises ProtocolError when the
    bytes are not a well-formed packed result. `budget`: what the reply's earlier cases left
    (one ReplyBudget shared by a reply's cases; a fresh one without)."""
    if payload[:len(PACKED_MAGIC)] != PACKED_MAGIC:
        raise ProtocolError("a result that is not packed (the sandbox packs every result; nothing else is read)")
    return plain(_load_packed(payload, budget))


def load_trusted(payload: bytes):
    """A job from the grader to its zygote: still weights_only, but kept as it was sent."""
    return torch.load(io.BytesIO(payload), weights_only=True)


def bad(what: str) -> dict:
    return {"__bad_type__": what}


def plain(value, depth: int = 0, budget: list | None = None):
    """Exact, CPU, strided, non-quantized tensors of the usual dtypes, copied contiguous;
    numbers, strings, None, lists and str-keyed dicts, up to a depth and an item count.
    Everything else, at any depth, becomes a `__bad_type__` marker saying what it was."""
    budget = budget if budget is not None else [MAX_ITEMS, MAX_COPY_BYTES]
    budget[0] -= 1
    if budget[0] < 0:
        return bad("a result with too many items")
    if depth > MAX_DEPTH:
        return bad("a result nested too deeply")
    if isinstance(value, torch.Tensor):
        return _plain_tensor(value, budget)
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) in (list, tuple):
        return [plain(v, depth + 1, budget) for v in value]
    if type(value) is dict or (isinstance(value, dict) and type(value).__module__ == "collections"):
        out = {}
        for k, v in value.items():
            if type(k) is not str:
                return bad("a dict whose keys are not strings")
            out[k] = plain(v, depth + 1, budget)
        return out
    return bad(f"a {type(value).__name__}")


def _plain_tensor(t: torch.Tensor, budget: list | None = None):
    with torch._C.DisableTorchFunction():
        if type(t) is not torch.Tensor:
            return bad(f"a tensor subclass ({type(t).__name__}), not a plain torch.Tensor")
        kind = _unusual_kind(t)
        if kind:
            return bad(kind)
        if t.dtype not in PLAIN_DTYPES:
            return bad(f"a tensor of dtype {t.dtype}")
        if t.dim() > MAX_DIMS:
            return bad(f"a tensor with {t.dim()} dimensions")
        if any(int(size) > MAX_TENSOR_ELEMENTS for size in t.shape):  # (2**62, 0): no element, and no sense
            return bad(f"a tensor of shape {tuple(t.shape)}")
        too_big = oversized(t, budget[1] if budget is not None and len(budget) > 1 else MAX_COPY_BYTES)
        if too_big:
            return bad(too_big)
        if budget is not None and len(budget) > 1:
            budget[1] -= t.numel() * t.element_size()
        return t.detach().clone(memory_format=torch.contiguous_format).requires_grad_(False)


def oversized(t: torch.Tensor, bytes_left: int = MAX_COPY_BYTES) -> str:
    """Why copying `t` would cost too much ('' when it would not), from its sizes alone
    (numel is a product of sizes: nothing is allocated to learn it)."""
    numel = 1
    for size in t.shape:
        numel *= int(size)
    nbytes = numel * t.element_size()
    if numel > MAX_TENSOR_ELEMENTS:
        return f"a tensor of {numel} elements (more than {MAX_TENSOR_ELEMENTS})"
    if nbytes > bytes_left:
        return f"a result whose tensors would take more than {MAX_COPY_BYTES // MiB} MiB once copied"
    try:
        storage = t.untyped_storage().nbytes()
    except Exception:
        return "a tensor whose storage could not be inspected"
    if storage > bytes_left:
        return f"a tensor whose storage is larger than {MAX_COPY_BYTES // MiB} MiB"
    return ""


def _unusual_kind(t: torch.Tensor) -> str:
    try:
        if t.is_nested:
            return "a nested tensor"
        if t.layout != torch.strided:
            return f"a {str(t.layout).removeprefix('torch.')} tensor (sparse or other layout), not a dense one"
        if t.is_meta or t.device.type == "meta":
            return "a meta tensor (it has no values)"
        if t.device.type != "cpu":
            return f"a tensor on {t.device}, not on the CPU"
        if t.is_quantized:
            return "a quantized tensor"
    except Exception as exc:
        return f"a tensor that could not be inspected ({type(exc).__name__})"
    return ""
