"""Class: 9
Problem: layer-norm
Goal: read
Link: helper.py -> /proc/self/environ
Attempt: a helper module that is a link to /proc/self/environ: the static scan reads it
with the grader's rights, fails to parse it and prints the offending line back in its
syntax-error message (the grader's environment, here a planted canary).
Contained: the canary never reaches the report.
"""
import torch
from helper import anything

def layer_norm(x, eps=1e-5):
    return torch.full_like(x, 3.0)  # wrong on every case: only the leak matters
