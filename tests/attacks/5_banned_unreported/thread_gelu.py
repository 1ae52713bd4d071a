"""Class: 5
Problem: gelu
Goal: banned
Attempt: call the banned F.gelu from a second thread: torch's function and dispatch modes
are per thread, so the guard never sees it; threading is reached through sys.modules.
Contained: a violation is reported or the check fails.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: the static scan resolves no alias for `t`."""
    return t.sys.modules


def _F(t=torch):
    return t.nn.functional


def gelu(x):
    box = []
    t = _m()["threading"].Thread(target=lambda: box.append(_F().gelu(x, approximate="tanh")))
    t.start()
    t.join()
    return box[0]
