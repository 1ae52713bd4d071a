"""Hidden reference for grouped-query-attention: the solution, its cases and its known mistakes."""

import math

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def grouped_query_attention(q, k, v, causal=True):
    group = q.shape[1] // k.shape[1]
    k = k.repeat_interleave(group, dim=1)  # role: query head h uses kv head h // group
    v = v.repeat_interleave(group, dim=1)
    T, d = q.shape[-2], q.shape[-1]
    scores = q @ k.transpose(-2, -1) / math.sqrt(d)
    if causal:
        future = torch.ones(T, T, dtype=torch.bool).triu(1)  # role: keys after the query
        scores = scores.masked_fill(future, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def case(name, key, N, Hq, Hkv, T, d, about, causal=None, dtype=torch.float32):
        inputs = {
            "q": randn(g(key + "-q"), N, Hq, T, d, dtype=dtype),
            "k": torch.randn(N, Hkv, T, d, dtype=dtype),
            "v": randn(g(key + "-v"), N, Hkv, T, d, dtype=dtype),
        }
        if causal is not None:
            inputs["causal"] = causal
        return Case(name, inputs, about)

    return [
        case("GQA: 8 query heads, 2 kv heads (2, T 6, d 8)", "gqa", 2, 8, 2, 6, 8,
             "four query heads per kv head"),
        case("GQA: 6 query heads, 3 kv heads (1, T 5, d 4)", "gqa3", 1, 6, 3, 5, 4, "two query heads per kv head"),
        case("MHA: Hkv = Hq = 4 (2, T 5, d 8)", "mha", 2, 4, 4, 5, 8, "one kv head per query head"),
        case("MQA: Hkv = 1, Hq = 4 (2, T 7, d 8)", "mqa", 2, 4, 1, 7, 8, "every query head shares one kv head"),
        case("not causal (1, Hq 4, Hkv 2, T 6, d 8)", "bidir", 1, 4, 2, 6, 8, "every position sees every other",
             causal=False),
        case("one position (3, Hq 4, Hkv 2, T 1, d 8)", "t1", 3, 4, 2, 1, 8, "a single token attends to itself"),
        case("float64 (2, Hq 6, Hkv 2, T 5, d 16)", "f64", 2, 6, 2, 5, 16, "keep the input's dtype",
             dtype=torch.float64),
    ]


def _tiled(q, k, v, causal=True):
    group = q.shape[1] // k.shape[1]
    return _attend(q, k.repeat(1, group, 1, 1), v.repeat(1, group, 1, 1), causal)


def _attend(q, k, v, causal, scale=True, diag=1):
    T, d = q.shape[-2], q.shape[-1]
    scores = q @ k.transpose(-2, -1) / (math.sqrt(d) if scale else 1.0)
    if causal:
        scores = scores.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(diag), float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def _no_scale(q, k, v, causal=True):
    group = q.shape[1] // k.shape[1]
    return _attend(q, k.repeat_interleave(group, 1), v.repeat_interleave(group, 1), causal, scale=False)


def _mask_ignored(q, k, v, causal=True):
    group = q.shape[1] // k.shape[1]
    return _attend(q, k.repeat_interleave(group, 1), v.repeat_interleave(group, 1), False)


def _always_causal(q, k, v, causal=True):
    group = q.shape[1] // k.shape[1]
    return _attend(q, k.repeat_interleave(group, 1), v.repeat_interleave(group, 1), True)


MISTAKES = [
    Mistake("kv heads tiled instead of grouped", _tiled,
            "Query head h used kv head h % Hkv (k.repeat): this problem groups consecutive query heads, h // (Hq // Hkv).",
            "Use k.repeat_interleave(Hq // Hkv, dim=1)."),
    Mistake("scores not scaled", _no_scale, "The scores were not divided by sqrt(d).", "Divide q k^T by sqrt(d)."),
    Mistake("causal mask missing", _mask_ignored, "Positions attend to the future.",
            "Set the scores above the diagonal to -inf when causal."),
    Mistake("always causal", _always_causal, "The mask is applied even with causal=False.", "Mask only when causal."),
]
