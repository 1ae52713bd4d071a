"""What every right decode step satisfies beyond its ablation stages (grader/properties.py),
through the problem's probe (every position decoded from a zero cache): a sequence's logits
do not depend on the other sequences of the batch, and the same decoding run twice gives
the same logits (nothing kept between calls)."""

import torch

from grader.cases import generator, model_weights, randint
from grader.common_props import batch_swap, causal_prefix, repeatable


def properties(seed: int) -> list:
    g = generator(seed, "properties: kv-cache")
    inputs = {"input_ids": randint(g, 20, 3, 5), "max_len": 6,
              **model_weights(g, 20, 16, 6, 2, dtype=torch.float64), "num_heads": 4}
    return [repeatable(inputs), batch_swap(inputs, ("input_ids",)), causal_prefix(inputs, "input_ids")]
