"""Problem 20 - softmax-temperature.  Run `grader show softmax-temperature` for the statement.

Write `softmax_with_temperature(logits, temperature)`: softmax(logits / temperature) over
the last dimension, without overflow and without modifying logits.
"""

import torch


def softmax_with_temperature(logits: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """logits: (..., V) -> probabilities (..., V), same dtype."""
    raise NotImplementedError("softmax-temperature: implement softmax_with_temperature(logits, temperature)")
