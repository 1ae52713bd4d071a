"""What every right pre-LN block satisfies beyond its ablation stages (grader/evidence/properties.py):
a sequence's output does not depend on the other sequences of the batch, and the output
keeps the input's dtype."""

import torch

from grader.cases import generator, randn
from grader.common_props import batch_swap, causal_prefix, keeps_dtype


def properties(seed: int) -> list:
    g = generator(seed, "properties: transformer-block")
    inputs = {"x": randn(g, 3, 5, 16, dtype=torch.float64),
              "block_weights": randn(g, 6, 16, 16, dtype=torch.float64, scale=16 ** -0.5),
              "num_heads": 4, "causal": True}
    return [keeps_dtype(inputs, "x"), batch_swap(inputs, ("x",)), causal_prefix(inputs, "x")]
