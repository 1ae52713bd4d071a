"""Problem 26 - last-token-pool.  Run `grader show last-token-pool` for the statement.

Write `last_token_pool(hidden, attention_mask)`: for each sequence, the hidden state of its
last real token (the mask is 1 for real tokens, then 0 for right padding).
"""

import torch


def last_token_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """hidden: (N, T, d), attention_mask: int64 (N, T) -> (N, d), same dtype as hidden."""
    raise NotImplementedError("last-token-pool: implement last_token_pool(hidden, attention_mask)")
