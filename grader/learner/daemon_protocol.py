"""The warm server's wire format: length-prefixed JSON headers, then raw bytes.

A request is one header. A reply is one header that may announce `stdout` and
`stderr` byte counts, followed by exactly those bytes. Everything is capped and
checked: a reply that does not parse is a failure of the warm path, and the client
runs the check cold.
"""

from __future__ import annotations

import json
import socket
import struct
import sys

MAX_HEADER = 4 * 1024 * 1024
MAX_OUTPUT = 256 * 1024 * 1024
PROTOCOL = 1


class ProtocolError(Exception):
    pass


def recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ProtocolError("connection closed mid-message")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def send_message(sock: socket.socket, header: dict, *bodies: bytes) -> None:
    raw = json.dumps(header).encode()
    sock.sendall(struct.pack(">I", len(raw)) + raw + b"".join(bodies))


def recv_header(sock: socket.socket) -> dict:
    (size,) = struct.unpack(">I", recv_exact(sock, 4))
    if size > MAX_HEADER:
        raise ProtocolError("header too large")
    try:
        header = json.loads(recv_exact(sock, size))
    except ValueError as exc:
        raise ProtocolError(f"header is not JSON ({exc})") from None
    if not isinstance(header, dict):
        raise ProtocolError("header is not an object")
    return header


def body_size(header: dict, key: str) -> int:
    size = header.get(key, 0)
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_OUTPUT:
        raise ProtocolError(f"bad {key} size")
    return size


def peer_uid(sock: socket.socket) -> int | None:
    """The uid of the process at the other end of a Unix socket (Linux SO_PEERCRED;
    None where the platform cannot say, which callers treat as a refusal)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is not None:
        raw = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
        _pid, uid, _gid = struct.unpack("3i", raw)
        return uid
    if hasattr(socket, "AF_UNIX") and sys.platform == "darwin":  # LOCAL_PEERCRED: struct xucred, uid second
        try:
            raw = sock.getsockopt(0, 0x001, 76)
            return struct.unpack_from("=Ii", raw)[1]
        except OSError:
            return None
    return None
