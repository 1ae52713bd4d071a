"""Class: 9
Problem: layer-norm
Goal: crash
Link: helper.py -> /dev/zero
Bound: 40
Attempt: a helper module linked to /dev/zero: reading it to the end never ends and fills
the grader's memory.
Contained: a verdict within the bound, the grader alive.
"""
import torch
from helper import anything

def layer_norm(x, eps=1e-5):
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
