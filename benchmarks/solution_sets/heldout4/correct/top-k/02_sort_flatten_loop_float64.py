"""
CORRECT: Scales by the temperature in the input dtype, flattens leading dims to rows, sorts each row descending in float64, keeps the first k with a max-subtracted manual softmax, and scatters back by the sort order.
"""
import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 1 <= k <= V -> probabilities (..., V), same dtype."""
    shape = logits.shape
    V = shape[-1]
    rows = (logits / temperature).reshape(-1, V).to(torch.float64)
    srt, order = torch.sort(rows, dim=-1, descending=True)
    head = srt[:, :k]
    m = head[:, :1]
    w = torch.exp(head - m)                   # the first column is the max, finite
    w = w / w.sum(dim=-1, keepdim=True)
    full = torch.zeros_like(rows)
    full[:, :k] = w
    out = torch.empty_like(rows).scatter_(1, order, full)
    return out.reshape(shape).to(logits.dtype)
