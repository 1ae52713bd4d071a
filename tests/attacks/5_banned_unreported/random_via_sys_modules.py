"""Class: 5
Problem: sample
Goal: banned
Attempt: Python's banned `random`, reached through sys.modules (no import statement) and
seeded from the given generator so draws are reproducible; the run-time guard only
watches torch.
Contained: a violation is reported or the check fails.
"""
import torch


def _m(t=torch):
    """sys.modules through a parameter: the static scan resolves no alias for `t`."""
    return t.sys.modules


def _F(t=torch):
    return t.nn.functional


def sample(probs, generator):
    rng = _m()["random"]  # the module's own functions: no banned class is constructed
    rng.seed(int(torch.randint(0, 2**62, (1,), generator=generator)))
    u = torch.tensor([rng.random() for _ in range(probs.shape[0])], dtype=torch.float64).unsqueeze(-1)
    cdf = probs.double().cumsum(-1)
    return torch.searchsorted(cdf, u * cdf[:, -1:], right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)
