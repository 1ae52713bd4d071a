"""Hidden reference for repetition-penalty: the solution, its cases and its known mistakes.

Hugging Face's RepetitionPenaltyLogitsProcessor: seen tokens' logits are divided by the
penalty when positive, multiplied by it when negative."""

import torch

from grader.cases import Case, generator, randint, randn
from grader.mistakes import Mistake


def repetition_penalty(logits, input_ids, penalty):
    seen = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, input_ids, True)
    penalised = torch.where(logits < 0, logits * penalty, logits / penalty)
    return torch.where(seen, penalised, logits)


def cases(seed: int) -> list[Case]:
    def c(name, about, lead, V, L, penalty, dtype=torch.float32):
        g = generator(seed, name)
        return Case(name, {"logits": randn(g, *lead, V, dtype=dtype, scale=3.0),
                           "input_ids": randint(g, V, *lead, L), "penalty": penalty}, about)

    return [
        c("batch (3, 20), 8 context tokens, penalty 1.2", "repeats likely: 8 draws from 20", (3,), 20, 8, 1.2),
        c("one row (V,) = (30,), penalty 2.0", "no batch dimension", (), 30, 10, 2.0),
        c("penalty 0.8 (2, 15)", "penalty below 1 encourages repetition", (2,), 15, 6, 0.8),
        c("long context (2, 12), 40 tokens, penalty 1.5", "most of the vocabulary seen, many repeats", (2,), 12, 40,
          1.5),
        c("wide vocabulary (2, 400), 25 tokens, penalty 1.3", "a realistic vocabulary", (2,), 400, 25, 1.3),
        c("float64 (3, 25), penalty 1.7", "keep the input's dtype", (3,), 25, 9, 1.7, dtype=torch.float64),
    ]


def _always_divide(logits, input_ids, penalty):
    seen = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, input_ids, True)
    return torch.where(seen, logits / penalty, logits)


def _per_occurrence(logits, input_ids, penalty):
    count = torch.zeros_like(logits).scatter_add(-1, input_ids, torch.ones_like(input_ids, dtype=logits.dtype))
    factor = penalty ** count
    return torch.where(logits < 0, logits * factor, logits / factor)


def _all_rows(logits, input_ids, penalty):
    if logits.ndim == 1:
        return repetition_penalty(logits, input_ids, penalty)
    union = input_ids.reshape(1, -1).expand(logits.shape[0], -1)
    return repetition_penalty(logits, union, penalty)


def _signs_swapped(logits, input_ids, penalty):
    seen = torch.zeros_like(logits, dtype=torch.bool).scatter(-1, input_ids, True)
    return torch.where(seen, torch.where(logits < 0, logits / penalty, logits * penalty), logits)


MISTAKES = [
    Mistake("every seen logit divided by the penalty", _always_divide,
            "Dividing a negative logit by penalty > 1 moves it towards 0: the token becomes more likely.",
            "Multiply negative logits by the penalty, divide positive ones."),
    Mistake("penalised once per occurrence", _per_occurrence,
            "A token seen k times was penalised k times (penalty ** k); it is penalised once.",
            "Mark seen tokens with a boolean scatter, not a count."),
    Mistake("contexts of all rows applied to every row", _all_rows,
            "Row n's logits were penalised for tokens of other rows' contexts.", "scatter along dim=-1 row by row."),
    Mistake("multiply and divide swapped", _signs_swapped,
            "Positive logits were multiplied and negative ones divided: both become more likely.",
            "Divide positive logits, multiply negative ones."),
]
