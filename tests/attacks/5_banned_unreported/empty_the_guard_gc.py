"""Class: 5
Problem: gelu
Goal: banned
Attempt: find the Guard object through gc, empty its banned tables (functions, aten ops,
classes) and its violations, then call F.gelu.
Contained: a violation is reported or the check fails.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: the static scan resolves no alias for `t`."""
    return t.sys.modules


def _F(t=torch):
    return t.nn.functional


def _blind():
    for o in _m()["gc"].get_objects():
        if type(o).__name__ == "Guard":
            o.spec.functions.clear()
            o.spec.aten.clear()
            o.violations.clear()


_blind()


def gelu(x):
    _blind()
    return _F().gelu(x, approximate="tanh")
