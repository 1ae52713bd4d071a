"""kv-cache probe (runs in the sandbox): drive the learner's step and count its work.

Every call gets a cache a correct implementation filled. Without a `cache` input, call
the step for every position of `input_ids`, the call at index t with `reference_cache`
(the reference's cache after all the steps) zeroed from position t on, as
problems/kv-cache/judge.py's `cache_before` says. With one (filled for positions <
index), call the step once, at the last index. With a `schedule` (rows: index, whose
tokens, whose cache), the calls interleave two sequences and hand some steps a cache
filled for the other sequence's tokens: a step that keeps the token history between
calls gives that history's logits, not the ones the cache it is handed implies. Every
call's work is counted: FLOPs of matrix multiplies, as FlopCounterMode counts them
(2 * m * k * n per product), and the elements every other op computes, by a small
dispatch mode: FlopCounterMode's own mode imports torch._dynamo (and sympy) on first
use, seconds in every sandboxed run. The parent judges.
"""

import torch
from torch.utils._python_dispatch import TorchDispatchMode

aten = torch.ops.aten


class MatmulFlops(TorchDispatchMode):
    """Counts 2 * m * k * n for every matrix product the aten layer sees (mm, addmm,
    bmm, baddbmm; also mv, addmv and dot, which FlopCounterMode leaves out) in `total`,
    and in `work` what every op computes, whatever it is named: a product its FLOPs, a
    view nothing, any other op the elements it reads or writes, whichever is more (a
    broadcast multiply (N, t, d, d) writes N t d d elements, the sum over it reads them).
    A step that redoes the prefix with broadcast products and sums, or loops of them,
    costs what it computes."""

    PRODUCTS = {aten.mm: 0, aten.bmm: 0, aten.addmm: 1, aten.baddbmm: 1, aten.mv: 0, aten.addmv: 1, aten.dot: 0,
                aten.vdot: 0}
    FREE = {aten._unsafe_view, aten.lift_fresh, aten.detach, aten.alias, aten._local_scalar_dense}

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        return False  # as in the guard: no lazy torch._dynamo import for a mode that never compiles

    def __init__(self):
        super().__init__()
        self.total = 0
        self.work = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        packet = func.overloadpacket
        first = self.PRODUCTS.get(packet)
        if first is not None:
            a, b = args[first], args[first + 1]
            # a: (..., m, k) or (k,); b: (..., k, n) or (k,): 2 * (a.numel() * n), n = 1 for a vector b.
            flops = 2 * a.numel() * (b.shape[-1] if b.dim() >= 2 else 1)
            self.total += flops
            self.work += flops
        elif not func.is_view and packet not in self.FREE:
            self.work += max(_elements(args) + _elements((kwargs or {}).values()), _elements((out,)))
        return out


def _elements(values) -> int:
    """Elements of every tensor among `values` (lists of tensors included)."""
    n = 0
    for v in values:
        if isinstance(v, torch.Tensor):
            n += v.numel()
        elif isinstance(v, (list, tuple)):
            n += sum(x.numel() for x in v if isinstance(x, torch.Tensor))
    return n


class _NotCounted:
    """In place of MatmulFlops when nobody reads the counts: no dispatch mode, counts of 0."""

    total = work = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


IDS = ("input_ids", "other_ids")  # whose tokens a scheduled call gets
CACHES = ("reference_cache", "other_cache")  # whose cache


def step_calls(inputs) -> list[tuple[int, str, str]]:
    """(index, tokens from, cache from) of every call, as problems/kv-cache/judge.py's step_calls."""
    if "schedule" in inputs:
        return [(int(t), IDS[int(a)], CACHES[int(b)]) for t, a, b in inputs["schedule"].tolist()]
    T = inputs["input_ids"].shape[1]
    if "cache" in inputs:
        return [(T - 1, "input_ids", "cache")]
    return [(t, "input_ids", "reference_cache") for t in range(T)]


def cache_before(inputs, call):
    """The cache a call is handed (the same as the judge's `cache_before`)."""
    t, _, key = call
    if key == "cache":
        return inputs["cache"]
    cache = inputs[key].clone()
    cache[:, :, :, :, t:] = 0
    return cache


def zero_cache(inputs):
    """An empty cache for `inputs` (the ablation stages decode from one, step after step)."""
    ids, w_emb, blocks = inputs["input_ids"], inputs["w_emb"], inputs["blocks_weights"]
    heads = inputs["num_heads"]
    return torch.zeros(blocks.shape[0], 2, ids.shape[0], heads, inputs["max_len"], w_emb.shape[1] // heads,
                       dtype=w_emb.dtype)


def probe(entry, inputs, ctx):
    w_emb, pos_embed, blocks_weights = inputs["w_emb"], inputs["pos_embed"], inputs["blocks_weights"]
    num_heads = inputs["num_heads"]
    calls = step_calls(inputs)
    # A caller that reads only "output" (the grader's table of the reference's variants) skips the count.
    counting = not getattr(ctx, "outputs_only", False)
    # Without a reference cache (the explanations' ablation stages), the steps chain their own caches.
    chained = "cache" not in inputs and inputs.get("reference_cache") is None
    running = zero_cache(inputs) if chained else None
    logits, caches, flops, work = [], [], [], []
    for call in calls:
        t, ids = call[0], inputs[call[1]]
        counter = MatmulFlops() if counting else _NotCounted()
        with counter:
            result = ctx.call(entry, token_ids=ids[:, t].clone(), index=t,
                              cache=running if chained else cache_before(inputs, call), w_emb=w_emb,
                              pos_embed=pos_embed, blocks_weights=blocks_weights, num_heads=num_heads)
        flops.append(int(counter.total))
        work.append(int(counter.work))
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
    return {"output": output, "logits": logits, "caches": caches, "flops": flops, "work": work,
            "inputs_after": after}
