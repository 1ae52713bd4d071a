"""Hidden reference for cross-entropy-ignore: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randint, randn
from grader.mistakes import Mistake


def cross_entropy(logits, targets, ignore_index=-100):
    logp = torch.log_softmax(logits, dim=-1)
    keep = targets != ignore_index  # role: the positions that count
    safe = targets.masked_fill(~keep, 0)  # any valid class; its loss is zeroed below
    nll = -logp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    nll = nll * keep
    return nll.sum() / keep.sum()  # role: the mean over the kept positions only


def _mark(targets, drop, ignore_index=-100):
    """The targets with the positions in `drop` set to ignore_index (a new tensor)."""
    targets.masked_fill(drop, ignore_index)
    return targets


def _targets(g, C, *shape, ignore_index=-100, frac=0.3):
    t = randint(g, C, *shape)
    drop = torch.rand(*shape, generator=g) < frac
    drop.view(-1)[0] = False  # at least one kept position
    drop.view(-1)[-1] = True  # at least one ignored position
    return _mark(t, drop, ignore_index)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    lengths = torch.tensor([12, 7, 4])
    padding = torch.arange(12)[None, :] >= lengths[:, None]  # after each sequence's end
    padded = _mark(randint(g("lm-t"), 30, 3, 12), padding)
    custom = _targets(g("custom-t"), 5, 5, 8, ignore_index=-1) + 1  # classes 1..5; -1 + 1 = 0 marks ignored
    many = _targets(g("many-t"), 10, 40, frac=0.85)
    return [
        Case("typical (8, 10), some rows ignored", {"logits": randn(g("typical"), 8, 10, scale=2.0),
                                                    "targets": _targets(g("typical-t"), 10, 8)},
             "ignored rows count neither in the sum nor in the mean"),
        Case("LM logits (3, 12, 30), padded", {"logits": randn(g("lm"), 3, 12, 30, scale=2.0), "targets": padded},
             "sequences of different lengths, padding marked with -100"),
        Case("custom ignore_index = 0", {"logits": randn(g("custom"), 5, 8, 6, scale=1.5), "targets": custom,
                                         "ignore_index": 0},
             "use the ignore_index you are given (0, otherwise a valid class)"),
        Case("mostly ignored (40, 10)", {"logits": randn(g("many"), 40, 10, scale=2.0), "targets": many},
             "divide by the number of kept positions, not of all positions"),
        Case("large logits (6, 20), scale 100", {"logits": randn(g("large"), 6, 20, scale=100.0),
                                                 "targets": _targets(g("large-t"), 20, 6)},
             "log(softmax) underflows to -inf; log_softmax does not"),
        Case("float64 (2, 9, 16)", {"logits": randn(g("f64"), 2, 9, 16, dtype=torch.float64, scale=2.0),
                                    "targets": _targets(g("f64-t"), 16, 2, 9)},
             "keep the input's dtype"),
    ]


def _keep(targets, ignore_index):
    return targets != ignore_index


def _mean_over_all(logits, targets, ignore_index=-100):
    keep = _keep(targets, ignore_index)
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, targets.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1) * keep
    return nll.sum() / keep.numel()


def _ignored_as_class_zero(logits, targets, ignore_index=-100):
    keep = _keep(targets, ignore_index)
    logp = torch.log_softmax(logits, dim=-1)
    nll = -logp.gather(-1, targets.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1)
    return nll.mean()


def _fixed_ignore_index(logits, targets, ignore_index=-100):
    return cross_entropy(logits, targets, -100)


def _sum(logits, targets, ignore_index=-100):
    keep = _keep(targets, ignore_index)
    return cross_entropy(logits, targets, ignore_index) * keep.sum()


def _naive_log(logits, targets, ignore_index=-100):
    keep = _keep(targets, ignore_index)
    logp = torch.log(torch.exp(logits) / torch.exp(logits).sum(-1, keepdim=True))
    nll = -logp.gather(-1, targets.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1) * keep
    return nll.sum() / keep.sum()


MISTAKES = [
    Mistake("mean over all positions", _mean_over_all,
            "The ignored positions are left out of the sum but still counted in the mean: the loss is too small.",
            "Divide by the number of non-ignored positions, (targets != ignore_index).sum()."),
    Mistake("ignored positions scored as class 0", _ignored_as_class_zero,
            "Ignored positions contribute -log p(class 0) instead of nothing.",
            "Multiply each position's loss by the keep mask before summing, and average over the kept ones."),
    Mistake("ignore_index argument not used", _fixed_ignore_index,
            "The code always ignores -100, whatever ignore_index it is given.",
            "Compare targets with the ignore_index parameter."),
    Mistake("sum instead of mean", _sum, "The losses are summed, not averaged.",
            "Divide the sum by the number of kept positions."),
    Mistake("log of softmax", _naive_log,
            "log(exp(z) / sum exp(z)) overflows or underflows for large logits and gives inf or NaN.",
            "Use torch.log_softmax, or subtract the row maximum: z - max - log(sum(exp(z - max)))."),
]
