"""What every right decode step satisfies beyond its ablation stages (grader/properties.py),
through the problem's probe (every position decoded from a zero cache): a sequence's logits
do not depend on the other sequences of the batch, and the same decoding run twice gives
the same logits (nothing kept between calls). And one step handed a filled cache reads it:
two different caches give different logits (the same one twice, the same logits)."""

import torch

from grader.cases import generator, model_weights, randint, randn
from grader.common_props import batch_swap, causal_prefix, repeatable
from grader.properties import Broken, Property
from grader.propkit import near, show, tensor


def reads_its_cache(outs, trials):
    """(cache A, cache B, cache A): a right step's logits follow the cache it is handed."""
    a, b, again = (tensor(o) for o in outs)
    if a is None or b is None or again is None or a.shape != b.shape or not near(a, again, 1e-9, 1e-7):
        return None  # not repeatable: the repeatability property says so
    if not near(a, b, 1e-9, 1e-7):
        return None
    return Broken(f"the step at index {trials[0]['input_ids'].shape[1] - 1}, handed two different filled caches, "
                  f"returned the same logits {show(a[0])}",
                  "the step ignores the cache it is handed: its keys and values come from somewhere else (kept "
                  "between calls, or recomputed), not from `cache`")


def _handed(g, inputs, T, max_len):
    """Inputs for one step at index T - 1 with a random cache filled for positions < T - 1."""
    blocks, heads = inputs["blocks_weights"].shape[0], inputs["num_heads"]
    N, d = inputs["input_ids"].shape[0], inputs["w_emb"].shape[1]
    cache = torch.zeros(blocks, 2, N, heads, max_len, d // heads, dtype=torch.float64)
    cache[:, :, :, :, :T - 1] = randn(g, blocks, 2, N, heads, T - 1, d // heads, dtype=torch.float64)
    return dict(inputs, input_ids=inputs["input_ids"][:, :T], cache=cache)


def properties(seed: int) -> list:
    g = generator(seed, "properties: kv-cache")
    inputs = {"input_ids": randint(g, 20, 3, 5), "max_len": 6,
              **model_weights(g, 20, 16, 6, 2, dtype=torch.float64), "num_heads": 4}
    a, b = _handed(g, inputs, 4, 6), _handed(g, inputs, 4, 6)
    return [repeatable(inputs), batch_swap(inputs, ("input_ids",)), causal_prefix(inputs, "input_ids"),
            Property("reading the cache it is handed", (a, b, a), reads_its_cache,
                     "the step ignores the cache it is handed", "one step at index 3, handed a cache filled with "
                     "random keys and values, then another, then the first again",
                     "Attend over cache[i, 0/1, :, :, :index + 1], the cache passed in, after writing this "
                     "position into it.")]
