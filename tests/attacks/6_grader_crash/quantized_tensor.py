"""Class: 6
Problem: layer-norm
Goal: crash
Attempt: return a quantized tensor; the child sends it back as a plain torch.Tensor and the
parent's comparison has to cope with it.
Contained: the grader survives with a failing verdict (no exception, no hang).
"""
import torch


def layer_norm(x, eps=1e-5):
    return torch.quantize_per_tensor(torch.zeros_like(x).float(), 0.1, 0, torch.qint8)
