"""Problem 20 - kl-divergence.  Run `grader show kl-divergence` for the statement.

Write `kl_divergence(p_logits, q_logits)`: KL(P || Q) between P = softmax(p_logits) and
Q = softmax(q_logits) over the last dimension.
"""

import torch


def kl_divergence(p_logits: torch.Tensor, q_logits: torch.Tensor) -> torch.Tensor:
    """p_logits, q_logits: (..., V) -> (...), same dtype."""
    raise NotImplementedError("kl-divergence: implement kl_divergence(p_logits, q_logits)")
