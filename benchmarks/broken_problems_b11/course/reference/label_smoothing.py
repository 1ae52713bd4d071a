"""Hidden reference for label-smoothing: the solution, its cases and its known mistakes.

The convention is PyTorch's (F.cross_entropy(..., label_smoothing=s)): the smoothing
mass s is spread over all V classes, the target class included."""

import torch

from grader.cases import Case, generator, randint, randn
from grader.mistakes import Mistake


def label_smoothing_ce(logits, targets, smoothing=0.1):
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    uniform = -logp.mean(dim=-1)
    return ((1.0 - smoothing) * nll + smoothing * uniform).mean()


def _case(seed, name, about, N, V, smoothing=None, dtype=torch.float32, scale=2.0, shift=0.0):
    g = generator(seed, name)
    inputs = {"logits": randn(g, N, V, dtype=dtype, scale=scale, shift=shift), "targets": randint(g, V, N)}
    if smoothing is not None:
        inputs["smoothing"] = smoothing
    return Case(name, inputs, about)


def cases(seed: int) -> list[Case]:
    return [
        _case(seed, "typical (8, 10), default smoothing", "the default smoothing = 0.1", 8, 10),
        _case(seed, "smoothing = 0.3 (6, 5)", "use the smoothing you are given", 6, 5, 0.3),
        _case(seed, "smoothing = 0: plain cross-entropy (5, 7)", "no smoothing at all", 5, 7, 0.0),
        _case(seed, "one row (1, 12), smoothing = 0.2", "a batch of one", 1, 12, 0.2),
        _case(seed, "large logits (4, 9), smoothing = 0.1", "logits spread by hundreds: log(softmax) gives -inf",
              4, 9, 0.1, scale=300.0),
        _case(seed, "wide vocabulary (3, 500), smoothing = 0.15", "a realistic vocabulary", 3, 500, 0.15),
        _case(seed, "float64 (6, 8), smoothing = 0.25", "keep the input's dtype", 6, 8, 0.25, dtype=torch.float64),
    ]


def _other_classes(logits, targets, smoothing=0.1):
    logp = torch.log_softmax(logits, dim=-1)
    V = logits.shape[-1]
    nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    rest = (-logp.sum(dim=-1) - nll) / (V - 1)
    return ((1.0 - smoothing) * nll + smoothing * rest).mean()


def _sum_not_mean(logits, targets, smoothing=0.1):
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return ((1.0 - smoothing) * nll + smoothing * -logp.sum(dim=-1)).mean()


def _no_smoothing(logits, targets, smoothing=0.1):
    return label_smoothing_ce(logits, targets, 0.0)


def _naive_log(logits, targets, smoothing=0.1):
    logp = torch.log(torch.softmax(logits, dim=-1))
    nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return ((1.0 - smoothing) * nll + smoothing * -logp.mean(dim=-1)).mean()


def _batch_sum(logits, targets, smoothing=0.1):
    return label_smoothing_ce(logits, targets, smoothing) * logits.shape[0]


MISTAKES = [
    Mistake("smoothing spread over the other classes only", _other_classes,
            "The smoothing mass went to the V - 1 wrong classes; here (as in PyTorch) it is spread over all V.",
            "Use smoothing * (-logp).mean(-1), the target class included."),
    Mistake("uniform term summed, not averaged", _sum_not_mean,
            "smoothing multiplies the sum of -log p over the classes; it multiplies their mean.",
            "(-logp).mean(dim=-1), not .sum."),
    Mistake("smoothing ignored", _no_smoothing, "The loss is the plain cross-entropy.",
            "Add smoothing * (-logp).mean(-1) and scale the target term by 1 - smoothing."),
    Mistake("log of softmax", _naive_log,
            "log(softmax(x)) underflows to -inf for logits far below the row's maximum.",
            "Use torch.log_softmax."),
    Mistake("summed over the batch", _batch_sum, "The per-row losses are summed; the loss is their mean.",
            "Finish with .mean()."),
]
