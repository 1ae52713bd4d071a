"""Problem 21 - perplexity.  Run `grader show perplexity` for the statement.

Write `perplexity(logits, targets)`: exp of the mean negative log-likelihood of the
targets under softmax(logits), over every position of every sequence.
"""

import torch


def perplexity(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """logits: (N, T, V), targets: int64 (N, T) -> 0-d tensor, same dtype as logits."""
    raise NotImplementedError("perplexity: implement perplexity(logits, targets)")
