"""Class: 5
Problem: gelu
Goal: banned
Attempt: a getattr chain whose target the scan cannot resolve (`getattr(getattr(torch,
"nn"), "functional")` then `getattr(F, "ge" + "lu")`), all with public names.
Contained: a violation is reported or the check fails.
"""
import torch


def gelu(x):
    nn = getattr(torch, "nn")
    F = getattr(nn, "functional")
    return getattr(F, "ge" + "lu")(x, approximate="tanh")
