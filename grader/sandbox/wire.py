"""The bytes that cross between grader, zygote and child, and how they are read back.

No pickle anywhere a child can write: a frame is a JSON header and an optional
`torch.save` payload, each length-prefixed and capped. Reading never trusts the
writer: a frame too large, truncated or malformed raises `ProtocolError`, and a
payload is loaded with `weights_only=True` and then reduced to plain data (exact CPU
strided tensors, numbers, strings, lists, dicts); anything else becomes a marker the
judge reports as unusable output.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile

import torch

MiB = 1024 * 1024
HEADER_CAP = 4 * MiB
_HEAD = struct.Struct("!I")
_BODY = struct.Struct("!Q")
MAX_DEPTH = 32
MAX_ITEMS = 100_000
MAX_DIMS = 16
# What the grader copies out of a reply, read from sizes and strides before any copy:
# a stride-0 (expanded) or overlapping view of a few bytes can claim a terabyte.
MAX_TENSOR_ELEMENTS = 1 << 26
MAX_COPY_BYTES = 512 * MiB  # every tensor of one reply together
PLAIN_DTYPES = {
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int8, torch.int16, torch.int32, torch.int64,
    torch.uint8, torch.bool, torch.complex64, torch.complex128,
}


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


def _checked_header_size(size: int) -> int:
    if size > HEADER_CAP:
        raise ProtocolError(f"a header of {size} bytes")
    return size


def _checked_payload_size(length: int, cap: int) -> int:
    if length > cap:
        raise ProtocolError(f"a payload of {length} bytes")
    return length


def read_frame(fd: int, payload_cap: int) -> tuple[dict, bytes]:
    """One frame from a blocking descriptor. EOFError at a clean end, ProtocolError on
    anything malformed or over the caps (nothing is allocated before it is checked)."""
    (size,) = _HEAD.unpack(_read_exact(fd, _HEAD.size))
    header = parse_header(_read_exact(fd, _checked_header_size(size)))
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


def _check_archive(payload: bytes) -> None:
    """torch.save writes an uncompressed zip; anything else could expand in the grader's
    memory (a 200 KB deflated archive holds 200 MB of zeros) or declare storages the bytes
    do not hold. So: a zip, every member stored as is, no more bytes than were sent."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ProtocolError(f"a result that is not a torch file ({type(exc).__name__})") from None
    if any(m.compress_type != zipfile.ZIP_STORED for m in members):
        raise ProtocolError("a compressed result (torch.save never compresses)")
    if sum(m.file_size for m in members) > len(payload):
        raise ProtocolError("a result whose parts claim more bytes than it holds")


def load_value(payload: bytes):
    """torch.load with weights_only (no code runs), then plain data only. Raises
    ProtocolError when the bytes are not a torch file."""
    _check_archive(payload)
    try:
        value = torch.load(io.BytesIO(payload), weights_only=True, map_location="cpu")
    except Exception as exc:  # a forged or broken file is no result
        raise ProtocolError(f"a result that is not plain tensors ({type(exc).__name__})") from None
    return plain(value)


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
