"""Class: 6
Problem: sample
Goal: crash
Attempt: return a meta int64 tensor of the right shape: the public judge's range check
(`(draws < 0).any()`) cannot take a bool of a meta tensor.
Contained: the grader survives with a failing verdict.
"""
import torch


def sample(probs, generator):
    return torch.empty(probs.shape[0], dtype=torch.int64, device="meta")
