"""Problem 5 - mlm-forward.  Run `grader show mlm-forward` for the statement.

Write `mlm_forward(...)`: a BERT-style masked language model, logits at the masked positions.
    x = w_emb[input_ids] + pos_embed[:T]                 # (N, T, d)
    for each block:  x = x + MHA(LN(x))                  # bidirectional: no attention mask
                     x = x + GELU(LN(x) @ w_mlp1) @ w_mlp2
    return x[mask_indicator > 0.5] @ w_head              # (M, V), row-major (batch, then time)
No final layer norm. (0, V) when nothing is masked. Paste your earlier pieces in, or
import them from your workspace files (e.g. `from transformer_block import pre_ln_block`).
"""

import torch


def mlm_forward(input_ids: torch.Tensor, w_emb: torch.Tensor, pos_embed: torch.Tensor,
                blocks_weights: torch.Tensor, w_head: torch.Tensor, mask_indicator: torch.Tensor,
                num_heads: int) -> torch.Tensor:
    """input_ids (N, T) int64; w_emb (V, d); pos_embed (max_len, d); blocks_weights (num_blocks, 6, d, d);
    w_head (d, V); mask_indicator (N, T) of 0.0 / 1.0  ->  (M, V) logits at the masked positions."""
    raise NotImplementedError("mlm-forward: implement mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, "
                              "w_head, mask_indicator, num_heads)")
