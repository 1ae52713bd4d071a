"""Hidden reference for last-token-pool: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randint, randn
from grader.mistakes import Mistake


def last_token_pool(hidden, attention_mask):
    last = attention_mask.sum(dim=1) - 1  # (N,): index of each sequence's last real token
    return hidden[torch.arange(hidden.shape[0]), last]


def _mask(lengths, T):
    return (torch.arange(T)[None, :] < lengths[:, None]).long()


def _padded(g, N, T, d, dtype=torch.float32):
    hidden = randn(g, N, T, d, dtype=dtype)
    lengths = T - randint(g, T, N)  # between 1 and T real tokens
    return {"hidden": hidden, "attention_mask": _mask(lengths, T)}


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    full = g("full")
    return [
        Case("typical padded (4, 9, 8)", _padded(g("typical"), 4, 9, 8), "sequences of different lengths"),
        Case("many sequences (12, 6, 4)", _padded(g("many"), 12, 6, 4), "most lengths from 1 to T appear"),
        Case("no padding (3, 5, 4)", {"hidden": randn(full, 3, 5, 4), "attention_mask": torch.ones(3, 5, dtype=torch.long)},
             "the last position is the last token"),
        Case("single sequence (1, 7, 6)", _padded(g("single"), 1, 7, 6), "a batch of one"),
        Case("float64 (3, 8, 5)", _padded(g("f64"), 3, 8, 5, dtype=torch.float64), "keep the input's dtype"),
    ]


def _last_position(hidden, attention_mask):
    return hidden[:, -1]


def _first_padding(hidden, attention_mask):
    last = attention_mask.sum(dim=1).clamp(max=hidden.shape[1] - 1)
    return hidden[torch.arange(hidden.shape[0]), last]


def _mean_pool(hidden, attention_mask):
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1)


def _first_token(hidden, attention_mask):
    return hidden[:, 0]


MISTAKES = [
    Mistake("last position, mask ignored", _last_position,
            "hidden[:, -1] is padding for every sequence shorter than T.",
            "Index each row at attention_mask.sum(1) - 1."),
    Mistake("off by one (first padding position)", _first_padding,
            "The index is the number of real tokens, one past the last one.", "Subtract 1."),
    Mistake("mean pooling", _mean_pool, "The real tokens were averaged; the last one is asked for.",
            "Pick a single position per row."),
    Mistake("first token", _first_token, "The first position was taken.", "Take the last real token."),
]
