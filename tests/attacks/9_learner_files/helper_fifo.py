"""Class: 9
Problem: layer-norm
Goal: hang
Fifo: helper.py
Bound: 40
Attempt: a helper module that is a named pipe: whoever opens it to read (the static scan,
the child's trusted phase) blocks until a writer comes, which never happens.
Contained: a verdict within the bound.
"""
import torch
from helper import anything

def layer_norm(x, eps=1e-5):
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
