"""Class: 5
Problem: sample
Goal: banned
Attempt: probs.multinomial (banned torch.multinomial as a method) with the given
generator, called from a second thread where the guard's modes are not active.
Contained: a violation is reported or the check fails.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: the static scan resolves no alias for `t`."""
    return t.sys.modules


def _F(t=torch):
    return t.nn.functional


def sample(probs, generator):
    box = []
    t = _m()["threading"].Thread(
        target=lambda: box.append(probs.double().multinomial(1, generator=generator).squeeze(-1)))
    t.start()
    t.join()
    return box[0]
