"""
MISTAKE: The threshold is taken on the unscaled logits but compared with the scaled ones.
"""
import torch


def top_k_probs(logits, temperature, k):
    kth = logits.topk(k, -1).values[..., -1:]
    scaled = logits / temperature
    return torch.softmax(scaled.masked_fill(scaled < kth, float("-inf")), -1)
