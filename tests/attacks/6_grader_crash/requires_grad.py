"""Class: 6
Problem: layer-norm
Goal: crash
Attempt: return a wrong tensor that requires grad and has a grad_fn; the child sends it back as a plain torch.Tensor and the
parent's comparison has to cope with it.
Contained: the grader survives with a failing verdict (no exception, no hang).
"""
import torch


def layer_norm(x, eps=1e-5):
    return (torch.zeros_like(x).requires_grad_() * 2).reshape(x.shape)
