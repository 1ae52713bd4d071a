"""Hidden reference for label-smoothing: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randint, randn
from grader.mistakes import Mistake


def label_smoothed_loss(logits, targets, smoothing=0.1):
    C = logits.shape[-1]
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # role: the loss on the target class
    uniform = -logp.sum(dim=-1) / C  # role: the loss against the uniform distribution over all C classes
    return ((1.0 - smoothing) * nll + smoothing * uniform).mean()


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def case(name, key, N, C, smoothing, about, scale=2.0, dtype=torch.float32):
        inputs = {"logits": randn(g(key), N, C, scale=scale, dtype=dtype), "targets": randint(g(key + "-t"), C, N)}
        if smoothing is not None:
            inputs["smoothing"] = smoothing
        return Case(name, inputs, about)

    return [
        case("typical (16, 10), default smoothing", "typical", 16, 10, None, "a batch of classifier logits"),
        case("few classes (12, 3), smoothing 0.3", "few", 12, 3, 0.3,
             "with 3 classes, smoothing / C and smoothing / (C - 1) differ by half"),
        case("large smoothing (8, 5), 0.6", "large-s", 8, 5, 0.6, "most of the mass is spread"),
        case("smoothing 0 (8, 7)", "zero", 8, 7, 0.0, "the plain cross-entropy"),
        case("large logits (6, 12), scale 80", "big", 6, 12, 0.2, "log(softmax) underflows; log_softmax does not",
             scale=80.0),
        case("float64 (10, 6), smoothing 0.25", "f64", 10, 6, 0.25, "keep the input's dtype", dtype=torch.float64),
    ]


def _other_classes_only(logits, targets, smoothing=0.1):
    C = logits.shape[-1]
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    others = (-logp.sum(dim=-1) - nll) / (C - 1)
    return ((1.0 - smoothing) * nll + smoothing * others).mean()


def _no_smoothing(logits, targets, smoothing=0.1):
    return label_smoothed_loss(logits, targets, 0.0)


def _summed(logits, targets, smoothing=0.1):
    return label_smoothed_loss(logits, targets, smoothing) * logits.shape[0]


def _target_weight_one(logits, targets, smoothing=0.1):
    C = logits.shape[-1]
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return (nll + smoothing * (-logp.sum(dim=-1) / C)).mean()


def _naive_log(logits, targets, smoothing=0.1):
    C = logits.shape[-1]
    p = torch.exp(logits) / torch.exp(logits).sum(-1, keepdim=True)
    logp = torch.log(p)
    nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return ((1.0 - smoothing) * nll + smoothing * (-logp.sum(dim=-1) / C)).mean()


MISTAKES = [
    Mistake("smoothing spread over the other classes only", _other_classes_only,
            "The smoothing mass goes to the C - 1 wrong classes (smoothing / (C - 1) each); this problem spreads it "
            "over all C classes, the target included (smoothing / C each).",
            "q = (1 - smoothing) * one_hot + smoothing / C, on every class."),
    Mistake("smoothing ignored", _no_smoothing, "The result is the plain cross-entropy.",
            "Mix in smoothing times the loss against the uniform distribution."),
    Mistake("summed over rows", _summed, "The row losses are summed, not averaged.", "Take the mean over rows."),
    Mistake("target weight not reduced", _target_weight_one,
            "The target class keeps weight 1 instead of 1 - smoothing: q does not sum to 1.",
            "Weight the target's -log p by (1 - smoothing)."),
    Mistake("log of softmax", _naive_log, "log(softmax) underflows to -inf for large logits.",
            "Use torch.log_softmax."),
]
