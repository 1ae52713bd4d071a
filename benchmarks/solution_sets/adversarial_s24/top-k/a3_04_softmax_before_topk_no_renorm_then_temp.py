"""
MISTAKE: The mask keeps tokens strictly above the k-th largest (> instead of >=): k - 1 tokens kept.
"""
import torch


def top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    kth = scaled.topk(k, -1).values[..., -1:]
    return torch.softmax(scaled.masked_fill(~(scaled > kth), float("-inf")), -1)
