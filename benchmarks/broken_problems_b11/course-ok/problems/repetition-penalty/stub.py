"""Problem 21 - repetition-penalty.  Run `grader show repetition-penalty` for the statement.

Write `repetition_penalty(logits, input_ids, penalty)`: for every token that occurs in
a row's input_ids, divide its logit by penalty if it is positive and multiply it by
penalty if it is negative; other tokens keep their logits.
"""

import torch


def repetition_penalty(logits: torch.Tensor, input_ids: torch.Tensor, penalty: float) -> torch.Tensor:
    """logits: (N, V) or (V,); input_ids: (N, L) or (L,) int64 -> logits, same shape and dtype."""
    raise NotImplementedError("repetition-penalty: implement repetition_penalty(logits, input_ids, penalty)")
