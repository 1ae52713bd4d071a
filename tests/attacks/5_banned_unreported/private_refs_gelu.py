"""Class: 5
Problem: gelu
Goal: banned
Attempt: torch._refs.nn.functional.gelu, the Python decomposition of the banned GELU
(private torch, reached through a parameter): no banned object, no banned aten op.
Contained: a violation is reported or the check fails.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: the static scan resolves no alias for `t`."""
    return t.sys.modules


def _F(t=torch):
    return t.nn.functional


def gelu(x, t=torch):
    return t._refs.nn.functional.gelu(x, approximate="tanh")
