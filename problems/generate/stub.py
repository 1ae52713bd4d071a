"""Problem 13 - generate.  Run `grader show generate` for the statement.

Write `generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights,
num_heads, temperature=0.0, top_k=None, generator=None)`:

    ids = prompt_ids                                   # (N, T0) int64
    repeat max_new_tokens times:
        logits = causal_lm_forward(ids, ...)[:, -1]    # the LAST position, (N, V)
        next = argmax(logits)                          if temperature == 0 (top_k ignored)
             = sample(top_k_probs(logits, temperature, top_k), generator)   otherwise
               (softmax(logits / temperature) when top_k is None)
        rows that already emitted end_token_id get end_token_id instead
        ids = cat([ids, next[:, None]], dim=1)
    return ids                                         # (N, T0 + max_new_tokens) int64

An end token inside the prompt does not stop a row. All randomness comes from `generator`.
"""

import torch


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """prompt_ids: (N, T0) int64 -> (N, T0 + max_new_tokens) int64."""
    raise NotImplementedError("generate: implement generate(prompt_ids, max_new_tokens, end_token_id, ...)")
