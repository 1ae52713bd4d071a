"""Hidden reference for perplexity: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randint, randn
from grader.mistakes import Mistake


def perplexity(logits, targets):
    log_probs = torch.log_softmax(logits, dim=-1)
    nll = -log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)  # (N, T)
    return torch.exp(nll.mean())


def _case(g, N, T, V, about, name, scale=2.0, dtype=torch.float32):
    gen = g(name)
    logits = randn(gen, N, T, V, scale=scale, dtype=dtype)
    targets = randint(gen, V, N, T)
    return Case(name, {"logits": logits, "targets": targets}, about)


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    gen = g("confident")
    targets = randint(gen, 10, 2, 6)
    confident = randn(gen, 2, 6, 10) + 8.0 * torch.nn.functional.one_hot(targets, 10).float()
    return [
        _case(g, 3, 8, 20, "a batch of sequences", "typical (3, 8, 20)"),
        _case(g, 1, 12, 16, "one sequence", "single sequence (1, 12, 16)"),
        Case("confident model", {"logits": confident, "targets": targets}, "perplexity near 1"),
        _case(g, 2, 5, 12, "probabilities round to 0: log_softmax, not log(softmax)", "spread logits", scale=60.0),
        _case(g, 2, 4, 500, "a larger vocabulary", "vocabulary 500"),
        _case(g, 2, 6, 16, "keep the input's dtype", "float64", dtype=torch.float64),
    ]


def _exp_sum(logits, targets):
    nll = -torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return torch.exp(nll.sum())


def _mean_nll(logits, targets):
    return torch.log(perplexity(logits, targets))


def _log_of_softmax(logits, targets):
    p = torch.softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return torch.exp(-p.log().mean())


def _per_sequence_mean(logits, targets):
    nll = -torch.log_softmax(logits, -1).gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    return torch.exp(nll.mean(dim=-1)).mean()


MISTAKES = [
    Mistake("exp of the sum", _exp_sum, "The nll was summed, not averaged, before the exponential.",
            "Use nll.mean()."),
    Mistake("no exponential", _mean_nll, "That is the mean nll (the cross-entropy), not its exponential.",
            "Apply torch.exp to the mean."),
    Mistake("log of softmax", _log_of_softmax, "softmax rounds tiny probabilities to 0; log(0) = -inf.",
            "Use torch.log_softmax."),
    Mistake("mean of per-sequence perplexities", _per_sequence_mean,
            "Each sequence's perplexity was averaged; perplexity averages the nll over every token first.",
            "exp(mean over all tokens)."),
]
