"""Problem 19 - masked-mean-pool.  Run `grader show masked-mean-pool` for the statement.

Write `masked_mean_pool(h, mask)`: the mean of h over the positions where mask is True,
zeros for a row with no True position.
"""

import torch


def masked_mean_pool(h: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """h: (N, T, d); mask: (N, T) bool -> (N, d), same dtype as h."""
    raise NotImplementedError("masked-mean-pool: implement masked_mean_pool(h, mask)")
