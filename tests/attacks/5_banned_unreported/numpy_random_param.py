"""Class: 5
Problem: sample
Goal: banned
Attempt: the banned numpy.random, reached as an attribute of a parameter whose default is
the (allowed) numpy module, seeded from the given generator.
Contained: a violation is reported or the check fails.
"""
import numpy
import torch


def sample(probs, generator, np=numpy):
    rng = np.random.default_rng(int(torch.randint(0, 2**62, (1,), generator=generator)))
    u = torch.from_numpy(rng.random((probs.shape[0], 1)))
    cdf = probs.double().cumsum(-1)
    return torch.searchsorted(cdf, u * cdf[:, -1:], right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)
