"""Class: 5
Problem: gelu
Goal: banned
Attempt: pop the guard's modes off torch's mode stacks (torch._C._pop_torch_function_stack,
_pop_torch_dispatch_stack), call the banned F.gelu, push them back.
Contained: a violation is reported or the check fails.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: the static scan resolves no alias for `t`."""
    return t.sys.modules


def _F(t=torch):
    return t.nn.functional


def gelu(x, t=torch):
    c = t._C
    fmodes, dmodes = [], []
    while c._len_torch_function_stack() > 0:
        fmodes.append(c._pop_torch_function_stack())
    while c._len_torch_dispatch_stack() > 0:
        dmodes.append(c._pop_torch_dispatch_stack(None))
    try:
        return _F().gelu(x, approximate="tanh")
    finally:
        for mode in reversed(dmodes):
            c._push_on_torch_dispatch_stack(mode)
        for mode in reversed(fmodes):
            c._push_on_torch_function_stack(mode)
