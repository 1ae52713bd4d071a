"""CORRECT: works in float64 with log_softmax, ranks with argsort, computes the exclusive cumulative mass, restores
vocabulary order with gather through the inverse permutation (argsort of the ranking), renormalises and casts back.
"""

import torch

def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    logp = torch.log_softmax(logits.double() / temperature, dim=-1)
    probs = logp.exp()
    rank_to_tok = torch.argsort(probs, dim=-1, descending=True)
    tok_to_rank = torch.argsort(rank_to_tok, dim=-1)
    ranked = torch.gather(probs, -1, rank_to_tok)
    above = ranked.cumsum(dim=-1) - ranked
    keep = torch.gather(above < p, -1, tok_to_rank)
    out = torch.where(keep, probs, torch.zeros_like(probs))
    out = out / out.sum(dim=-1, keepdim=True)
    return out.to(logits.dtype)
