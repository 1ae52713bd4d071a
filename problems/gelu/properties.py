"""What every right GELU satisfies, checked on purpose-made inputs (grader/evidence/properties.py).

gelu(x) = x * Phi(x) for a symmetric Phi (Phi(x) + Phi(-x) = 1), so gelu(x) - gelu(-x) = x
for every x, gelu(0) = 0 with slope 1/2. When that holds but the values are off, the
learner's curve is read back: the tanh form 0.5 x (1 + tanh(a x + b x^2 + c x^3)) is fitted,
and the constants it used are named (the contract: a = sqrt(2/pi), b = 0, c = 0.044715 a).
Far out, gelu(x) is x for large x and 0 for large negative x, in float32 as in float64: a clamp
against overflow, or a formula that overflows, shows there and nowhere in [-4, 4].
"""

import math

import torch

from grader.common_props import keeps_dtype
from grader.properties import Broken, Property
from grader.propkit import near, nearest_constant, tensor

A = math.sqrt(2 / math.pi)
C = 0.044715
GRID = torch.cat([torch.linspace(-4.0, -0.05, 80), torch.linspace(0.05, 4.0, 80)]).to(torch.float64)
CONSTANTS = {"sqrt(2/pi)": A, "sqrt(2*pi)": math.sqrt(2 * math.pi), "sqrt(pi/2)": math.sqrt(math.pi / 2),
             "2/pi": 2 / math.pi, "sqrt(2)/pi": math.sqrt(2) / math.pi, "1/sqrt(2*pi)": 1 / math.sqrt(2 * math.pi),
             "sqrt(2)": math.sqrt(2), "1/sqrt(2)": 1 / math.sqrt(2), "sqrt(1/pi)": math.sqrt(1 / math.pi),
             "2/sqrt(pi)": 2 / math.sqrt(math.pi), "1": 1.0, "1/2": 0.5}


def _erf(x):
    return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))


def _sigmoid(x):
    return x * torch.sigmoid(1.702 * x)


def _tanh(x):
    return 0.5 * x * (1 + torch.tanh(A * (x + C * x ** 3)))


def odd_part(outs, trials):
    y, y_neg = tensor(outs[0], GRID.shape), tensor(outs[1], GRID.shape)
    if y is None or y_neg is None:
        return None
    diff = y - y_neg
    if near(diff, GRID, 1e-5, 1e-4):
        return None
    ratio = float((diff / GRID).median())
    example = f"gelu(2) - gelu(-2) = {float(diff[GRID.sub(2).abs().argmin()]):.4g} (right: 2)"
    if near(y, GRID, 1e-6, 1e-5):
        return Broken(example, "gelu returns its input unchanged (no activation)", isolated=True)
    if near(y, ratio * _tanh(GRID), 1e-6, 1e-4):
        if abs(ratio - 2) < 1e-3:
            return Broken(example, "the factor 0.5 is missing",
                          "Your values are exactly twice the right GELU everywhere: x * (1 + tanh(...)).", isolated=True)
        return Broken(example, f"the output is scaled by {ratio:.4g}",
                      f"Your values are exactly {ratio:.4g} times the right GELU everywhere.", isolated=True)
    return Broken(example)


def right_only_near_zero(y, x, example):
    """Right on a central interval (|x| up to at least 1) and wrong everywhere beyond it: the
    formula is right, and something else takes over for large |x| (a shortcut, a cutoff)."""
    want = _tanh(x)
    ok = (y - want).abs() <= 1e-6 + 1e-5 * want.abs()
    if not bool(ok.any()) or bool(ok.all()):
        return None
    inner, outer = float(x.abs()[ok].max()), float(x.abs()[~ok].min())
    if outer <= inner or inner < 1.0:
        return None
    i = int((~ok & (x.abs() == outer)).nonzero()[0])
    return Broken(f"gelu({float(x[i]):.4g}) = {float(y[i]):.6g} (right: {float(want[i]):.6g}); every |x| <= {inner:.3g} "
                  "is right", f"gelu is right for |x| <= {inner:.3g} and wrong from |x| = {outer:.3g} on: the formula "
                  "is right, but something else takes over for large |x| (a shortcut, cutoff or clamp; the tanh form "
                  "needs none)")


def shape_fit(outs, trials):
    """Right odd part, wrong values: read the curve back and name the constants it used."""
    y = tensor(outs[0], GRID.shape)
    if y is None:
        return None
    x = GRID
    if near(y, _tanh(x), 1e-6, 1e-5):
        return None
    example = f"gelu(1) = {float(y[x.sub(1).abs().argmin()]):.6g} (right: {float(_tanh(torch.tensor(1.0, dtype=torch.float64))):.6g})"
    if near(y, _erf(x), 1e-6, 1e-5):
        return Broken(example, "exact (erf) GELU instead of the tanh approximation",
                      "Your values equal 0.5 x (1 + erf(x / sqrt(2))) everywhere: the exact GELU. The contract's "
                      "is the tanh approximation, which differs by up to about 5e-4.", isolated=True)
    if near(y, _sigmoid(x), 1e-6, 1e-5):
        return Broken(example, "sigmoid approximation x * sigmoid(1.702 x) instead of the tanh one",
                      "Your values equal x * sigmoid(1.702 x) everywhere.", isolated=True)
    u = 2 * y / x - 1
    if not bool((u.abs() < 1 - 1e-9).all()):
        return right_only_near_zero(y, x, example) or Broken(example)
    t = torch.atanh(u)
    basis = torch.stack([x, x ** 2, x ** 3], dim=1)
    coef = torch.linalg.lstsq(basis, t[:, None]).solution[:, 0]
    if float((basis @ coef - t).abs().max()) > 1e-3:
        return right_only_near_zero(y, x, example) or Broken(example)  # not the tanh form: nothing more to name
    a, b, c3 = (float(v) for v in coef)
    found = f"your curve is 0.5 x (1 + tanh({a:.5g} x + {b:.3g} x^2 + {c3:.5g} x^3))"
    right = f"the contract's is 0.5 x (1 + tanh({A:.5g} x + {A * C:.5g} x^3))"
    text = f"Fitted on x in [-4, 4]: {found}; {right}."
    if abs(b) > 1e-3 and abs(c3) < 1e-3:
        return Broken(example, "x**2 instead of x**3 inside the tanh", text, isolated=True)
    name_a = nearest_constant(a, CONSTANTS)
    if abs(a - A) > 2e-3 * A:
        used = f" ({name_a})" if name_a else ""
        if abs(a / A - 0.5) < 1e-3 and abs(c3 / a - C) < 2e-3 * C:
            # The whole argument halved: sigmoid(z) = (1 + tanh(z / 2)) / 2, so this is also what
            # sigmoid(z) gives where sigmoid(2z) belongs. Both readings are said, neither guessed.
            used += ", or sigmoid(z) where sigmoid(2z) belongs, since sigmoid(z) = (1 + tanh(z / 2)) / 2"
        return Broken(example, f"the constant in front is {a:.5g}{used}, not sqrt(2/pi) = {A:.5g}", text, isolated=True)
    if abs(c3) < 1e-4:
        return Broken(example, "the cubic term 0.044715 x^3 is missing", text, isolated=True)
    if abs(c3 - C) < 2e-3 * C:
        return Broken(example, "sqrt(2/pi) multiplies only x, not the cubic term (tanh(sqrt(2/pi) x + 0.044715 x^3))",
                      text, isolated=True)
    return Broken(example, f"the cubic coefficient is {c3 / a:.5g}, not 0.044715", text, isolated=True)


TAILS = torch.tensor([10.0, 20.0, 50.0, 100.0, 1000.0, -10.0, -20.0, -50.0, -100.0, -1000.0])


def tails(outs, trials):
    """gelu(x) = x (to float precision) for x >= 10 and 0 for x <= -10, in float32 and float64."""
    for out, trial in zip(outs, trials):
        x = trial["x"]
        y = tensor(out, x.shape)
        if y is None:
            continue
        x = x.to(torch.float64)
        right = torch.where(x > 0, x, torch.zeros_like(x))
        bad = ~((y - right).abs() <= 1e-5 * x.abs())  # NaN counts as bad
        if not bool(bad.any()):
            continue
        i = int(bad.nonzero()[0])
        dtype = str(trial["x"].dtype).removeprefix("torch.")
        seen = f"in {dtype}, gelu({float(x[i]):g}) = {float(y[i]):.6g} (right: {float(right[i]):g})"
        if not bool(torch.isfinite(y).all()):
            return Broken(seen, "gelu overflows for large inputs (inf or NaN): a term such as x ** 3 or exp(...) "
                          "grows past the float range before tanh can saturate")
        pos = y[(x > 0) & bad]  # the wrong ones among the large positive inputs
        if len(pos) > 1 and float(pos.max() - pos.min()) < 1e-6 * float(pos.abs().max() + 1):
            return Broken(seen, f"gelu stops growing for large inputs (it stays at {float(pos.max()):.6g}): the input "
                          "or the output is clamped, while gelu(x) must keep following x", isolated=True)
        return Broken(seen, "gelu is wrong for large inputs: it must approach x for large x and 0 for large "
                      "negative x")
    return None


def properties(seed: int) -> list[Property]:
    x = GRID.clone()
    return [
        keeps_dtype(dict(x=torch.linspace(-3, 3, 13, dtype=torch.float64)), "x"),
        Property("odd part equal to x: gelu(x) - gelu(-x) = x", (dict(x=x), dict(x=-x)), odd_part,
                 "gelu(x) - gelu(-x) is not x", "gelu on x in [-4, 4] (float64), then on -x",
                 "gelu(x) = 0.5 * x * (1 + tanh(...)): the 0.5 and the x outside the tanh make the odd part x."),
        Property("the tanh approximation with its constants sqrt(2/pi) and 0.044715", (dict(x=x),), shape_fit,
                 "the GELU's formula differs from the tanh approximation", "gelu on 160 points of [-4, 4] (float64)",
                 "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x ** 3)))."),
        Property("x far out in the tails: gelu(x) = x for large x, 0 for large negative x",
                 (dict(x=TAILS.clone()), dict(x=TAILS.to(torch.float64))), tails,
                 "gelu is wrong for large inputs", "x = +-10, 20, 50, 100 and 1000 in float32, then in float64",
                 "No clamp is needed: tanh saturates to +-1, so the formula is safe for any finite x."),
    ]
