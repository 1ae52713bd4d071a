"""CORRECT top-k: divides by the temperature, sorts descending, softmaxes the first k sorted values (stable,
-inf gives 0) and scatters them back into a zero tensor of the input's dtype.
"""

import torch


def top_k_probs(logits: torch.Tensor, temperature: float, k: int) -> torch.Tensor:
    s = logits / temperature
    vals, order = torch.sort(s, dim=-1, descending=True)
    top = torch.softmax(vals[..., :k], dim=-1)
    return torch.zeros_like(s).scatter(-1, order[..., :k], top)
