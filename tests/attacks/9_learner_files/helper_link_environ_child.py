"""Class: 9
Problem: layer-norm
Goal: read
Scan: off
Link: helper.py -> /proc/self/environ
Attempt: the same link, read by the child's trusted phase (as root, before confinement)
and served as a module: its source is printed through the loader, never imported.
Contained: the canary never reaches the report.
"""
import importlib.util
import torch

try:
    spec = importlib.util.find_spec("helper")
    print("SOURCE", spec.loader.get_source("helper")[:6000] if spec else None)
except Exception as exc:
    print("refused", type(exc).__name__, exc)

def layer_norm(x, eps=1e-5):
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
