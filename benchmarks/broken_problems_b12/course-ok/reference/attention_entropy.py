"""Hidden reference for attention-entropy: the solution, its cases and its known mistakes."""

import math

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def attention_entropy(weights):
    return -torch.xlogy(weights, weights).sum(dim=-1)  # xlogy(0, 0) = 0


def _weights(g, *shape, causal, scale=1.5, dtype=torch.float32):
    scores = randn(g, *shape, dtype=torch.float64, scale=scale)
    if causal:
        T = shape[-1]
        future = torch.ones(T, T, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(future, float("-inf"))
    return torch.softmax(scores, dim=-1).to(dtype)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    return [
        Case("causal heads (2, 4, 8, 8)", {"weights": _weights(g("causal"), 2, 4, 8, 8, causal=True)},
             "exact zeros above the diagonal: 0 log 0 = 0"),
        Case("full weights (3, 6, 10)", {"weights": _weights(g("full"), 3, 6, 10, causal=False)},
             "no zeros"),
        Case("nearly one-hot (2, 5, 12)", {"weights": _weights(g("peaked"), 2, 5, 12, causal=False, scale=8.0)},
             "entropy close to 0"),
        Case("long rows (2, 3, 200)", {"weights": _weights(g("long"), 2, 3, 200, causal=False)},
             "a long context"),
        Case("float64 causal (3, 9, 9)", {"weights": _weights(g("f64"), 3, 9, 9, causal=True, dtype=torch.float64)},
             "keep the input's dtype"),
    ]


def _nan_at_zero(weights):
    return -(weights * weights.log()).sum(dim=-1)


def _log2(weights):
    return attention_entropy(weights) / math.log(2)


def _mean(weights):
    return -torch.xlogy(weights, weights).mean(dim=-1)


def _wrong_axis(weights):
    return -torch.xlogy(weights, weights).sum(dim=-2)


MISTAKES = [
    Mistake("0 log 0 gives NaN", _nan_at_zero, "p * log(p) is 0 * -inf = NaN at masked keys.",
            "Use torch.xlogy(p, p), which is 0 where p is 0."),
    Mistake("entropy in bits", _log2, "The entropy is in bits (log base 2); nats are asked for.", "Use the natural log."),
    Mistake("mean instead of sum", _mean, "The terms were averaged over the keys.", "Sum over dim=-1."),
    Mistake("summed over the queries", _wrong_axis, "The sum ran over dim -2.", "Sum over the keys, dim=-1."),
]

# Other exact formulations: each must pass every case.
CORRECT_VARIANTS = [
    lambda weights: -torch.where(weights > 0, weights * weights.log(), torch.zeros_like(weights)).sum(dim=-1),
]
