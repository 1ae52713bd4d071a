"""Class: 5
Problem: sample
Goal: banned
Files: shadow_allowed_package.files
Attempt: a workspace PACKAGE (a directory, einops/__init__.py) shadows an allowed module:
the static scan follows only top-level workspace .py files, so the package is never
scanned; it uses the banned `random` (seeded from the generator), which the run-time
guard does not watch.
Contained: a violation is reported or the check fails.
"""
import torch
from einops import uniforms


def sample(probs, generator):
    u = uniforms(probs.shape[0], int(torch.randint(0, 2**62, (1,), generator=generator)))
    cdf = probs.double().cumsum(-1)
    return torch.searchsorted(cdf, u * cdf[:, -1:], right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)
