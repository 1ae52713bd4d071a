"""Class: 13
Problem: layer-norm
Goal: hang
Scan: off
Limits: wall_seconds=2 check_seconds=6
Bound: 14
Attempt: each case (and each evidence trial the explanations run afterwards) waits 1.5 s,
under the 2 s per-case limit: 11 cases and the trials make one check take far longer
than any limit says.
Contained: the check ends within its total budget (6 s here) with a verdict.
"""
import time
import torch


def layer_norm(x, eps=1e-5):
    time.sleep(1.5)
    return x * 2.0
