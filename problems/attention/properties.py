"""What every right multi-head attention satisfies (grader/evidence/properties.py).

With w_q = w_k = 0 every score is equal, so each position must get the plain mean of the
values (over every position, or over positions 0..i with the causal mask): the mask, the
softmax's axis and the value path are read without the scale. With two positions and
w_v = w_o = I each output is a x_0 + (1 - a) x_1 per head, so the weight a, and from it the
scale the scores were divided by, can be read back."""

import math

import torch

from grader.cases import generator, randn
from grader.common_props import batch_swap, causal_prefix, keeps_dtype
from grader.properties import HELD, Broken, Property
from grader.propkit import near, show, tensor

N, T, D, H = 2, 5, 8, 2


def _x(seed, salt, t=T):
    return randn(generator(seed, salt), N, t, D, dtype=torch.float64)


def _eye():
    return torch.eye(D, dtype=torch.float64)


def _uniform(x, causal, w_v=None, w_o=None):
    zero = torch.zeros(D, D, dtype=torch.float64)
    return dict(x=x, w_q=zero, w_k=zero.clone(), w_v=_eye() if w_v is None else w_v,
                w_o=_eye() if w_o is None else w_o, num_heads=H, causal=causal)


def _prefix_mean(v, lo=None, hi=None):
    t = v.shape[1]
    rows = []
    for i in range(t):
        a, b = (0 if lo is None else lo(i)), (i + 1 if hi is None else hi(i))
        a, b = max(a, 0), min(b, t)
        rows.append(v[:, a:b].mean(1) if b > a else torch.full_like(v[:, 0], float("nan")))
    return torch.stack(rows, 1)


def _attend(x, w_q, w_k, w_v, w_o, h, causal=False, fill=float("-inf"), shift_axis=None):
    """The contract's attention, with the value the hidden scores are filled with as a parameter: what a learner's
    output is compared with when it fills them with something else."""
    n, t, d = x.shape
    split = lambda m: m.view(n, t, h, d // h).transpose(1, 2)  # noqa: E731
    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    scores = q @ k.transpose(-2, -1) / math.sqrt(d // h)
    if causal:
        scores = scores.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), fill)
    if shift_axis is None:
        weights = torch.softmax(scores, -1)
    else:  # a hand-written softmax that subtracts the max over `shift_axis` and normalises over the keys
        e = torch.exp(scores - scores.amax(dim=shift_axis, keepdim=True))
        weights = e / e.sum(-1, keepdim=True)
    out = weights @ v
    return out.transpose(1, 2).reshape(n, t, d) @ w_o


def mask_fill(outs, trials):
    """Real scores, causal on and off: when the causal output is wrong, what it IS (the code's own non-causal
    output, or attention whose hidden scores are set to 0 rather than -inf). Otherwise no word."""
    tr = trials[0]
    y, y_open = tensor(outs[0], tr["x"].shape), tensor(outs[1], tr["x"].shape)
    args = (tr["x"], tr["w_q"], tr["w_k"], tr["w_v"], tr["w_o"], tr["num_heads"])
    right = _attend(*args, causal=True)
    if y is None or near(y, right):
        return None
    seen = f"position 0 of sequence 0 got {show(y[0, 0])}; the right causal output there is {show(right[0, 0])}"
    if y_open is not None and near(y, y_open, 1e-9, 1e-9) and not near(y, _attend(*args, causal=False)):
        return None  # the same as the non-causal call, itself wrong: nothing specific to the mask
    if y_open is not None and near(y, y_open, 1e-9, 1e-9):
        return Broken(seen + "; your causal output equals your non-causal output exactly",
                      "causal=True changes nothing in your output: the causal mask never reaches the scores")
    for fill, words in ((0.0, "0"), (-1.0, "-1")):
        if near(y, _attend(*args, causal=True, fill=fill)):
            return Broken(seen + f"; it equals attention whose hidden scores are set to {words}",
                          f"the hidden (future) scores are set to {words} instead of -inf: exp({words}) is not 0, so "
                          "every position still gives weight to the positions after it")
    if near(y, _attend(*args, causal=True, shift_axis=-2)):
        return Broken(seen + "; it equals a softmax that subtracts the max over the queries (dim -2) and normalises "
                             "over the keys (dim -1)",
                      "the softmax is stabilised with the max over the queries axis (dim -2), not each row's max over "
                      "the keys (dim -1): the shift differs from key to key within a row, so the weights change")
    return None


def equal_scores(outs, trials):
    x = trials[0]["x"]
    y = tensor(outs[0], x.shape)
    if y is None:
        return None
    right = x.mean(1, keepdim=True).expand_as(x)
    if near(y, right):
        return HELD  # the control of the causal and value-path properties (isolated_given)
    seen = f"position 0 of sequence 0 got {show(y[0, 0])}, the mean of the values is {show(right[0, 0])}"
    if near(y, x):
        return Broken(seen, "with all scores equal each position gets only its own value, not the mean of the values")
    if bool((y == 0).all()) and bool((right != 0).any()):
        told = _values_from(outs[1:], trials[1:])
        if told:
            return Broken(seen + "; your whole output is exactly zero; " + told[0], told[1], isolated=True)
        # Measured: only w_q, w_k (and the scores made from them) are zero here, with w_v = w_o = I; an output of
        # exact zeros says the values or the output went through one of them. Which one is not isolated.
        return Broken(seen + "; your whole output is exactly zero",
                      "with w_q = w_k = 0 (and w_v = w_o = I) your output is exactly zero: the values or the output "
                      "pass through something that is zero here, w_q, w_k or the scores, which should only weigh "
                      "the values, never make them")
    if near(y.sort(-1).values, right.sort(-1).values):
        return Broken(seen + "; the same numbers in another order along the last axis",
                      "the output's features are the right ones in another order: the heads are split or merged back "
                      "in different orders ((N, T, d) -> (N, H, T, d_head) and back must be inverse reshapes, with the "
                      "same transposes)")
    if near(y, torch.zeros_like(y)):
        # Zeros are not an averaging fault: something zeroed with w_q = w_k = 0 (the values or the weights) made
        # them, and this trial does not tell which (values projected with w_k once read as "not the mean").
        return Broken(seen, "with w_q = w_k = 0 and w_v = w_o = I your output is all zeros: a part that must not "
                            "depend on w_q or w_k is zeroed with them")
    return Broken(seen, "with all scores equal the output is not the mean of the values")


def _values_from(outs, trials):
    """Two more trials with every score still equal: w_q = 0 with a real w_k, then w_k = 0 with a real w_q (w_v =
    w_o = I). Values projected with w_k give mean(x @ w_k) in the first and zeros in the second; with w_q, the other
    way round. (what was seen, what it means), or None when neither fits exactly."""
    if len(outs) != 2 or len(trials) != 2:
        return None
    x = trials[0]["x"]
    ys = [tensor(o, x.shape) for o in outs]
    if any(y is None for y in ys):
        return None
    for words, weight, real_at in (("w_k (the key weight)", "w_k", 0), ("w_q (the query weight)", "w_q", 1)):
        w = trials[real_at][weight]
        mean = (x @ w).mean(1, keepdim=True).expand_as(x)
        if near(ys[real_at], mean) and bool((ys[1 - real_at] == 0).all()):
            return (f"with only {weight} nonzero (the scores still all equal) your output is mean(x @ {weight}) at "
                    f"every position, and zero when only the other one is",
                    f"the values are projected with {words} instead of w_v")
    return None


def equal_scores_causal(outs, trials):
    x = trials[0]["x"]
    y = tensor(outs[0], x.shape)
    if y is None:
        return None
    right = _prefix_mean(x)
    if near(y, right):
        return None
    seen = (f"position 1 of sequence 0 got {show(y[0, 1])}; the mean of positions 0..1 is {show(right[0, 1])}")
    t = x.shape[1]
    readings = [
        (x.mean(1, keepdim=True).expand_as(x), "with all scores equal the causal mask has no effect: every "
         "position averages all positions"),
        (_prefix_mean(x, hi=lambda i: i), "the causal mask also hides the diagonal: position i sees only j < i"),
        (_prefix_mean(x, hi=lambda i: i + 2), "the causal mask lets position i see position i + 1"),
        (_prefix_mean(x, lo=lambda i: i, hi=lambda i: t), "the causal mask is flipped: position i sees positions "
         "i..T-1 (the future), not 0..i"),
        (torch.stack([x[:, :i + 1].sum(1) / t for i in range(t)], 1), "the mask is applied after the softmax "
         "without renormalising: each position's weights sum to (i + 1) / T"),
    ]
    fits = [means for r, means in readings if near(y, r)]
    if len(fits) == 1:
        return Broken(seen, fits[0])
    return Broken(seen)


def value_path(outs, trials):
    """Equal scores with real w_v and w_o: mean(x @ w_v) @ w_o at every position."""
    tr = trials[0]
    x, w_v, w_o = tr["x"], tr["w_v"], tr["w_o"]
    y = tensor(outs[0], x.shape)
    if y is None:
        return None
    m = (x @ w_v).mean(1, keepdim=True).expand_as(x)
    right = m @ w_o
    if near(y, right):
        return None
    seen = f"position 0 got {show(y[0, 0])}; mean(x @ w_v) @ w_o is {show(right[0, 0])}"
    readings = [(m, "the output projection w_o is missing"),
                ((x @ w_v.T).mean(1, keepdim=True).expand_as(x) @ w_o.T, "the weights are used transposed (x @ w.T)"),
                ((x @ w_o).mean(1, keepdim=True).expand_as(x) @ w_v, "w_v and w_o are swapped")]
    fits = [means for r, means in readings if near(y, r)]
    return Broken(seen, fits[0] if len(fits) == 1 else "")


SCALES = {"sqrt(d_head)": None, "sqrt(d_model)": math.sqrt(D), "1 (no scaling)": 1.0,
          "d_head (not its square root)": D / H, "d_model": float(D)}


def scale_reading(outs, trials):
    """Two positions, w_v = w_o = I: per head, output_0 = a x_0 + (1 - a) x_1; a gives the scale."""
    tr = trials[0]
    x, w_q, w_k, h = tr["x"], tr["w_q"], tr["w_k"], tr["num_heads"]
    y = tensor(outs[0], x.shape)
    if y is None:
        return None
    dh = D // h
    q, k = (x @ w_q).view(N, 2, h, dh), (x @ w_k).view(N, 2, h, dh)
    xs = x.view(N, 2, h, dh)
    ys = y.view(N, 2, h, dh)
    weights, residual = [], 0.0
    for n in range(N):
        for i in range(2):
            for head in range(h):
                a_mat = torch.stack([xs[n, 0, head], xs[n, 1, head]], 1)  # (dh, 2)
                sol = torch.linalg.lstsq(a_mat, ys[n, i, head][:, None]).solution[:, 0]
                residual = max(residual, float((a_mat @ sol - ys[n, i, head]).abs().max()))
                weights.append((n, i, head, float(sol[0]), float(sol[1])))
    right_scale = math.sqrt(dh)
    if residual > 1e-6:
        return Broken("the output of a head is not a weighted mix of that head's values at the two positions",
                      "the heads are split or merged wrongly (columns of different heads or positions are mixed)")
    sums = [a + b for _, _, _, a, b in weights]
    if max(abs(s - 1) for s in sums) > 1e-6:
        return Broken(f"the two attention weights of a query sum to {show(torch.tensor(sums))}, not 1",
                      "each query's attention weights over the keys do not sum to 1")
    implied = []
    for n, i, head, a, b in weights:
        s = q[n, i, head] @ (k[n, 0, head] - k[n, 1, head])
        if a <= 1e-9 or b <= 1e-9 or abs(float(s)) < 0.3:
            continue
        implied.append(float(s) / math.log(a / b))
    if not implied:
        return None
    scale = sorted(implied)[len(implied) // 2]
    if scale <= 0 or max(abs(v - scale) for v in implied) > 1e-3 * abs(scale):
        args = (x, w_q, w_k, tr["w_v"], tr["w_o"], h)
        for words, got in (("the keys projected with w_q (the query weight) instead of w_k", _attend(x, w_q, w_q, *args[3:])),
                           ("the queries projected with w_k (the key weight) instead of w_q", _attend(x, w_k, w_k, *args[3:])),
                           ("queries and keys swapped (w_k for the queries, w_q for the keys)", _attend(x, w_k, w_q, *args[3:]))):
            if near(y, got) and not near(y, _attend(*args)):
                return Broken(f"your output equals the right attention with {words}", f"{words}")
        # No one divisor explains every weight: the scores are not (x @ w_q) . (x @ w_k) over some
        # constant, and a divisor read off them would name a scaling that is not the cause.
        return Broken("with w_v = w_o = I and two positions, no single divisor c makes the attention weights "
                      "softmax((x @ w_q) . (x @ w_k) / c)",
                      "the attention scores are not (x @ w_q) . (x @ w_k) divided by one constant")
    if abs(scale - right_scale) < 1e-3 * right_scale:
        return None
    seen = f"the scores were divided by {scale:.4g} (d_model = {D}, {h} heads, sqrt(d_head) = {right_scale:.4g})"
    # Read with causal off only: a scale written inside the causal branch is right with causal on, so the name
    # says under which condition it was read.
    # A quantity is named only when no other a learner could have written has the same value in this trial
    # (with 2 heads, d_model = 2 * d_head: `d_head ** 1/2` divides by 2 * d_head and once was told "d_model").
    others = {**{name: value for name, value in SCALES.items() if value is not None},
              "2 * d_head": 2.0 * D / h, "d_head / 2": D / h / 2, "the number of heads": float(h),
              "sqrt(the number of heads)": math.sqrt(h), "d_model / 2": D / 2,
              # The trial's two positions: a scale read from the sequence length has these values here (sqrt(T // h)
              # is 1 with 2 heads and was once told "1 (no scaling)").
              "the sequence length": 2.0, "sqrt(the sequence length)": math.sqrt(2.0),
              "the sequence length / the number of heads": 2.0 / h}
    fits = [name for name, value in others.items() if abs(scale - value) < 1e-3 * value]
    if len(fits) == 1 and fits[0] in SCALES:
        return Broken(seen, f"with causal off, the scores are scaled by {fits[0]} instead of sqrt(d_head)", isolated=True)
    # The number read is this trial's (two positions, d_model = D, h heads): said with them, since a divisor computed
    # from a size takes another value at other sizes.
    return Broken(seen, f"with causal off, two positions, d_model = {D} and {h} heads, the scores are divided by "
                        f"{scale:.4g}, not sqrt(d_head) = {right_scale:.4g}", isolated=True)


EQUAL = "with all scores equal, the plain mean of the values"  # the control of the two properties after it


def properties(seed: int) -> list[Property]:
    g = generator(seed, "properties: attention")
    x = _x(seed, "equal")
    w = lambda: randn(g, D, D, dtype=torch.float64, scale=D ** -0.5)  # noqa: E731
    two = _x(seed, "two", t=2)
    g_other = generator(seed, "properties: attention, which weight makes the values")  # its own: w()'s draws stay
    other = lambda: randn(g_other, D, D, dtype=torch.float64, scale=D ** -0.5)  # noqa: E731
    g_real = generator(seed, "properties: attention, real scores")  # its own: the others' weights stay as they were
    real = dict(x=x, w_q=randn(g_real, D, D, dtype=torch.float64, scale=3 * D ** -0.5),
                w_k=randn(g_real, D, D, dtype=torch.float64, scale=3 * D ** -0.5), w_v=_eye(), w_o=_eye(), num_heads=H,
                causal=True)
    return [
        keeps_dtype(dict(x=x, w_q=w(), w_k=w(), w_v=w(), w_o=w(), num_heads=H, causal=True), "x"),
        batch_swap(dict(x=x, w_q=w(), w_k=w(), w_v=w(), w_o=w(), num_heads=H, causal=True), ("x",)),
        Property(EQUAL, (_uniform(x, False), dict(_uniform(x, False), w_k=other()), dict(_uniform(x, False), w_q=other())),
                 equal_scores,
                 "with all scores equal the output is not the mean of the values",
                 "w_q = w_k = 0 (every score equal), w_v = w_o = I, causal off",
                 "Softmax over the keys (the last axis of q @ k^T); merge the heads back before w_o."),
        Property("causal: the hidden scores filled with -inf", (real, dict(real, causal=False)), mask_fill,
                 "the causal mask is applied wrongly", "random w_q, w_k (real scores), w_v = w_o = I, causal on, then off",
                 "scores.masked_fill(future, float('-inf')), and use what masked_fill returns (it is not in place)."),
        Property("causal, with all scores equal: position i gets the mean of positions 0..i",
                 (_uniform(x, True),), equal_scores_causal, "the causal mask is wrong",
                 "w_q = w_k = 0, w_v = w_o = I, causal on",
                 "Fill scores where key j > query i with -inf before the softmax.", isolated_given=(EQUAL,)),
        causal_prefix(dict(x=x, w_q=w(), w_k=w(), w_v=w(), w_o=w(), num_heads=H, causal=True), "x"),
        Property("with all scores equal and real w_v, w_o: mean(x @ w_v) @ w_o", (_uniform(x, False, w(), w()),),
                 value_path, "the value path (w_v, w_o) is wrong", "w_q = w_k = 0, random w_v and w_o",
                 "v = x @ w_v, and the merged heads are multiplied by w_o.", isolated_given=(EQUAL,)),
        Property("attention weights softmax((x @ w_q) . (x @ w_k) / sqrt(d_head))", (dict(x=two, w_q=w() * 3, w_k=w() * 3, w_v=_eye(), w_o=_eye(),
                                                       num_heads=H, causal=False),),
                 scale_reading, "the attention weights are wrong", "two positions, w_v = w_o = I, 2 heads",
                 "scores = q @ k.transpose(-2, -1) / math.sqrt(d // num_heads)."),
    ]
