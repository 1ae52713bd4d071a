"""What every right layer norm satisfies (grader/evidence/properties.py): each row (last axis) comes
out with mean 0 and biased variance var / (var + eps); adding a constant to a row changes
nothing (in float32 too, for a constant of 1000: a variance that squares before centring
cancels there); the rows are independent of each other. On rows of tiny variance the eps that
was used, and where, can be read back from the output's spread."""

import torch

from grader.cases import generator, randn
from grader.common_props import batch_swap, keeps_dtype
from grader.properties import Broken, Property
from grader.propkit import near, show, tensor

D = 8


def _rows(seed):
    g = generator(seed, "properties: layer-norm")
    return randn(g, 2, 3, D, dtype=torch.float64, scale=2.0, shift=1.0)


def shift_invariant(outs, trials):
    y, y_shift = tensor(outs[0]), tensor(outs[1])
    if y is None or y_shift is None or y.shape != y_shift.shape:
        return None
    if near(y, y_shift, 1e-4, 1e-4):  # loose: float32 inside is not this property's business
        return None
    change = y_shift - y
    moved = float(change.abs().max()) if bool(torch.isfinite(change).all()) else float("inf")
    seen = (f"row {show(trials[0]['x'][0, 0])} -> {show(y[0, 0])}; the same row + 10 -> {show(y_shift[0, 0])} "
            f"(largest change {moved:.3g})")
    if moved == float("inf"):
        return Broken(seen)
    # Each cause has its own pattern: a mean left in the centring moves every value of a row by one amount; a
    # variance taken around 0 instead of the mean scales each row by one factor. Only a pattern isolates it.
    spread = (change - change.mean(-1, keepdim=True)).abs().amax(-1)
    if bool((spread <= 1e-6 * (1 + change.abs().amax(-1))).all()) and moved > 1e-3:
        return Broken(seen, "the row's mean is not subtracted: adding 10 to a row moves each of its outputs by one "
                            "amount", isolated=True)
    factor = (y_shift * y).sum(-1, keepdim=True) / (y * y).sum(-1, keepdim=True).clamp_min(1e-300)
    if near(y_shift, factor * y, 1e-6, 1e-5) and bool((factor < 1 - 1e-3).all()):
        return Broken(seen, "the variance is not taken around the row's mean: adding 10 to a row shrinks its output "
                            "by one factor per row, as sqrt(var + mean ** 2) in the division does")
    if moved > 0.1:
        # Far beyond rounding (float16 moves these outputs by about 2e-3, bfloat16 by about 3e-2): the mean is
        # somewhere in the result, though no single pattern says where.
        return Broken(seen, "the output changes when a constant is added to a row: the row's mean is not removed "
                            "everywhere it should be (in the centring or in the variance)")
    # A change of rounding's size (a step in float16 or bfloat16 turns row + 10 into other numbers) is not told
    # apart from a mean left in somewhere small: said as measured (float16 statistics were once told "the row's
    # mean is not removed").
    return Broken(seen, f"adding 10 to a row changes its output by up to {moved:.3g} (a right layer norm does not "
                        "change it beyond float64's rounding)")


OFFSET = 1000.0  # float32's step there is 6e-5: a centred variance barely notices, E[x^2] - E[x]^2 loses ~2%


def shift_invariant_float32(outs, trials):
    """The same rows + OFFSET, in float32: a right layer norm moves by about float32's rounding of
    the input (4e-5 here), one that squares before centring by far more."""
    y, y_shift = tensor(outs[0]), tensor(outs[1])
    if y is None or y_shift is None or y.shape != y_shift.shape:
        return None
    moved = float((y - y_shift).abs().max()) if bool(torch.isfinite(y_shift).all()) else float("inf")
    if moved <= 1e-3:
        return None
    return Broken(f"in float32, rows -> {show(y[0, 0])}; the same rows + {OFFSET:g} -> {show(y_shift[0, 0])} "
                  f"(largest change {moved:.3g}; rounding the input explains about 4e-05)",
                  "the variance cancels catastrophically when a row's mean is large: it is computed as "
                  "E[x^2] - E[x]^2 (or similar) in float32, which loses the digits that matter; centre first: "
                  "((x - mean) ** 2).mean(-1)", isolated=True)


def mean_and_variance(outs, trials):
    x, y = trials[0]["x"], tensor(outs[0], trials[0]["x"].shape)
    if y is None:
        return None
    mean, var = y.mean(-1), y.var(-1, unbiased=False)
    xv = x.var(-1, unbiased=False)
    right = xv / (xv + 1e-5)
    if near(mean, torch.zeros_like(mean), 1e-6, 0) and near(var, right, 1e-6, 1e-5):
        return None
    seen = f"rows of the output have means {show(mean)} and variances {show(var)} (right: 0 and about 1)"
    if near(mean, torch.zeros_like(mean), 1e-6, 0):
        d = x.shape[-1]
        if near(var, right * (d - 1) / d, 1e-6, 1e-4):
            return Broken(seen, "unbiased variance (divided by d - 1, not d)",
                          f"Every row comes out with variance (d - 1)/d = {(d - 1) / d:.4g}: the variance was "
                          "divided by d - 1 (torch.var's default), not by d.", isolated=True)
        implied = (xv * (1 / var - 1)).flatten()  # each row read as sqrt(var + e): its e
        if bool((implied > 0).all()) and float((implied / implied.median() - 1).abs().max()) < 0.05:
            # One e for every row: the division IS by sqrt(var + e) of the row, with another e (an eps of 1e-4
            # read as "the same wrong variance, not divided by sqrt(var + eps)"). The eps property reads its value.
            return Broken(seen, f"every row reads as divided by sqrt(var + eps) with eps = {float(implied.median()):.3g}, "
                                "not the eps passed (1e-05)", isolated=True)
        if near(var.sqrt(), torch.ones_like(var) * float(var.sqrt().median()), 1e-4, 1e-3):
            return Broken(seen, "every output row has the same wrong variance: the division is not by "
                                "sqrt(var + eps) of the row")
        return Broken(seen, "the output rows have mean 0 but not variance 1: they are not divided by their own "
                            "standard deviation")
    other = [k for k in range(y.ndim - 1) if near(y.mean(k), torch.zeros_like(y.mean(k)), 1e-6, 0)]
    if other:
        return Broken(seen + f"; over axis {other[0]} the means are 0", f"the input is normalised over axis "
                      f"{other[0]} of the {y.ndim}-d input, not over the last axis (use dim=-1)")
    return Broken(seen, "the output rows do not have mean 0 over the last axis")


def _normalised(x, dims, mean_div=None, var_div=None, eps=1e-5):
    n = 1
    for k in dims:
        n *= x.shape[k]
    mean = x.sum(dims, keepdim=True) / (mean_div or n)
    var = ((x - mean) ** 2).sum(dims, keepdim=True) / (var_div or n)
    return (x - mean) / torch.sqrt(var + eps)


def what_is_normalised(outs, trials):
    """Says something only when the output IS a layer norm computed another exact way: over other axes, or with the
    row's sums divided by another size than d. Otherwise no word (the other properties read the symptoms)."""
    x = trials[0]["x"]
    y = tensor(outs[0], x.shape)
    if y is None or near(y, _normalised(x, (-1,)), 1e-6, 1e-5):
        return None
    nd, d = x.ndim, x.shape[-1]
    seen = f"x[0, 0] = {show(x[0, 0])} -> {show(y[0, 0])}"
    for dims in [tuple(range(k, nd)) for k in range(nd - 1)] + [(k,) for k in range(nd - 1)]:
        if near(y, _normalised(x, dims), 1e-6, 1e-5):
            axes = ", ".join(str(k) for k in dims)
            return Broken(seen, f"your output is the input normalised over axes ({axes}) of the {nd}-d input together, "
                                "not over the last axis alone" if len(dims) > 1 else
                                f"your output is the input normalised over axis {dims[0]} of the {nd}-d input, not over "
                                "the last axis",
                          f"Your output equals (x - mean) / sqrt(var + eps) with mean and variance taken over axes "
                          f"({axes}) of the input of shape {tuple(x.shape)}; a layer norm takes them over the last axis "
                          "only, each row of d numbers on its own.")
    sizes = {f"the size of axis {k}": x.shape[k] for k in range(nd - 1) if x.shape[k] != d}
    sizes["d - 1"] = d - 1
    for mean_words, mean_div in [("d", d), *sizes.items()]:
        for var_words, var_div in [("d", d), *sizes.items()]:
            if (mean_div, var_div) == (d, d) or (mean_words, var_words) == ("d", "d - 1"):
                continue  # right, or the unbiased variance that the mean-and-variance property names
            if near(y, _normalised(x, (-1,), mean_div, var_div), 1e-6, 1e-5):
                parts = [f"the mean divides the row's sum by {mean_div} ({mean_words})" if mean_div != d else "",
                         f"the variance divides by {var_div} ({var_words})" if var_div != d else ""]
                said = " and ".join(p for p in parts if p)
                return Broken(seen, f"{said}, instead of by d = {d}, the size of the last axis",
                              f"Your output equals a layer norm over the last axis of the input of shape "
                              f"{tuple(x.shape)} in which {said}; both divide by d = {d}.")
    return None


def eps_reading(outs, trials):
    """Rows of standard deviation s: the right output's spread is s / sqrt(s^2 + eps)."""
    read = []
    for out, trial in zip(outs, trials):
        y = tensor(out, trial["x"].shape)
        if y is None:
            return None
        read.append(float(y.std(-1, unbiased=False).median()))
    (r_small, r_eps) = read
    for out, trial in zip(outs, trials):
        # The spread read here is a row's scale: it says something about eps only when each output row IS its input
        # row centred and scaled (a 2-d input normalised over axis 0 once was told "eps is not applied as sqrt(var + eps)").
        x, y = trial["x"], tensor(out, trial["x"].shape)
        centred = x - x.mean(-1, keepdim=True)
        factor = (y * centred).sum(-1, keepdim=True) / (centred * centred).sum(-1, keepdim=True)
        if not near(y, factor * centred, 1e-6, 1e-4) or not bool((factor > 0).all()):
            eps = trial.get("eps", 1e-5)
            for k in range(x.ndim - 1):
                if near(y, _normalised(x, (k,), eps=eps), 1e-6, 1e-5):
                    return Broken(f"on a {x.ndim}-d input of shape {tuple(x.shape)}, x[0] = {show(x[0])} -> {show(y[0])}",
                                  f"your output is the {x.ndim}-d input normalised over axis {k}, not over the last axis")
            return Broken(f"on a {x.ndim}-d input of shape {tuple(x.shape)}, x[0] = {show(x[0])} -> {show(y[0])}: the "
                          "output rows are not the input rows minus their mean, each times one number",
                          "on rows of small spread, your output rows are not the input rows centred and scaled")
    s1, s2 = 1e-3, 0.1  # the two trials' standard deviations; the second passes eps = 0.01
    right = [s1 / (s1 ** 2 + 1e-5) ** 0.5, s2 / (s2 ** 2 + 1e-2) ** 0.5]
    if abs(r_small - right[0]) < 1e-4 and abs(r_eps - right[1]) < 1e-4:
        return None
    seen = (f"a row of standard deviation 0.001 comes out with spread {r_small:.4g} (right: {right[0]:.4g}); "
            f"one of 0.1 with eps = 0.01 passed, {r_eps:.4g} (right: {right[1]:.4g})")
    if abs(r_small - s1 / (s1 + 1e-5)) < 1e-4:
        return Broken(seen, "eps is added to the standard deviation, outside the square root", isolated=True)
    if abs(r_small - 1) < 1e-4:
        return Broken(seen, "eps is missing (or far too small)", isolated=True)
    if abs(r_small - right[0]) < 1e-4 and abs(r_eps - s2 / (s2 ** 2 + 1e-5) ** 0.5) < 1e-4:
        return Broken(seen, "the eps argument is ignored (1e-5 is always used)", isolated=True)
    # Read as sqrt(var + e), each trial implies an e. One e for both (though they pass 1e-5 and 0.01): the form is
    # right and the number is not the one passed. Otherwise the form is not told apart from the number: the
    # name is the measurement (a hard-coded 1e-6 once was told "not applied as sqrt(var + eps)").
    implied = [s ** 2 * (1 / max(r, 1e-12) ** 2 - 1) for s, r in ((s1, r_small), (s2, r_eps))]
    both = f"the row of standard deviation 0.001 implies eps = {implied[0]:.3g} (none passed: the default, 1e-05), " \
           f"the one of 0.1 eps = {implied[1]:.3g} (passed: 0.01)"
    if implied[0] > 0 and abs(implied[1] / 1e-2 - 1) < 0.05 and abs(implied[0] / 1e-5 - 1) >= 0.05:
        # Right when eps is passed, another eps when it is not: the default value (a 1e-6 default once was told
        # "eps is not applied as sqrt(var + eps)").
        return Broken(seen, f"the default eps is not 1e-5: with eps = 0.01 passed the row reads as sqrt(var + 0.01), "
                            f"with none passed as sqrt(var + {implied[0]:.3g})", isolated=True)
    if min(implied) > 0 and abs(implied[0] / implied[1] - 1) < 0.05:
        return Broken(seen, f"the eps argument is ignored: both rows read as sqrt(var + eps) with eps = "
                            f"{implied[0]:.3g} (none passed, then 0.01)", isolated=True)
    ratios = [implied[0] / 1e-5, implied[1] / 1e-2]
    if min(ratios) > 0 and abs(ratios[0] / ratios[1] - 1) < 0.05:
        return Broken(seen, f"eps is used {ratios[0]:.3g} times over: both rows read as sqrt(var + {ratios[0]:.3g} * eps)", isolated=True)
    # Neither one number nor one multiple of the eps passed explains both rows: the form is not sqrt(var + eps).
    return Broken(seen, f"eps is not applied as sqrt(var + eps): no one eps explains both rows ({both})")


def properties(seed: int) -> list[Property]:
    x = _rows(seed)
    g = generator(seed, "properties: layer-norm eps")
    z = torch.randn(2, D, generator=g, dtype=torch.float64)
    z = (z - z.mean(-1, keepdim=True)) / z.std(-1, unbiased=False, keepdim=True)
    return [
        keeps_dtype(dict(x=x), "x"),
        Property("a layer norm over the last axis, whose mean and variance divide by d", (dict(x=x),),
                 what_is_normalised, "the output is normalised another way", "(2, 3, 8) rows of mean about 1, spread 2",
                 "mean = x.mean(-1, keepdim=True); var = ((x - mean) ** 2).mean(-1, keepdim=True)."),
        batch_swap(dict(x=x), ("x",), what="row"),
        Property("unchanged when a constant is added to a row", (dict(x=x), dict(x=x + 10)), shift_invariant,
                 "the output changes when a constant is added to a row", "rows of 8 numbers, then the same rows + 10",
                 "Subtract each row's own mean over the last axis: x.mean(-1, keepdim=True)."),
        Property(f"unchanged in float32 when a large constant ({OFFSET:g}) is added to a row",
                 (dict(x=x.float()), dict(x=(x + OFFSET).float())), shift_invariant_float32,
                 "the output changes when a large constant is added to a row", f"the rows in float32, then the "
                 f"same rows + {OFFSET:g}", "var = ((x - mean) ** 2).mean(-1, keepdim=True): subtract the mean "
                 "before squaring."),
        Property("rows of mean 0 and (biased) variance var / (var + eps)", (dict(x=x),), mean_and_variance,
                 "the output rows do not have mean 0 and variance 1", "(2, 3, 8) rows of mean about 1, spread 2",
                 "var = ((x - mean) ** 2).mean(-1, keepdim=True): divide by d."),
        Property("eps applied as sqrt(var + eps)", (dict(x=3 + 1e-3 * z), dict(x=3 + 0.1 * z, eps=0.01)), eps_reading,
                 "eps is used wrongly", "rows of standard deviation 0.001 (eps = 1e-5), and of 0.1 with eps = 0.01",
                 "(x - mean) / sqrt(var + eps), with the eps the caller passes."),
    ]
