"""Problem 4 - transformer-block.  Run `grader show transformer-block` for the statement.

Write `pre_ln_block(x, block_weights, num_heads, causal=False)`, a pre-LN transformer block:
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights          # each (d, d)
    x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
layer_norm: no parameters, eps = 1e-5; gelu: the tanh approximation.
You may import your earlier solutions: `from attention import multi_head_attention`, etc.
"""

import math

import torch


def pre_ln_block(x: torch.Tensor, block_weights: torch.Tensor, num_heads: int, causal: bool = False) -> torch.Tensor:
    """x: (N, T, d); block_weights: (6, d, d) -> (N, T, d), same dtype as x."""
    raise NotImplementedError("transformer-block: implement pre_ln_block(x, block_weights, num_heads, causal)")
