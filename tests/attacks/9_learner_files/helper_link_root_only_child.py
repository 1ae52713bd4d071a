"""Class: 9
Problem: layer-norm
Goal: read
Scan: off
Link: helper.py -> /etc/shadow
Secret: /etc/shadow
Attempt: a helper module linked to a root-only file, read by the child's trusted phase as
root, its source printed through the loader.
Contained: no line of the file reaches the report.
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
