"""
MISTAKE: The k-th largest taken as sorted ascending [..., -k - 1] (one past).
"""
import torch

def top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    V = scaled.shape[-1]
    asc = scaled.sort(-1).values
    kth = asc[..., max(V - k - 1, 0):max(V - k - 1, 0) + 1]
    return torch.softmax(scaled.masked_fill(scaled < kth, float("-inf")), -1)
