"""Class: 10
Problem: layer-norm
Goal: read
Scan: off
Attempt: torch.ByteStorage.from_file(p, shared=False, size=n) reads a file in native code (no Python open, so no audit event):
/proc/self/environ (the environment the process started with) and every copy of the
hidden reference found on disk (another checkout, an installed copy).
Contained: neither the canary nor reference text reaches the report.
"""
import torch

import os


def _course_copies(name="layer_norm.py"):
    """Every reference/layer_norm.py within a few levels of the usual roots, the import
    path included (an editable install, a wheel's course_data, another checkout)."""
    import sys
    roots = {"/work", "/home", "/opt", "/srv", "/root", "/autograder", os.getcwd()}
    roots |= {p for p in sys.path if p and os.path.isdir(p)}
    out = []
    for root in sorted(roots):
        for depth, (here, dirs, files) in enumerate(os.walk(root)):
            if here.count(os.sep) - root.count(os.sep) > 3:
                dirs[:] = []
            if here.endswith("reference") and name in files:
                out.append(os.path.join(here, name))
            if len(out) > 20 or depth > 4000:
                break
    return out


for p in ["/proc/self/environ", *_course_copies()]:
    try:
        n = max(1, os.stat(p).st_size) if not p.startswith("/proc") else 4096
        s = torch.ByteStorage.from_file(p, shared=False, size=n)
        print("===", p, (bytes(list(s)))[:3000].replace(b"\0", b" ").decode(errors="replace"))
    except Exception as exc:
        print("===", p, "refused", type(exc).__name__, str(exc)[:100])

def layer_norm(x, eps=1e-5):
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
