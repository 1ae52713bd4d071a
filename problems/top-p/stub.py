"""Problem 11 - top-p.  Run `grader show top-p` for the statement.

Write `top_p_probs(logits, temperature, p)`: the next-token distribution of top-p
(nucleus) sampling,
    probs = softmax(logits / temperature) over the last dimension
    sort tokens by probability, most likely first
    keep a token if the mass of the tokens ranked strictly above it is < p
        (so the most likely token is always kept)
    renormalise the kept probabilities; every other token gets 0
"""

import torch


def top_p_probs(logits: torch.Tensor, temperature: float, p: float) -> torch.Tensor:
    """logits: (..., V); temperature > 0; 0 < p <= 1 -> probabilities (..., V), same dtype."""
    raise NotImplementedError("top-p: implement top_p_probs(logits, temperature, p)")
