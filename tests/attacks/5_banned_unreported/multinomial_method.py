"""Class: 5
Problem: sample
Goal: banned
Attempt: probs.multinomial(1, generator=generator): the banned torch.multinomial as a
tensor method on a parameter, which the static scan cannot resolve.
Contained: a violation is reported or the check fails.
"""
import torch


def sample(probs, generator):
    return probs.double().multinomial(1, generator=generator).squeeze(-1)
