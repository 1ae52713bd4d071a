"""Control: sampling by Gumbel-max with noise from the given generator.
Problem: sample
Goal: pass
"""
import torch


def sample(probs, generator):
    e = torch.empty(probs.shape, dtype=torch.float64).exponential_(generator=generator)
    return (probs.double().log() - e.log()).argmax(dim=-1)
