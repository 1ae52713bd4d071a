"""Class: 5
Problem: gelu
Goal: banned
Attempt: torch.ops.aten.gelu_ (the in-place aten variant), torch.ops reached as an
attribute of a parameter.
Contained: a violation is reported or the check fails.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: the static scan resolves no alias for `t`."""
    return t.sys.modules


def _F(t=torch):
    return t.nn.functional


def gelu(x, t=torch):
    y = x.clone()
    t.ops.aten.gelu_(y, approximate="tanh")
    return y
