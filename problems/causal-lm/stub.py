"""Problem 7 - causal-lm.  Run `grader show causal-lm` for the statement.

Write `causal_lm_forward(...)`: GPT-2's forward pass, logits at every position.
    x = w_emb[input_ids] + pos_embed[:T]                 # (N, T, d)
    for each block:  x = x + MHA(LN(x), causal=True)     # position i attends to positions j <= i
                     x = x + GELU(LN(x) @ w_mlp1) @ w_mlp2
    x = LN(x)                                            # ln_f, the final layer norm
    return x @ w_emb.T                                   # (N, T, V): the tied head
Causal: hide the scores of keys j > i with -inf before the softmax; keep the diagonal.
"""

import torch


def causal_lm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                      blocks_weights: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d)
    ->  (N, T, V) logits."""
    raise NotImplementedError("causal-lm: implement causal_lm_forward(input_ids, w_emb, pos_embed, "
                              "blocks_weights, num_heads)")
