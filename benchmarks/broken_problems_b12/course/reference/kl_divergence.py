"""Hidden reference for kl-divergence: the solution, its cases and its known mistakes."""

import torch

from grader.cases import Case, generator, randn
from grader.mistakes import Mistake


def kl_divergence(p_logits, q_logits):
    log_p = torch.log_softmax(p_logits, dim=-1)
    log_q = torch.log_softmax(q_logits, dim=-1)
    return (log_q.exp() * (log_q - log_p)).sum(dim=-1)  # P weights the log-ratio


def cases(seed: int) -> list[Case]:
    def g(name):
        return generator(seed, name)

    def pair(name, *shape, **kw):
        gen = g(name)
        return {"p_logits": randn(gen, *shape, **kw), "q_logits": randn(gen, *shape, **kw)}

    same = randn(g("same"), 3, 12, scale=2.0)
    return [
        Case("typical (4, 32)", pair("typical", 4, 32, scale=2.0), "a batch of next-token distributions"),
        Case("1-D (50,)", pair("1d", 50, scale=1.5), "one pair of distributions"),
        Case("3-D (2, 3, 16)", pair("3d", 2, 3, 16, scale=2.0), "every position of every sequence"),
        Case("edge: equal distributions",
             {"p_logits": torch.cat([same, randn(g("same-p"), 1, 12)]),
              "q_logits": torch.cat([same + 3.0, randn(g("same-q"), 1, 12)])},
             "rows equal up to a shift: KL 0 (beside a row that is not)"),
        Case("spread logits (3, 20)", pair("spread", 3, 20, scale=60.0),
             "probabilities round to 0: use log_softmax, not log(softmax)"),
        Case("float64 (3, 5, 24)", pair("f64", 3, 5, 24, scale=2.0, dtype=torch.float64), "keep the input's dtype"),
    ]


def _swapped(p_logits, q_logits):
    return kl_divergence(q_logits, p_logits)


def _log_of_softmax(p_logits, q_logits):
    p, q = torch.softmax(p_logits, -1), torch.softmax(q_logits, -1)
    return (p * (p.log() - q.log())).sum(dim=-1)


def _unweighted(p_logits, q_logits):
    return (torch.log_softmax(p_logits, -1) - torch.log_softmax(q_logits, -1)).sum(dim=-1)


def _mean(p_logits, q_logits):
    return kl_divergence(p_logits, q_logits) / p_logits.shape[-1]


MISTAKES = [
    Mistake("direction swapped (KL(Q || P))", _swapped,
            "The log-ratio is weighted by Q, the second distribution: that is KL(Q || P), a different number.",
            "Weight by P = softmax(p_logits): sum P * (log P - log Q)."),
    Mistake("log of softmax", _log_of_softmax,
            "softmax rounds tiny probabilities to 0 and log(0) = -inf, giving NaN for spread logits.",
            "Use torch.log_softmax."),
    Mistake("log-ratio not weighted", _unweighted,
            "The log-ratios are summed without the weights P_i.", "Multiply by P before summing."),
    Mistake("mean over the vocabulary", _mean, "The sum was divided by V.", "Sum, do not average."),
]
