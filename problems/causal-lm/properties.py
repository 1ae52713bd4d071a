"""What every right causal language model satisfies beyond its ablation stages
(grader/evidence/properties.py): a sequence's logits do not depend on the other sequences of the
batch, and the logits keep the weights' dtype and are logits (not rows of probabilities)."""

import torch

from grader.cases import generator, model_weights, randint
from grader.common_props import batch_swap, causal_prefix, keeps_dtype, logits_not_probabilities


def properties(seed: int) -> list:
    g = generator(seed, "properties: causal-lm")
    inputs = {"input_ids": randint(g, 20, 3, 6), **model_weights(g, 20, 16, 8, 2, dtype=torch.float64),
              "num_heads": 4}
    return [keeps_dtype(inputs, "w_emb"), batch_swap(inputs, ("input_ids",)), causal_prefix(inputs, "input_ids"),
            logits_not_probabilities(inputs)]
