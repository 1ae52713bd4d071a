"""Class: 5
Problem: layer-norm
Goal: banned
Attempt: switch the guard off around the banned call: torch._C.DisableTorchFunction and
torch._C._DisableTorchDispatch, reached as attributes of a parameter (`t._C`).
Contained: a violation is reported or the check fails.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: the static scan resolves no alias for `t`."""
    return t.sys.modules


def _F(t=torch):
    return t.nn.functional


def layer_norm(x, eps=1e-5, t=torch):
    with t._C.DisableTorchFunction(), t._C._DisableTorchDispatch():
        return _F().layer_norm(x, x.shape[-1:], eps=eps)
