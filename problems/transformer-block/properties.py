"""What every right pre-LN block satisfies beyond its ablation stages (grader/evidence/properties.py):
a sequence's output does not depend on the other sequences of the batch, and the output
keeps the input's dtype."""

import torch

from grader.cases import generator, randn
from grader.common_props import batch_swap, causal_prefix, keeps_dtype
from grader.properties import HELD, Broken, Property
from grader.propkit import layer_norm, near, tensor


def properties(seed: int) -> list:
    g = generator(seed, "properties: transformer-block")
    inputs = {"x": randn(g, 3, 5, 16, dtype=torch.float64),
              "block_weights": randn(g, 6, 16, 16, dtype=torch.float64, scale=16 ** -0.5),
              "num_heads": 4, "causal": True}
    return [keeps_dtype(inputs, "x"), batch_swap(inputs, ("x",)), causal_prefix(inputs, "x"), block_eps(g)]


# --------------------------------------------------------------------------- the layer norm's eps, read back
EPS = 1e-5
ROW_VARIANCE = 1e-6  # of the order of eps: a row's spread after the layer norm shows which eps divided it


def _gelu(z):
    return 0.5 * z * (1.0 + torch.tanh((2.0 / torch.pi) ** 0.5 * (z + 0.044715 * z ** 3)))


def _gelu_inverse(y):
    """z >= 0 with gelu(z) = y, for y >= 0 (gelu is increasing there): bisection in float64."""
    lo, hi = torch.zeros_like(y), torch.full_like(y, 20.0)
    for _ in range(80):
        mid = (lo + hi) / 2
        below = _gelu(mid) < y
        lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
    return (lo + hi) / 2


def block_eps(g) -> Property:
    """With w_o = 0 and w_mlp1 = w_mlp2 = I the block returns x + gelu(layer_norm(x)); on rows of variance 1e-6
    (the order of eps) the layer norm's output, read back through the GELU, says which eps divided each row."""
    d = 16
    x = randn(g, 2, 4, d, dtype=torch.float64) * ROW_VARIANCE ** 0.5
    x = (x - x.mean(-1, keepdim=True)) / x.std(-1, unbiased=False, keepdim=True) * ROW_VARIANCE ** 0.5 + 0.25
    eye = torch.eye(d, dtype=torch.float64)
    bw = torch.stack([eye, eye, eye, torch.zeros(d, d, dtype=torch.float64), eye, eye])
    trial = {"x": x, "block_weights": bw, "num_heads": 4, "causal": False}

    def check(outs, trials):
        y = tensor(outs[0], x.shape)
        if y is None or not bool(torch.isfinite(y).all()):
            return None
        right = x + _gelu(layer_norm(x, EPS))
        if near(y, right, 1e-9, 1e-7):
            return HELD
        c = x - x.mean(-1, keepdim=True)
        branch = y - x
        use = (c > 0) & (branch > 1e-3)
        if int(use.sum()) < 8:
            return None
        z = _gelu_inverse(branch.clamp(min=0))
        k = (z / c)[use]  # 1 / sqrt(var + eps) per entry
        if float(k.std() / k.mean()) > 1e-3:
            return None  # not one factor per row: not a layer norm with another eps
        eps = float(1 / k.median() ** 2 - ROW_VARIANCE)
        fitted = x + _gelu(layer_norm(x, max(eps, 0.0)))
        if not near(y, fitted, 1e-7, 1e-5) or abs(eps - EPS) < 0.02 * EPS:
            return None
        rounded = float(f"{eps:.2g}")
        exact = eps > 1e-14 and near(y, x + _gelu(layer_norm(x, rounded)), 1e-12, 1e-10)
        said = f"eps = {rounded:.2g}" if exact or eps >= 1e-10 else "an eps below 1e-10 (or none)"
        seen = (f"with w_o = 0 and w_mlp1 = w_mlp2 = I (the block returns x + gelu(layer_norm(x))), on rows of "
                f"variance 1e-6 your output equals x + gelu((x - mean) / sqrt(var + {max(eps, 0.0):.3g})); the right "
                f"one divides by sqrt(var + 1e-05)")
        return Broken(seen, f"the layer norm in your block uses {said} instead of 1e-5 (read on rows of variance 1e-6, "
                            "where eps decides the output)", isolated=True)

    return Property("a layer norm dividing by sqrt(var + 1e-5)", (trial,), check,
                    "the layer norm's eps is not 1e-5",
                    "rows of variance 1e-6 through a block that returns x + gelu(layer_norm(x)) (w_o = 0, "
                    "w_mlp1 = w_mlp2 = I)", hint="layer_norm(x) = (x - mean) / sqrt(var + 1e-5), var biased.")
