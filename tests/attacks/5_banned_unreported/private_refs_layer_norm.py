"""Class: 5
Problem: layer-norm
Goal: banned
Attempt: torch._refs.native_layer_norm, the Python decomposition of the banned layer
norm (var_mean + rsqrt underneath), reached through a parameter.
Contained: a violation is reported or the check fails.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: the static scan resolves no alias for `t`."""
    return t.sys.modules


def _F(t=torch):
    return t.nn.functional


def layer_norm(x, eps=1e-5, t=torch):
    return t._refs.native_layer_norm(x, list(x.shape[-1:]), None, None, eps)[0]
