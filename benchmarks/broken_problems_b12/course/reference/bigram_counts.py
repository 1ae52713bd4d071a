"""Hidden reference for bigram-counts: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randint
from grader.mistakes import Mistake


def bigram_counts(ids, vocab_size):
    flat = (ids[:, :-1] * vocab_size + ids[:, 1:]).reshape(-1)  # one index per within-row pair
    counts = torch.bincount(flat, minlength=vocab_size * vocab_size)
    return counts.reshape(vocab_size, vocab_size).to(torch.float32)


TYPICAL = "typical (4, 16), V = 10"


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    return [
        Case(TYPICAL, {"ids": randint(g("typical"), 10, 4, 16), "vocab_size": 10}, "a batch of sequences"),
        Case("one long sequence (1, 300), V = 12", {"ids": torch.randint(0, 12, (1, 300)), "vocab_size": 12},
             "many pairs"),
        Case("edge: length 1 (5, 1)", {"ids": randint(g("len1"), 6, 5, 1), "vocab_size": 6},
             "no pairs at all: all zeros", options={"credit_with": TYPICAL}),
        Case("tiny vocabulary (6, 20), V = 3", {"ids": randint(g("tiny"), 3, 6, 20), "vocab_size": 3},
             "many repeats of every pair"),
        Case("larger vocabulary (3, 40), V = 50", {"ids": randint(g("wide"), 50, 3, 40), "vocab_size": 50},
             "mostly zeros, a few ones"),
    ]


def _across_rows(ids, vocab_size):
    flat = ids.reshape(1, -1)
    return bigram_counts(flat, vocab_size)


def _transposed(ids, vocab_size):
    return bigram_counts(ids, vocab_size).T


def _presence(ids, vocab_size):
    return (bigram_counts(ids, vocab_size) > 0).to(torch.float32)


def _normalised(ids, vocab_size):
    c = bigram_counts(ids, vocab_size)
    return c / c.sum(dim=1, keepdim=True).clamp(min=1)


MISTAKES = [
    Mistake("pairs across rows", _across_rows, "The rows were joined, so the last token of a row pairs with the "
            "first of the next.", "Pair ids[:, :-1] with ids[:, 1:] in each row."),
    Mistake("transposed", _transposed, "C[b, a] was counted: the row must be the earlier token.",
            "Index prev * vocab_size + next."),
    Mistake("presence, not counts", _presence, "Each pair counted at most once.", "Count every occurrence."),
    Mistake("normalised", _normalised, "The rows were normalised into probabilities; counts are asked for.",
            "Return the raw counts."),
]
