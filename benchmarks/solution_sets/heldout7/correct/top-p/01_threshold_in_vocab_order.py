"""
CORRECT: Counts how many sorted tokens are kept, reads the smallest kept probability as a threshold and masks in vocabulary order (no scatter).
"""
import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    probs = torch.softmax(logits / temperature, dim=-1)
    sp = probs.sort(dim=-1, descending=True).values
    n_keep = ((sp.cumsum(-1) - sp) < p).sum(-1, keepdim=True)      # >= 1 always
    threshold = sp.gather(-1, n_keep - 1)
    kept = torch.where(probs >= threshold, probs, torch.zeros_like(probs))
    return kept / kept.sum(-1, keepdim=True)
