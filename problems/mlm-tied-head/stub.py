"""Problem 6 - mlm-tied-head.  Run `grader show mlm-tied-head` for the statement.

Write `mlm_forward_tied(...)`: `mlm-forward` with the head tied to the embedding.
    x = w_emb[input_ids] + pos_embed[:T]                 # (N, T, d)
    for each block:  x = x + MHA(LN(x))                  # bidirectional: no attention mask
                     x = x + GELU(LN(x) @ w_mlp1) @ w_mlp2
    return x[mask_indicator > 0.5] @ w_emb.T             # (M, d) @ (d, V): the embedding is the head
No final layer norm. (0, V) when nothing is masked. Transpose w_emb; do not reshape it.
"""

import torch


def mlm_forward_tied(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                     blocks_weights: torch.Tensor, mask_indicator: torch.Tensor, num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    raise NotImplementedError("mlm-tied-head: implement mlm_forward_tied(input_ids, w_emb, pos_embed, "
                              "blocks_weights, mask_indicator, num_heads)")
