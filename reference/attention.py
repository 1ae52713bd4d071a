"""Hidden reference for attention: the solution, its cases and its known mistakes.

Each mistake is the reference with one realistic slip, written the way a learner
writes it; a mistake whose outcome depends on an incidental choice (the fill value of
a mask that hides a whole row) has one variant per choice under the same name.
"""

import math

import torch

from grader.cases import Case, generator, non_contiguous, randn
from grader.course import sibling
from grader.mistakes import Mistake

M = sibling(__file__, "_model")


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return M.multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal)


def _inputs(g, N, T, d, num_heads, causal, dtype=torch.float32, x_scale=1.0):
    """Weights at scale 1/sqrt(d): q and k entries are O(1), so scores / sqrt(d_head) are
    O(1) and softmax is neither flat nor one-hot -- a wrong scale shows."""
    w = [randn(g, d, d, dtype=dtype, scale=d ** -0.5) for _ in range(4)]
    return {"x": randn(g, N, T, d, dtype=dtype, scale=x_scale), "w_q": w[0], "w_k": w[1], "w_v": w[2],
            "w_o": w[3], "num_heads": num_heads, "causal": causal}


LARGE_SCORE = 200.0  # exp(88.7) overflows float32: a softmax without the row maximum subtracted gives NaN


def _scores(inputs: dict) -> torch.Tensor:
    x, h = inputs["x"].double(), inputs["num_heads"]
    q = M.split_heads(x @ inputs["w_q"].double(), h)
    k = M.split_heads(x @ inputs["w_k"].double(), h)
    return q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])


def _large_scores(inputs: dict) -> dict:
    """x rescaled so the largest score is LARGE_SCORE (scores grow as x squared): every seed overflows
    an unstabilised softmax, and the right answer stays finite."""
    factor = math.sqrt(LARGE_SCORE / float(_scores(inputs).amax()))
    return {**inputs, "x": (inputs["x"].double() * factor).to(inputs["x"].dtype)}


def cases(seed: int) -> list[Case]:
    def case(name, about, *shape, **kw):
        return Case(name, _inputs(generator(seed, name), *shape, **kw), about)

    large = "large scores (up to 200), causal (2, 6, 16), 4 heads"

    return [
        case("typical (2, 5, 16), 4 heads", "bidirectional: every position sees every position", 2, 5, 16, 4, False),
        case("causal (2, 6, 16), 4 heads", "position t sees positions 0..t", 2, 6, 16, 4, True),
        case("edge: T = 1, causal", "one position: it attends to itself only", 3, 1, 8, 2, True),
        case("edge: T = 1", "one position, bidirectional", 2, 1, 8, 4, False),
        case("edge: one head (num_heads = 1)", "d_head = d", 2, 5, 12, 1, False),
        case("edge: d_head = 1 (num_heads = d), causal", "every column is its own head", 2, 4, 6, 6, True),
        case("edge: N = 1, causal (1, 7, 16), 2 heads", "a single sequence", 1, 7, 16, 2, True),
        case("larger scores (x scaled by 2), 8 heads", "sharper softmax: the scale matters more", 2, 6, 32, 8, False,
             x_scale=2.0),
        Case(large, _large_scores(_inputs(generator(seed, large), 2, 6, 16, 4, True)),
             "scores in the hundreds: exp overflows float32 unless the row maximum is subtracted (torch.softmax does)",
             tolerance=(1e-4, 1e-3)),  # float32 rounds a score of 200 by ~1e-5, and the softmax passes that on
        non_contiguous(case("non-contiguous x (2, 5, 16), 4 heads", "x in another memory layout (a transposed "
                            "view): `.view` raises, `reshape` works", 2, 5, 16, 4, False), "x"),
        case("longer causal (1, 24, 32), 4 heads", "a longer sequence", 1, 24, 32, 4, True),
        case("float64 causal (2, 5, 16), 4 heads", "keep the input's dtype", 2, 5, 16, 4, True, dtype=torch.float64),
        case("float64 (2, 6, 24), 3 heads", "float64, bidirectional", 2, 6, 24, 3, False, dtype=torch.float64),
    ]


# --------------------------------------------------------------------------- mistakes
# Written out in full (not by patching the reference), the way the wrong code reads.

def _heads(t, h):
    N, T, d = t.shape
    return t.view(N, T, h, d // h).transpose(1, 2)  # (N, h, T, d_head)


def _merge(t):
    N, h, T, dh = t.shape
    return t.transpose(1, 2).reshape(N, T, h * dh)


def _allowed(T, diagonal=0):
    return torch.ones(T, T, dtype=torch.bool).tril(diagonal)


def _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, *, scale=None, split=_heads, merge=_merge, allowed=_allowed,
          fill=float("-inf"), softmax_dim=-1, mask_after=False, scale_after=False, swap_qk=False, use_w_o=True,
          stable=True):
    """The reference, with one knob per slip."""
    N, T, d = x.shape
    d_head = d // num_heads
    q, k, v = (split(x @ w, num_heads) for w in (w_q, w_k, w_v))
    if swap_qk:
        q, k = k, q
    scores = q @ k.transpose(-2, -1)
    s = math.sqrt(d_head) if scale is None else scale(d, d_head)
    if not scale_after:
        scores = scores / s
    if causal and not mask_after:
        scores = scores.masked_fill(~allowed(T), fill)
    if stable:
        weights = torch.softmax(scores, dim=softmax_dim)
    else:
        e = torch.exp(scores)  # exp(s) overflows float32 for s > 88.7: inf / inf is NaN
        weights = e / e.sum(dim=softmax_dim, keepdim=True)
    if scale_after:
        weights = weights / s
    if causal and mask_after:
        weights = weights.masked_fill(~allowed(T), 0.0)
    out = merge(weights @ v)
    return out @ w_o if use_w_o else out


def _sqrt_d_model(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, scale=lambda d, dh: math.sqrt(d))


def _no_scale(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, scale=lambda d, dh: 1.0)


def _d_head_not_sqrt(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, scale=lambda d, dh: float(dh))


def _scale_after_softmax(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, scale_after=True)


def _split_no_transpose(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    def split(t, h):
        N, T, d = t.shape
        return t.reshape(N, h, T, d // h)  # rows of different positions land in one head

    def merge(t):
        N, h, T, dh = t.shape
        return t.reshape(N, T, h * dh)  # the same mistake undone the same way

    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, split=split, merge=merge)


def _split_no_transpose_merge_ok(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    def split(t, h):
        N, T, d = t.shape
        return t.reshape(N, h, T, d // h)

    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, split=split)


def _merge_no_transpose(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    def merge(t):
        N, h, T, dh = t.shape
        return t.reshape(N, T, h * dh)

    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, merge=merge)


def _interleaved_heads(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    def split(t, h):
        N, T, d = t.shape
        return t.view(N, T, d // h, h).permute(0, 3, 1, 2)  # head h gets columns h, h + num_heads, ...

    def merge(t):
        N, h, T, dh = t.shape
        return t.permute(0, 2, 3, 1).reshape(N, T, h * dh)

    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, split=split, merge=merge)


def _one_big_head(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, 1, causal, scale=lambda d, dh: math.sqrt(d))


def _one_big_head_d_head_scale(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    d_head = x.shape[-1] // num_heads
    return _attn(x, w_q, w_k, w_v, w_o, 1, causal, scale=lambda d, dh: math.sqrt(d_head))


def _diag_hidden(fill):
    def fn(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
        return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, allowed=lambda T: _allowed(T, -1), fill=fill)
    return fn


def _leaks_next(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, allowed=lambda T: _allowed(T, 1))


def _sees_future_only(fill):
    def fn(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
        # masked_fill(mask, -inf) fills where mask is True: passing the *allowed* triangle hides the past.
        return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, allowed=lambda T: ~_allowed(T), fill=fill)
    return fn


def _mask_after_softmax(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, mask_after=True)


def _causal_ignored(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, False)


def _always_causal(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, True)


def _softmax_dim(dim):
    def fn(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
        return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, softmax_dim=dim)
    return fn


def _unstable_softmax(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, stable=False)


def _swap_qk(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, swap_qk=True)


def _no_w_o(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o, num_heads, causal, use_w_o=False)


def _w_o_transposed(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q, w_k, w_v, w_o.T, num_heads, causal)


def _weights_transposed(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    return _attn(x, w_q.T, w_k.T, w_v.T, w_o.T, num_heads, causal)  # nn.Linear's (out, in) convention


_DIAG = ("The causal mask hides the diagonal too (tril(diagonal=-1), or triu(diagonal=0) as the hidden part): "
         "position t may attend to itself, and position 0 then sees nothing at all (a row of -inf gives NaN).",
         "Allowed is j <= i: torch.ones(T, T, dtype=torch.bool).tril() keeps the diagonal.")
_FUTURE = ("masked_fill(mask, -inf) fills where the mask is True, and the code passed the triangle of *allowed* "
           "positions: each position sees only the future, and the last position sees nothing (NaN).",
           "Fill where attention is *not* allowed: scores.masked_fill(~allowed, float('-inf')).")
_SOFTMAX = ("The softmax runs over the wrong axis of the (N, heads, T_query, T_key) scores: over the queries or "
            "the heads instead of the keys, so each query's weights do not sum to 1.",
            "softmax(scores, dim=-1): normalise over the keys.")
_SPLIT = ("The heads were split with reshape(N, num_heads, T, d_head) straight from (N, T, d): that cuts the "
          "flat memory into chunks that mix positions and heads. Head h must own columns h*d_head:(h+1)*d_head "
          "of every position.",
          "q.view(N, T, num_heads, d_head).transpose(1, 2), and undo it with .transpose(1, 2).reshape(N, T, d).")
_ONE_HEAD = ("num_heads is ignored: the code runs one attention over all d columns, so there is one softmax where "
             "there should be num_heads of them.",
             "Split q, k and v into num_heads heads of d_head = d // num_heads columns each.")

MISTAKES = [
    Mistake("scaled by sqrt(d_model) instead of sqrt(d_head)", _sqrt_d_model,
            "The scores were divided by sqrt(d), the model width; each head's dot products have d_head terms, "
            "so the scale is sqrt(d_head) = sqrt(d // num_heads).",
            "Divide q @ k^T by math.sqrt(d // num_heads)."),
    Mistake("scores not scaled", _no_scale,
            "The scores q @ k^T were not divided by sqrt(d_head): the softmax comes out too sharp.",
            "Divide the scores by math.sqrt(d_head) before the softmax."),
    Mistake("scaled by d_head instead of sqrt(d_head)", _d_head_not_sqrt,
            "The scores were divided by d_head; the scale is its square root.",
            "Divide by math.sqrt(d_head)."),
    Mistake("scaled after the softmax", _scale_after_softmax,
            "The division by sqrt(d_head) came after the softmax, so the weights no longer sum to 1 and the "
            "softmax saw unscaled scores.",
            "Scale the scores, then take the softmax."),
    Mistake("heads split without the transpose", _split_no_transpose, *_SPLIT),
    Mistake("heads split without the transpose", _split_no_transpose_merge_ok, *_SPLIT),
    Mistake("heads merged without transposing back", _merge_no_transpose,
            "The heads' outputs (N, num_heads, T, d_head) were reshaped to (N, T, d) directly; that interleaves "
            "positions and heads. Move the head axis next to d_head first.",
            "out.transpose(1, 2).reshape(N, T, d)."),
    Mistake("heads take interleaved columns", _interleaved_heads,
            "The split was view(N, T, d_head, num_heads), so head h got columns h, h + num_heads, ...; the "
            "contract gives head h the contiguous block h*d_head:(h+1)*d_head.",
            "q.view(N, T, num_heads, d_head): num_heads before d_head."),
    Mistake("num_heads ignored (one head over all of d)", _one_big_head, *_ONE_HEAD),
    Mistake("num_heads ignored (one head over all of d)", _one_big_head_d_head_scale, *_ONE_HEAD),
    Mistake("causal mask hides the diagonal", _diag_hidden(float("-inf")), *_DIAG),
    Mistake("causal mask hides the diagonal", _diag_hidden(-1e9), *_DIAG),
    Mistake("causal mask leaks the next token", _leaks_next,
            "The mask allows j <= i + 1 (tril(diagonal=1)): every position also sees the token after it.",
            "Use tril() with the default diagonal=0."),
    Mistake("causal mask inverted (sees the future)", _sees_future_only(float("-inf")), *_FUTURE),
    Mistake("causal mask inverted (sees the future)", _sees_future_only(-1e9), *_FUTURE),
    Mistake("mask applied after the softmax", _mask_after_softmax,
            "The future was zeroed after the softmax: the remaining weights no longer sum to 1, and they still "
            "depend on the future keys, whose scores were in the softmax's sum.",
            "Fill the scores with -inf before the softmax."),
    Mistake("causal flag ignored", _causal_ignored,
            "With causal=True every position still attends to the whole sequence, future included.",
            "When causal is True, mask keys j > i before the softmax."),
    Mistake("causal mask applied when causal=False", _always_causal,
            "The mask is applied even when causal=False; bidirectional attention sees every position.",
            "Only mask when causal is True."),
    Mistake("softmax over the wrong dimension", _softmax_dim(-2), *_SOFTMAX),
    Mistake("softmax over the wrong dimension", _softmax_dim(1), *_SOFTMAX),
    Mistake("softmax without the row maximum subtracted", _unstable_softmax,
            "The softmax was written as exp(scores) / exp(scores).sum(): exp overflows to inf once a score passes "
            "about 88 in float32, and inf / inf is NaN. The right answer is finite: softmax(s) = softmax(s - max).",
            "Use torch.softmax(scores, dim=-1), or subtract scores.amax(dim=-1, keepdim=True) before exp."),
    Mistake("queries and keys swapped", _swap_qk,
            "The scores are k @ q^T, the transpose of q @ k^T: row i should be query i against every key.",
            "scores = q @ k.transpose(-2, -1)."),
    Mistake("output projection w_o missing", _no_w_o,
            "The concatenated heads were returned without the final multiplication by w_o.",
            "Return merged_heads @ w_o."),
    Mistake("w_o used transposed", _w_o_transposed,
            "The output projection was applied as out @ w_o.T; weights are right-multiplied: out @ w_o.",
            "out @ w_o."),
    Mistake("weights used transposed (x @ w.T)", _weights_transposed,
            "Every projection was x @ w.T (nn.Linear's convention); here weights are right-multiplied: x @ w_q.",
            "q = x @ w_q, and the same for k, v and the output."),
]
