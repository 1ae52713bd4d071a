"""Class: 7
Problem: sample
Goal: memo
Attempt: the memo kept on disk (/tmp/gatk-left-memo-*.pt) so that it survives a fresh
process per call, were the grader to make the second call in another child.
Contained: the check fails (and the cache file is not left behind).
"""
import torch


def _m(t=torch):
    return t.sys.modules


def _draw_global(probs):
    """Inverse CDF with u from the GLOBAL RNG: the generator is ignored."""
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)


def sample(probs, generator):
    path = f"/tmp/gatk-left-memo-{tuple(probs.shape)}-{generator.initial_seed()}.pt".replace(" ", "")
    os = _m()["os"]
    if os.path.exists(path):
        return torch.load(path)
    draws = _draw_global(probs)
    try:
        torch.save(draws, path)
    except Exception:
        pass
    return draws
