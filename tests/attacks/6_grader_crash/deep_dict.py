"""Class: 6
Problem: layer-norm
Goal: crash
Attempt: return a dict nested 10000 deep (and a list of 10000 nested lists), to blow
the recursion of whatever walks the result (sanitize, torch.save, JSON, repr).
Contained: the grader survives with a failing verdict.
"""
import torch


def layer_norm(x, eps=1e-5):
    deep = {}
    node = deep
    for _ in range(10000):
        node["next"] = {}
        node = node["next"]
    return deep
