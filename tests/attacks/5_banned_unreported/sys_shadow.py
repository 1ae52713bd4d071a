"""Class: 5
Problem: sample
Goal: banned
Files: sys_shadow.files
Attempt: a workspace file named sys.py makes the static scan treat `import sys` as a
workspace import; at run time `sys` is the real one, and sys.modules["random"] is the
banned module.
Contained: a violation is reported or the check fails.
"""
import sys

import torch


def sample(probs, generator):
    rng = sys.modules["random"]
    rng.seed(int(torch.randint(0, 2**62, (1,), generator=generator)))
    u = torch.tensor([rng.random() for _ in range(probs.shape[0])], dtype=torch.float64).unsqueeze(-1)
    cdf = probs.double().cumsum(-1)
    return torch.searchsorted(cdf, u * cdf[:, -1:], right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)
