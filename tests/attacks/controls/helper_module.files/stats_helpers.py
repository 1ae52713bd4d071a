import torch


def centred(x):
    return x - x.mean(dim=-1, keepdim=True)


def population_variance(c):
    return (c * c).mean(dim=-1, keepdim=True)
