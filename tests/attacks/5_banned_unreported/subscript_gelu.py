"""Class: 5
Problem: gelu
Goal: banned
Attempt: the banned F.gelu reached through a subscript, `[F][0].gelu`, which the static
scan does not follow (the run-time guard should still see it).
Contained: a violation is reported or the check fails.
"""
import torch
import torch.nn.functional as F


def gelu(x):
    return [F][0].gelu(x, approximate="tanh")
