"""Control: returns a non-contiguous view (computed transposed, then transposed back)
and an expanded tensor where the answer is constant; both compare fine.
Problem: layer-norm
Goal: pass
"""
import torch


def layer_norm(x, eps=1e-5):
    if x.shape[-1] == 1:
        return torch.zeros(1, dtype=x.dtype).expand(x.shape)  # d = 1: every output is 0
    if x.dim() < 2:
        c = x - x.mean()
        return c / ((c * c).mean() + eps).sqrt()
    xt = x.transpose(-1, -2).contiguous()  # (..., d, n)
    c = xt - xt.mean(-2, keepdim=True)
    out = c / ((c * c).mean(-2, keepdim=True) + eps).sqrt()
    return out.transpose(-1, -2)  # a non-contiguous view
