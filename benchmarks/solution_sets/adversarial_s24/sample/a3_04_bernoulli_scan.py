"""
MISTAKE: Token by token: take token i with probability p_i (a fresh uniform each), else move on; last token if none.
"""
import torch


def sample(probs, generator):
    N, V = probs.shape
    u = torch.rand(N, V, generator=generator, dtype=probs.dtype)
    hit = u < probs
    hit[:, -1] = True
    return hit.float().argmax(-1).long()
