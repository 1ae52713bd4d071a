"""Control: the statistics come from a helper in another workspace file.
Problem: layer-norm
Goal: pass
Files: helper_module.files
"""
from stats_helpers import centred, population_variance


def layer_norm(x, eps=1e-5):
    c = centred(x)
    return c / (population_variance(c) + eps).sqrt()
