"""Problem 20 - softmax-temperature.  Run `grader show softmax-temperature` for the statement.

Write `softmax_t(logits, temperature)`: softmax(logits / temperature) over the last
dimension, subtracting the row maximum before exp.
"""

import torch


def softmax_t(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """logits: (..., V) -> probabilities (..., V), same dtype."""
    raise NotImplementedError("softmax-temperature: implement softmax_t(logits, temperature)")
