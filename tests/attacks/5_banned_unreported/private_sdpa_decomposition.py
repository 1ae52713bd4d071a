"""Class: 5
Problem: attention
Goal: banned
Attempt: the banned scaled-dot-product attention through its private Python
decomposition, torch._decomp.decompositions.scaled_dot_product_flash_attention_for_cpu
(imported through importlib reached in sys.modules): ordinary ops underneath, no banned
object, no banned aten kernel.
Contained: a violation is reported or the check fails.
"""
import torch


def _m(t=torch):
    return t.sys.modules


def _sdpa():
    return _m()["importlib"].import_module("torch._decomp.decompositions").scaled_dot_product_flash_attention_for_cpu


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    q, k, v = ((x @ w).view(N, T, num_heads, d // num_heads).transpose(1, 2) for w in (w_q, w_k, w_v))
    out = _sdpa()(q, k, v, is_causal=causal)[0]
    return out.transpose(1, 2).reshape(N, T, d) @ w_o
