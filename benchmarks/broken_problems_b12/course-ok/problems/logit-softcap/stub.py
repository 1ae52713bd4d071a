"""Problem 27 - logit-softcap.  Run `grader show logit-softcap` for the statement.

Write `soft_cap(logits, cap)`: cap * tanh(logits / cap), elementwise, as a new tensor.
"""

import torch


def soft_cap(logits: torch.Tensor, cap: float) -> torch.Tensor:
    """logits: any shape -> same shape and dtype; cap > 0."""
    raise NotImplementedError("logit-softcap: implement soft_cap(logits, cap)")
