"""Hidden reference for min-p: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def min_p_probs(logits, min_p, temperature=1.0):
    scaled = logits / temperature
    probs = torch.softmax(scaled, dim=-1)
    threshold = min_p * probs.max(dim=-1, keepdim=True).values
    return torch.softmax(scaled.masked_fill(probs < threshold, float("-inf")), dim=-1)


def _far_from_threshold(logits, min_p, temperature):
    """No token but the top one within 1e-3 (in log-ratio) of the threshold, in float64
    (the top token is always kept, min_p = 1 included)."""
    s = logits.double() / temperature
    log_ratio = s - s.max(dim=-1, keepdim=True).values
    near = (log_ratio - torch.log(torch.tensor(min_p, dtype=torch.float64))).abs() <= 1e-3
    return not bool((near & (log_ratio < 0)).any())


def _case(name, g, shape, min_p, temperature, about, scale=2.0, dtype=torch.float32):
    gen = g(name)
    for _ in range(200):
        logits = randn(gen, *shape, scale=scale, dtype=dtype)
        if _far_from_threshold(logits, min_p, temperature):
            break
    else:  # pragma: no cover
        raise AssertionError(name)
    return Case(name, {"logits": logits, "min_p": min_p}, about)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    return [
        _case("typical (4, 40), min_p = 0.1, T = 0.7", g, (4, 40), 0.1, 0.7, "a batch of next-token logits"),
        _case("1-D (30,), min_p = 0.2, T = 1", g, (30,), 0.2, 1.0, "one row"),
        _case("3-D (2, 3, 25), min_p = 0.05, T = 1.3", g, (2, 3, 25), 0.05, 1.3, "every position"),
        _case("hot: T = 3, min_p = 0.3", g, (3, 30), 0.3, 3.0, "a flat distribution keeps more tokens"),
        _case("cold: T = 0.3, min_p = 0.02", g, (3, 30), 0.02, 0.3, "a sharp distribution keeps few"),
        _case("edge: min_p = 1", g, (3, 20), 1.0, 0.9, "only the most likely token survives"),
        _case("tiny min_p = 1e-4, T = 1.5", g, (2, 24), 1e-4, 1.5, "almost every token survives"),
        _case("float64 (3, 30), min_p = 0.1, T = 0.8", g, (3, 30), 0.1, 0.8, "keep the input's dtype",
              dtype=torch.float64),
    ]


def _not_renormalised(logits, min_p, temperature=1.0):
    probs = torch.softmax(logits / temperature, dim=-1)
    return probs.masked_fill(probs < min_p * probs.max(-1, keepdim=True).values, 0.0)


def _absolute_threshold(logits, min_p, temperature=1.0):
    scaled = logits / temperature
    probs = torch.softmax(scaled, dim=-1)
    return torch.softmax(scaled.masked_fill(probs < min_p, float("-inf")), dim=-1)


def _threshold_before_temperature(logits, min_p, temperature=1.0):
    probs = torch.softmax(logits, dim=-1)
    cut = probs < min_p * probs.max(-1, keepdim=True).values
    return torch.softmax((logits / temperature).masked_fill(cut, float("-inf")), dim=-1)


MISTAKES = [
    Mistake("not renormalised", _not_renormalised, "The cut tokens were zeroed but the kept ones not renormalised.",
            "Mask the logits with -inf and take the softmax again."),
    Mistake("absolute threshold", _absolute_threshold,
            "Tokens were kept when p >= min_p; min-p scales the bar by the top probability.",
            "threshold = min_p * probs.max(-1, keepdim=True).values."),
    Mistake("threshold before the temperature", _threshold_before_temperature,
            "The threshold was taken on softmax(logits), at temperature 1.", "Apply the temperature first."),
]
