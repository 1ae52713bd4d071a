"""What every right greedy decoder satisfies (grader/properties.py): at temperature 0 the same
call gives the same tokens, every time, whatever the global random seed (the probe seeds it
differently for each of the three calls). Broken, it voids the ablation stages (a decoder
that samples at temperature 0 would make them read like chance)."""

from grader.cases import generator, model_weights, randint
from grader.common_props import repeatable


def properties(seed: int) -> list:
    g = generator(seed, "properties: generate")
    inputs = {"prompt_ids": randint(g, 16, 4, 3), "max_new_tokens": 5, "end_token_id": -1,
              **model_weights(g, 16, 16, 8, 1, scale=0.3), "num_heads": 4, "temperature": 0.0}
    return [repeatable(inputs, options=tuple({"global_seed": 11 + i} for i in range(3)))]
