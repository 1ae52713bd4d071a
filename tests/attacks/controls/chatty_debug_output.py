"""Control: prints a lot of debug output (far beyond the kept 8 KiB), then the right answer.
Problem: layer-norm
Goal: pass
"""
import torch


def layer_norm(x, eps=1e-5):
    for i in range(2000):
        print(f"debug {i}: shape={tuple(x.shape)} mean={float(x.mean()):.4f}")
    c = x - x.mean(-1, keepdim=True)
    return c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()
