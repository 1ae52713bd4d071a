"""Problem 28 - frequency-penalty.  Run `grader show frequency-penalty` for the statement.

Write `apply_penalties(logits, generated_ids, frequency_penalty, presence_penalty)`:
subtract frequency_penalty once per earlier occurrence of each token and presence_penalty
once for any token that occurred.
"""

import torch


def apply_penalties(logits: torch.Tensor, generated_ids: torch.Tensor,
                    frequency_penalty: float, presence_penalty: float) -> torch.Tensor:
    """logits: (N, V), generated_ids: int64 (N, L) -> (N, V), same dtype as logits."""
    raise NotImplementedError("frequency-penalty: implement apply_penalties(...)")
