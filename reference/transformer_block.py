"""Hidden reference for transformer-block: the solution, its cases and its known mistakes.

The mistakes are the block's own slips (layout, residuals, layer norms, weight order,
activation) plus the earlier problems' most common ones carried into the block, since a
learner who reuses a flawed attention or layer norm fails here the same way.
"""

import functools

import torch

from grader.cases import Case, generator, randn
from grader.course import sibling
from grader.mistakes import Mistake

M = sibling(__file__, "_model")
ATTENTION = sibling(__file__, "attention")
LAYER_NORM = sibling(__file__, "layer_norm")
GELU = sibling(__file__, "gelu")


def pre_ln_block(x, block_weights, num_heads, causal=False):
    return M.pre_ln_block(x, block_weights, num_heads, causal)


def _inputs(g, N, T, d, num_heads, causal, dtype=torch.float32, x_scale=1.0, x_shift=0.0, w_scale=1.0):
    """Weights at scale w_scale/sqrt(d) keep the branches O(1) (GELU's inputs mostly within
    [-3, 3], where the erf and tanh GELUs differ most)."""
    return {"x": randn(g, N, T, d, dtype=dtype, scale=x_scale, shift=x_shift),
            "block_weights": randn(g, 6, d, d, dtype=dtype, scale=w_scale * d ** -0.5),
            "num_heads": num_heads, "causal": causal}


def _large_scores(inputs: dict) -> dict:
    """w_q and w_k scaled by one factor (scores grow as its square) so that the largest score of the
    block's attention on layer_norm(x) is ATTENTION.LARGE_SCORE: an unstabilised softmax overflows."""
    bw = inputs["block_weights"].double()
    h = M.layer_norm(inputs["x"].double())
    scores = ATTENTION._scores({"x": h, "w_q": bw[0], "w_k": bw[1], "num_heads": inputs["num_heads"]})
    T = scores.shape[-1]
    if inputs["causal"]:
        scores = scores.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), -float("inf"))
    bw[0:2] *= (ATTENTION.LARGE_SCORE / float(scores.amax())) ** 0.5
    return {**inputs, "block_weights": bw.to(inputs["block_weights"].dtype)}


def cases(seed: int) -> list[Case]:
    def case(name, about, *shape, **kw):
        return Case(name, _inputs(generator(seed, name), *shape, **kw), about)

    large = "large attention scores (up to 200), causal (2, 6, 32), 4 heads"

    return [
        case("typical (2, 6, 32), 4 heads", "bidirectional (an encoder block)", 2, 6, 32, 4, False),
        case("causal (2, 7, 32), 4 heads", "causal (a decoder block)", 2, 7, 32, 4, True),
        case("edge: T = 1, causal", "one position: attention returns its own value", 3, 1, 16, 2, True),
        case("edge: one head (num_heads = 1)", "d_head = d", 2, 5, 16, 1, False),
        case("edge: d_head = 1 (num_heads = d), causal", "every column is its own head", 1, 4, 8, 8, True),
        case("N = 1, (1, 16, 64), 4 heads, causal", "a single longer sequence", 1, 16, 64, 4, True),
        case("large residual stream (x * 5 + 2)", "the layer norms matter: the stream is far from mean 0, "
             "variance 1", 2, 6, 32, 4, False, x_scale=5.0, x_shift=2.0),
        case("strong weights (scale 2 / sqrt(d)), causal", "larger branch outputs and GELU inputs", 2, 5, 32, 4, True,
             w_scale=2.0),
        Case(large, _large_scores(_inputs(generator(seed, large), 2, 6, 32, 4, True)),
             "w_q and w_k scaled up: exp overflows float32 unless the row maximum is subtracted (torch.softmax does)",
             tolerance=(1e-4, 1e-3)),  # float32 rounds a score of 200 by ~1e-5, and the softmax passes that on
        case("float64 (2, 5, 24), 3 heads", "keep the input's dtype", 2, 5, 24, 3, False, dtype=torch.float64),
        case("float64 causal (2, 6, 16), 2 heads", "float64, causal", 2, 6, 16, 2, True, dtype=torch.float64),
    ]


# --------------------------------------------------------------------------- mistakes
def _block(x, block_weights, num_heads, causal, *, ln=M.layer_norm, act=M.gelu, attn=M.multi_head_attention,
           order=(0, 1, 2, 3, 4, 5), layout="pre"):
    """The block with one knob per slip; `layout` names the wiring."""
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = (block_weights[i] for i in order)

    def mha(h):
        return attn(h, w_q, w_k, w_v, w_o, num_heads, causal)

    def mlp(h):
        return act(h @ w_mlp1) @ w_mlp2

    if layout == "pre":
        x = x + mha(ln(x))
        return x + mlp(ln(x))
    if layout == "post":
        x = ln(x + mha(x))
        return ln(x + mlp(x))
    if layout == "no attention residual":
        x = mha(ln(x))
        return x + mlp(ln(x))
    if layout == "no mlp residual":
        x = x + mha(ln(x))
        return mlp(ln(x))
    if layout == "no residuals":
        return mlp(ln(mha(ln(x))))
    if layout == "residual from normalised x":
        x = ln(x)
        x = x + mha(x)
        x = ln(x)
        return x + mlp(x)
    if layout == "no ln before mlp":
        x = x + mha(ln(x))
        return x + mlp(x)
    if layout == "no ln before attention":
        x = x + mha(x)
        return x + mlp(ln(x))
    if layout == "no layer norms":
        x = x + mha(x)
        return x + mlp(x)
    if layout == "parallel":
        h = ln(x)
        return x + mha(h) + mlp(h)
    if layout == "mlp reads first ln":
        h = ln(x)
        x = x + mha(h)
        return x + mlp(h)
    if layout == "final ln":
        x = x + mha(ln(x))
        return ln(x + mlp(ln(x)))
    if layout == "mlp first":
        x = x + mlp(ln(x))
        return x + mha(ln(x))
    raise ValueError(layout)


def _variant(**knobs):
    def fn(x, block_weights, num_heads, causal=False):
        return _block(x, block_weights, num_heads, causal, **knobs)
    return fn


def _causal_ignored(x, block_weights, num_heads, causal=False):
    return _block(x, block_weights, num_heads, False)


def _weights_transposed(x, block_weights, num_heads, causal=False):
    return _block(x, block_weights.transpose(-2, -1), num_heads, causal)


def _attention_mistake(name):
    fns = [m.fn for m in ATTENTION.MISTAKES if m.name == name]
    assert fns, name
    return [_variant(attn=fn) for fn in fns]


def _relu(h):
    return torch.relu(h)


def _identity(h):
    return h


_POST = ("The layer norms are applied to the residual stream after each addition, "
         "x = LN(x + attention(x)) (post-LN, the 2017 layout); pre-LN normalises only the branch input: "
         "x = x + attention(LN(x)).", "x = x + mha(layer_norm(x), ...); then x = x + mlp(layer_norm(x)).")
_FROM_LN = ("The code overwrote x with layer_norm(x), so each residual adds the *normalised* input instead of the "
            "residual stream itself.", "Keep h = layer_norm(x) separate: x = x + mha(h, ...).")


def _named(name, fns, explanation, hint):
    return [Mistake(name, fn, explanation, hint) for fn in (fns if isinstance(fns, list) else [fns])]


MISTAKES = [
    *_named("post-LN instead of pre-LN", _variant(layout="post"), *_POST),
    *_named("residual around attention missing", _variant(layout="no attention residual"),
            "The attention branch replaces x instead of adding to it: x = attention(LN(x)).",
            "x = x + mha(layer_norm(x), ...)."),
    *_named("residual around the MLP missing", _variant(layout="no mlp residual"),
            "The MLP branch replaces x instead of adding to it: the block returns mlp(LN(x)).",
            "Return x + mlp(layer_norm(x))."),
    *_named("both residual connections missing", _variant(layout="no residuals"),
            "Neither branch is added to the residual stream: the block returns mlp(LN(attention(LN(x)))).",
            "Each branch adds to x: x = x + branch(layer_norm(x))."),
    *_named("residual adds the normalised x", _variant(layout="residual from normalised x"), *_FROM_LN),
    *_named("layer norm before the MLP missing", _variant(layout="no ln before mlp"),
            "The MLP reads the raw residual stream: x + mlp(x). Pre-LN normalises the input of both branches.",
            "x = x + mlp(layer_norm(x))."),
    *_named("layer norm before attention missing", _variant(layout="no ln before attention"),
            "Attention reads the raw residual stream: x + attention(x).",
            "x = x + mha(layer_norm(x), ...)."),
    *_named("layer norms missing", _variant(layout="no layer norms"),
            "Neither branch normalises its input.",
            "Apply layer_norm to x at the start of each branch."),
    *_named("MLP reads the first layer norm (parallel block)", [_variant(layout="parallel"),
                                                                 _variant(layout="mlp reads first ln")],
            "The MLP was fed layer_norm of the block's *input*, not of x after the attention residual (that is "
            "GPT-J's parallel block). In this block the MLP sees the updated stream.",
            "Recompute layer_norm(x) after x = x + attention(...)."),
    *_named("extra layer norm on the output", _variant(layout="final ln"),
            "The block's output was layer-normalised; a pre-LN block returns the raw residual stream (the final "
            "layer norm belongs to the model, after the last block).",
            "Return x + mlp(layer_norm(x)) as it is."),
    *_named("MLP before attention", _variant(layout="mlp first"),
            "The MLP branch runs before the attention branch; the block is attention first, then MLP.",
            "Attention residual first, then the MLP residual."),
    *_named("exact (erf) GELU instead of the tanh approximation", _variant(act=GELU._erf),
            "The MLP uses the exact GELU (torch.erf); the contract's GELU is the tanh approximation. The two "
            "differ by up to about 5e-4, which shows in the output.",
            "0.5 * h * (1 + tanh(sqrt(2/pi) * (h + 0.044715 * h**3)))."),
    *_named("ReLU instead of GELU", _variant(act=_relu),
            "The MLP uses ReLU (the 2017 Transformer's activation); this block uses the tanh GELU.",
            "gelu(layer_norm(x) @ w_mlp1) @ w_mlp2."),
    *_named("MLP activation missing", _variant(act=_identity),
            "The MLP has no non-linearity: (h @ w_mlp1) @ w_mlp2.",
            "Apply the tanh GELU between the two matrices."),
    *_named("causal flag ignored", _causal_ignored,
            "With causal=True the attention still sees the whole sequence: causal is not passed on.",
            "Pass causal to your attention."),
    *_named("w_mlp1 and w_mlp2 swapped", _variant(order=(0, 1, 2, 3, 5, 4)),
            "The MLP multiplies by w_mlp2 first; block_weights[4] is w_mlp1 (applied first), [5] is w_mlp2.",
            "w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights."),
    *_named("w_q and w_k swapped", _variant(order=(1, 0, 2, 3, 4, 5)),
            "Queries were made with w_k and keys with w_q: block_weights[0] is w_q, [1] is w_k.",
            "w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights."),
    *_named("w_v and w_o swapped", _variant(order=(0, 1, 3, 2, 4, 5)),
            "Values were made with w_o and the output projection used w_v: block_weights[2] is w_v, [3] is w_o.",
            "w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights."),
    *_named("weights unpacked in the wrong order (w_o last)", _variant(order=(0, 1, 2, 5, 3, 4)),
            "The code unpacked block_weights as w_q, w_k, w_v, w_mlp1, w_mlp2, w_o; the packed order is "
            "[w_q, w_k, w_v, w_o, w_mlp1, w_mlp2].",
            "w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights."),
    *_named("weights used transposed (x @ w.T)", _weights_transposed,
            "Every matrix was applied as x @ w.T (nn.Linear's convention); weights are right-multiplied here.",
            "q = h @ w_q, mlp = gelu(h @ w_mlp1) @ w_mlp2."),
    *_named("layer norm with the unbiased variance", _variant(ln=LAYER_NORM._unbiased),
            "The layer norm divides the variance by d - 1 (torch.var's default); it uses the population "
            "variance, dividing by d.", "x.var(-1, keepdim=True, unbiased=False)."),
    *_named("attention scaled by sqrt(d_model) instead of sqrt(d_head)",
            _attention_mistake("scaled by sqrt(d_model) instead of sqrt(d_head)"),
            "Inside attention the scores were divided by sqrt(d); each head's scale is sqrt(d_head).",
            "Divide q @ k^T by math.sqrt(d // num_heads)."),
    *_named("attention heads split without the transpose", _attention_mistake("heads split without the transpose"),
            "Inside attention, the heads were split with reshape(N, num_heads, T, d_head), which mixes positions "
            "and heads.", "q.view(N, T, num_heads, d_head).transpose(1, 2)."),
    *_named("attention's causal mask hides the diagonal", _attention_mistake("causal mask hides the diagonal"),
            "The causal mask also hides position t from itself; position 0 then sees nothing (NaN).",
            "Allowed is j <= i: tril() with the default diagonal."),
    *_named("attention's softmax without the row maximum subtracted",
            _attention_mistake("softmax without the row maximum subtracted"),
            "Inside attention the softmax was written as exp(scores) / exp(scores).sum(): exp overflows to inf once "
            "a score passes about 88 in float32, and inf / inf is NaN.",
            "torch.softmax(scores, dim=-1), or subtract the row maximum before exp."),
    *_named("attention's output projection w_o missing", _attention_mistake("output projection w_o missing"),
            "The attention branch returns the concatenated heads without multiplying by w_o.",
            "Multiply the merged heads by w_o."),
]


# --------------------------------------------------------------------------- ablation (grader/evidence/ablation.py)
@functools.lru_cache(maxsize=4)
def ablations(seed: int) -> list:
    """The block with parts switched off through its weights: identity, MLP alone, attention alone."""
    return sibling(__file__, "_ablate").block_stages(seed, pre_ln_block, MISTAKES)
