"""Problem 12 - sample.  Run `grader show sample` for the statement.

Write `sample(probs, generator)`: draw one token id from each row of `probs`,
    probs: (N, V), every row non-negative and summing to 1
    returns (N,) int64, row i's id drawn with probability probs[i, id]
Take all randomness from `generator` (torch.rand(..., generator=generator)), so the
same generator seed gives the same draws whatever the global RNG does.
torch.multinomial, torch.distributions, `random` and numpy.random are banned.
"""

import torch


def sample(probs: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """probs: (N, V) -> (N,) int64 token ids."""
    raise NotImplementedError("sample: implement sample(probs, generator)")
