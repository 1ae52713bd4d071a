"""Correct: mass strictly above each token computed with a strictly-lower-triangular matmul on the sorted
probabilities; the sorted mask is un-permuted with the inverse permutation (argsort of the order) + gather."""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    V = probs.shape[-1]
    sorted_p, order = probs.sort(dim=-1, descending=True)
    strictly_before = torch.ones(V, V, dtype=probs.dtype, device=probs.device).tril(-1)   # [i, j] = j < i
    above = sorted_p @ strictly_before.T                                               # sum_{j<i} sorted_p[j]
    keep_sorted = above < p
    inverse = order.argsort(dim=-1)
    keep = keep_sorted.gather(-1, inverse)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
