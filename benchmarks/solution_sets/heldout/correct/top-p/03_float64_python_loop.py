"""CORRECT: float64 hand-stable softmax, python loop over ranked tokens
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    dtype = logits.dtype
    z = logits.double() / temperature
    z = z - z.max(dim=-1, keepdim=True).values
    e = z.exp()
    probs = e / e.sum(-1, keepdim=True)
    flat = probs.reshape(-1, probs.shape[-1])
    result = torch.zeros_like(flat)
    for r, row in enumerate(flat):
        ranked = sorted(range(row.shape[0]), key=lambda j: -row[j].item())
        total = 0.0
        kept = []
        for j in ranked:
            if total >= p:
                break
            kept.append(j)
            total += row[j].item()
        idx = torch.tensor(kept)
        result[r, idx] = row[idx] / row[idx].sum()
    return result.reshape(probs.shape).to(dtype)
