"""Hidden reference for ce-ignore-index: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randint, randn
from grader.mistakes import Mistake


def lm_cross_entropy(logits, targets, ignore_index=-100):
    logp = torch.log_softmax(logits, dim=-1)
    keep = targets != ignore_index
    safe = targets.masked_fill(~keep, 0)
    nll = -logp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    return (nll * keep).sum() / keep.sum()


def _case(seed, name, about, N, T, V, *, ignore_index=None, lengths=None, drop=0.0, dtype=torch.float32,
          scale=2.0):
    g = generator(seed, name)
    logits = randn(g, N, T, V, dtype=dtype, scale=scale)
    fill = -100 if ignore_index is None else ignore_index
    low = 1 if fill == 0 else 0  # with ignore_index = 0, real targets avoid id 0
    targets = randint(g, V - low, N, T) + low
    if lengths is not None:  # padding at the end of each row
        for n, length in enumerate(lengths):
            targets[n, length:] = fill
    if drop:
        dropped = torch.rand(N, T, generator=g) < drop
        dropped[0, 0] = False  # at least one position counts
        targets = targets.masked_fill(dropped, fill)
    inputs = {"logits": logits, "targets": targets}
    if ignore_index is not None:
        inputs["ignore_index"] = ignore_index
    return Case(name, inputs, about)


def cases(seed: int) -> list[Case]:
    return [
        _case(seed, "padded batch (3, 6, 11), default ignore_index", "rows of lengths 6, 4 and 2",
              3, 6, 11, lengths=[6, 4, 2]),
        _case(seed, "nothing ignored (2, 5, 9)", "every position counts", 2, 5, 9, ignore_index=-100),
        _case(seed, "ignore_index = 0 (3, 7, 10)", "padding token 0 is the ignored id", 3, 7, 10, ignore_index=0,
              lengths=[7, 5, 3]),
        _case(seed, "mostly ignored (4, 8, 12)", "about 80% of positions ignored, scattered", 4, 8, 12,
              ignore_index=-1, drop=0.8),
        _case(seed, "large logits (2, 5, 8)", "logits spread by hundreds: use log_softmax", 2, 5, 8,
              lengths=[5, 3], scale=300.0),
        _case(seed, "float64 (2, 6, 10)", "keep the input's dtype", 2, 6, 10, lengths=[4, 6], dtype=torch.float64),
    ]


def _mean_over_all(logits, targets, ignore_index=-100):
    logp = torch.log_softmax(logits, dim=-1)
    keep = targets != ignore_index
    nll = -logp.gather(-1, targets.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1)
    return (nll * keep).mean()


def _ignored_as_token_zero(logits, targets, ignore_index=-100):
    logp = torch.log_softmax(logits, dim=-1)
    safe = targets.masked_fill(targets == ignore_index, 0)
    return (-logp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)).mean()


def _hardcoded_minus_100(logits, targets, ignore_index=-100):
    logp = torch.log_softmax(logits, dim=-1)
    keep = (targets != -100) & (targets >= 0) & (targets < logits.shape[-1])
    safe = targets.masked_fill(~keep, 0)
    nll = -logp.gather(-1, safe.unsqueeze(-1)).squeeze(-1)
    return (nll * keep).sum() / keep.sum()


def _per_row_mean(logits, targets, ignore_index=-100):
    logp = torch.log_softmax(logits, dim=-1)
    keep = targets != ignore_index
    nll = -logp.gather(-1, targets.masked_fill(~keep, 0).unsqueeze(-1)).squeeze(-1)
    per_row = (nll * keep).sum(-1) / keep.sum(-1).clamp(min=1)
    return per_row.mean()


MISTAKES = [
    Mistake("mean over every position", _mean_over_all,
            "Ignored positions were zeroed but still counted in the denominator: the loss is too small.",
            "Divide by the number of kept positions, keep.sum()."),
    Mistake("ignored positions scored as token 0", _ignored_as_token_zero,
            "The ignored targets were replaced by 0 and scored like real ones.",
            "Drop the ignored positions from both the sum and the count."),
    Mistake("ignore_index argument not used (-100 assumed)", _hardcoded_minus_100,
            "Only -100 is treated as ignored; the case's ignore_index is another id.", "Compare with ignore_index."),
    Mistake("mean of per-sequence means", _per_row_mean,
            "Each sequence's loss was averaged first, then the sequences: short sequences weigh too much.",
            "One mean over all kept positions of the batch."),
]
