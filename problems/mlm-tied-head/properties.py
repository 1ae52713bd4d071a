"""What every right masked language model with a tied head satisfies beyond its ablation stages
(grader/evidence/properties.py): a sequence's logits do not depend on which batch row it sits in or
on the other sequences of the batch (every sequence has the same number of masked positions,
so its logits are a fixed block of the output's rows), the logits of a position do not
depend on which other positions are masked, and the logits keep the weights' dtype and are
logits (not rows of probabilities)."""

import torch

from grader.cases import generator, model_weights, randint
from grader.common_props import batch_swap, keeps_dtype, logits_not_probabilities, mask_only_selects

MASKED = (1, 4)  # the masked positions of sequence n are these, shifted by n


def properties(seed: int) -> list:
    g = generator(seed, "properties: mlm-tied-head")
    N, T = 3, 6
    mask = torch.zeros(N, T, dtype=torch.float64)
    for n in range(N):
        mask[n, [(m + n) % T for m in MASKED]] = 1.0
    inputs = {"input_ids": randint(g, 20, N, T), **model_weights(g, 20, 16, 8, 2, dtype=torch.float64),
              "mask_indicator": mask, "num_heads": 4}
    return [keeps_dtype(inputs, "w_emb"),
            batch_swap(inputs, ("input_ids",), rows_each=len(MASKED), carried=("mask_indicator",)),
            mask_only_selects(inputs, "mask_indicator"), logits_not_probabilities(inputs)]
