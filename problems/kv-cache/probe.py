"""kv-cache probe (runs in the sandbox): drive the learner's step and count its work.

Every call gets a cache a correct implementation filled. Without a `cache` input, call
the step for every position of `input_ids`, the call at index t with `reference_cache`
(the reference's cache after all the steps) zeroed from position t on, as
problems/kv-cache/judge.py's `cache_before` says. With one (filled for positions <
index), call the step once, at the last index. Every call's work is counted in FLOPs of
matrix multiplies, as FlopCounterMode counts them (2 * m * k * n per product), by a
small dispatch mode: FlopCounterMode's own mode imports torch._dynamo (and sympy) on
first use, seconds in every sandboxed run. The parent judges.
"""

import torch
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten


class MatmulFlops(TorchDispatchMode):
    """Counts 2 * m * k * n for every matrix product the aten layer sees (mm, addmm,
    bmm, baddbmm; also mv, addmv and dot, which FlopCounterMode leaves out)."""

    PRODUCTS = {aten.mm: 0, aten.bmm: 0, aten.addmm: 1, aten.baddbmm: 1, aten.mv: 0, aten.addmv: 1, aten.dot: 0,
                aten.vdot: 0}

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False  # as in the guard: no lazy torch._dynamo import for a mode that never compiles

    def __init__(self):
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        first = self.PRODUCTS.get(func.overloadpacket)
        if first is not None:
            a, b = args[first], args[first + 1]
            # a: (..., m, k) or (k,); b: (..., k, n) or (k,): 2 * (a.numel() * n), n = 1 for a vector b.
            self.total += 2 * a.numel() * (b.shape[-1] if b.dim() >= 2 else 1)
        return func(*args, **(kwargs or {}))


def cache_before(inputs, t):
    """The cache the step at index t is handed (the same as the judge's `cache_before`)."""
    if "cache" in inputs:
        return inputs["cache"]
    cache = inputs["reference_cache"].clone()
    cache[:, :, :, :, t:] = 0
    return cache


def zero_cache(inputs):
    """An empty cache for `inputs` (the ablation stages decode from one, step after step)."""
    ids, w_emb, blocks = inputs["input_ids"], inputs["w_emb"], inputs["blocks_weights"]
    heads = inputs["num_heads"]
    return torch.zeros(blocks.shape[0], 2, ids.shape[0], heads, inputs["max_len"], w_emb.shape[1] // heads,
                       dtype=w_emb.dtype)


def probe(entry, inputs, ctx):
    ids = inputs["input_ids"]
    w_emb, pos_embed, blocks_weights = inputs["w_emb"], inputs["pos_embed"], inputs["blocks_weights"]
    num_heads = inputs["num_heads"]
    T = ids.shape[1]
    indices = [T - 1] if "cache" in inputs else list(range(T))
    # Without a reference cache (the explanations' ablation stages), the steps chain their own caches.
    chained = "cache" not in inputs and inputs.get("reference_cache") is None
    running = zero_cache(inputs) if chained else None
    logits, caches, flops = [], [], []
    for t in indices:
        counter = MatmulFlops()
        with counter:
            result = ctx.call(entry, token_ids=ids[:, t].clone(), index=t,
                              cache=running if chained else cache_before(inputs, t), w_emb=w_emb,
                              pos_embed=pos_embed, blocks_weights=blocks_weights, num_heads=num_heads)
        flops.append(int(counter.total))
        if type(result) not in (tuple, list) or len(result) != 2:
            return {"error": f"the step at index {t} returned a {type(result).__name__}; "
                             "expected a tuple (logits, cache)"}
        step_logits, cache = result
        if chained and type(cache) is torch.Tensor:
            running = cache
        # Copies now: a cache written in place later must not rewrite this record.
        logits.append(step_logits.detach().clone() if type(step_logits) is torch.Tensor else step_logits)
        caches.append(cache.detach().clone() if type(cache) is torch.Tensor else cache)
    after = {k: inputs[k] for k in ("input_ids", "w_emb", "pos_embed", "blocks_weights")}
    same = all(type(x) is torch.Tensor and x.shape == logits[0].shape and x.dtype == logits[0].dtype for x in logits)
    if "cache" in inputs:
        output = logits[0]
    else:
        output = torch.stack(logits, dim=1) if same else None
    return {"output": output, "logits": logits, "caches": caches, "flops": flops, "inputs_after": after}
