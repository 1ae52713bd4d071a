"""Class: 5
Problem: gelu
Goal: banned
Attempt: the in-place kernel torch._C._nn.gelu_ is another object than F.gelu and its aten
op (gelu_) is not among the banned aten names.
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
    t._C._nn.gelu_(y, approximate="tanh")
    return y
