"""Problem 22 - grouped-query-attention.  Run `grader show grouped-query-attention` for the statement.

Write `grouped_query_attention(q, k, v, causal)`: query head h attends with key/value head
h // (Hq // Hkv); scaled dot-product attention per head, causal by default.
"""

import math

import torch


def grouped_query_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool = True) -> torch.Tensor:
    """q: (N, Hq, T, d); k, v: (N, Hkv, T, d) -> (N, Hq, T, d), same dtype."""
    raise NotImplementedError("grouped-query-attention: implement grouped_query_attention(q, k, v, causal)")
