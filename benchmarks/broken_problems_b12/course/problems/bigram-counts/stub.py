"""Problem 29 - bigram-counts.  Run `grader show bigram-counts` for the statement.

Write `bigram_counts(ids, vocab_size)`: C[a, b] = how often b directly follows a within a
row of ids, as a float32 (vocab_size, vocab_size) tensor.
"""

import torch


def bigram_counts(ids: torch.Tensor, vocab_size: int) -> torch.Tensor:
    """ids: int64 (N, T) -> float32 (vocab_size, vocab_size)."""
    raise NotImplementedError("bigram-counts: implement bigram_counts(ids, vocab_size)")
