"""CORRECT (flatten leading dims, per-row loop with argsort and a hand softmax).
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    shape = logits.shape
    rows = (logits / temperature).reshape(-1, shape[-1])
    out = torch.zeros_like(rows)
    for r in range(rows.shape[0]):
        order = torch.argsort(rows[r], descending=True)[:k]
        chosen = rows[r, order]
        e = torch.exp(chosen - chosen.max())
        out[r, order] = e / e.sum()
    return out.reshape(shape)
