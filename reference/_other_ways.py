"""The right model computed another way, on a stage's own inputs: readings that tell causes apart
INSIDE a stage (reference/_ablate.py finds the stage; these say what, in it, the learner's code does).

Two kinds, both the reference's own code, never the learner's:
- the same model on other inputs (num_heads = 1, only the last block, pos_embed = 0, w_o = I): a
  match says which inputs the learner's code in effect used;
- the same model with ONE shared building block of reference/_model.py replaced (a layer norm that
  also overwrites the stream it reads, heads merged without the transpose, the softmax over the
  queries, the exact GELU, ...). The reference's forward is re-bound to a private copy of _model.py
  with that one function replaced, so nothing shared is patched (batch grading runs checks of other
  problems in other threads at the same time).

Every reading is GROUPED and never said alone (grader/evidence/ablation.py): it is named only when the
learner's output equals it on every stage where it changes the answer, at least two, and no other
way does the same; one stage alone could coincide with an unforeseen mistake. What is said is what
was measured: "your output equals the right model's with <this change>, on every stage where that
changes the answer". The grader knows no problem by name: any reference whose forward reaches the
shared model through a module global gets these readings."""

import functools
import math
import types
from pathlib import Path

import torch

from grader.course import sibling

W_Q, W_K, W_V, W_O, W_MLP1, W_MLP2 = range(6)
GROUP = "way: "


def _model():
    return sibling(__file__, "_model")


# --------------------------------------------------------------------------- building blocks replaced
def _ln_overwrites_input(ns):
    right = ns["layer_norm"]

    def layer_norm(x, eps=1e-5):
        out = right(x, eps)
        x.copy_(out)
        return x

    return layer_norm


def _ln_unbiased(ns):
    def layer_norm(x, eps=1e-5):
        mean = x.mean(dim=-1, keepdim=True)
        var = ((x - mean) ** 2).sum(dim=-1, keepdim=True) / (x.shape[-1] - 1)
        return (x - mean) / torch.sqrt(var + eps)

    return layer_norm


def _ln_not_centred(ns):
    def layer_norm(x, eps=1e-5):
        return x / torch.sqrt((x ** 2).mean(dim=-1, keepdim=True) + eps)

    return layer_norm


def _ln_two_axes(ns):
    def layer_norm(x, eps=1e-5):
        if x.ndim < 3:
            return ns["_right_layer_norm"](x, eps)
        mean = x.mean(dim=(-2, -1), keepdim=True)
        var = ((x - mean) ** 2).mean(dim=(-2, -1), keepdim=True)
        return (x - mean) / torch.sqrt(var + eps)

    return layer_norm


def _gelu_erf(ns):
    return lambda x: 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))


def _gelu_sigmoid(ns):
    return lambda x: x * torch.sigmoid(1.702 * x)


def _gelu_relu(ns):
    return torch.relu


def _merge_no_transpose(ns):
    def merge_heads(t):
        N, h, T, d_head = t.shape
        return t.reshape(N, T, h * d_head)

    return merge_heads


def _split_no_transpose(ns):
    def split_heads(t, num_heads):
        N, T, d = t.shape
        return t.reshape(N, num_heads, T, d // num_heads)

    return split_heads


def _attend(scores_of=None, softmax_dim=-1):
    def make(ns):
        def attend(q, k, v, causal):
            d_head = q.shape[-1]
            scores = q @ k.transpose(-2, -1)
            scores = scores_of(scores, d_head, q.shape[1]) if scores_of else scores / math.sqrt(d_head)
            if causal:
                scores = scores.masked_fill(~ns["causal_mask"](q.shape[-2], k.shape[-2]), float("-inf"))
            return torch.softmax(scores, dim=softmax_dim) @ v

        return attend

    return make


def _no_mask(ns):
    return lambda T_q, T_k, device=None: torch.ones(T_q, T_k, dtype=torch.bool, device=device)


def _block(attention_on_normed=False, mlp_on_normed=False, parallel=False):
    """pre_ln_block with its residual stream changed: a sublayer's update added to layer_norm(x), not x, or the
    MLP reading the stream from before attention's update."""
    def make(ns):
        def pre_ln_block(x, block_weights, num_heads, causal=False):
            w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
            ln, mha, gelu = ns["layer_norm"], ns["multi_head_attention"], ns["gelu"]
            h = ln(x)
            a = mha(h, w_q, w_k, w_v, w_o, num_heads, causal)
            if parallel:
                return x + a + gelu(h @ w_mlp1) @ w_mlp2
            x = (h if attention_on_normed else x) + a
            h = ln(x)
            return (h if mlp_on_normed else x) + gelu(h @ w_mlp1) @ w_mlp2

        return pre_ln_block

    return make


# (words, function of _model.py replaced, its replacement)
BUILDING_BLOCKS = (
    ("the residual stream itself replaced by its normalised value wherever a layer norm reads it (each residual "
     "connection adds its branch to layer_norm(x) instead of to x, as a layer norm that writes into its input does)",
     "layer_norm", _ln_overwrites_input),
    ("attention's residual connection adding to layer_norm(x) instead of x (the stream is replaced by its normalised "
     "value before attention; the MLP's residual is right)", "pre_ln_block", _block(attention_on_normed=True)),
    ("the MLP's residual connection adding to layer_norm(x) instead of x (the stream is replaced by its normalised "
     "value before the MLP; attention's residual is right)", "pre_ln_block", _block(mlp_on_normed=True)),
    ("the MLP reading layer_norm of the stream from BEFORE attention's update (both branches computed from the same "
     "input and added together, in parallel, instead of one after the other)", "pre_ln_block", _block(parallel=True)),
    ("the layer norms' variance divided by d - 1 (the unbiased variance, torch.var's default) instead of by d",
     "layer_norm", _ln_unbiased),
    ("the layer norms not subtracting the mean (x / sqrt(mean(x**2) + eps), an RMS norm)", "layer_norm",
     _ln_not_centred),
    ("the layer norms taken over the last TWO axes (positions and features together) instead of the last one",
     "layer_norm", _ln_two_axes),
    ("the exact GELU 0.5 x (1 + erf(x / sqrt 2)) instead of the tanh approximation", "gelu", _gelu_erf),
    ("the GELU replaced by x * sigmoid(1.702 x)", "gelu", _gelu_sigmoid),
    ("ReLU in place of the GELU", "gelu", _gelu_relu),
    ("the heads merged back by a reshape of (N, heads, T, d_head) straight to (N, T, d), without first transposing "
     "heads and positions back", "merge_heads", _merge_no_transpose),
    ("the heads split by a reshape of (N, T, d) straight to (N, heads, T, d_head), without the transpose",
     "split_heads", _split_no_transpose),
    ("the attention weights normalised over the queries (softmax over the second-to-last axis of the scores) "
     "instead of over the keys", "attend", _attend(softmax_dim=-2)),
    ("the scores not divided by sqrt(d_head) at all", "attend", _attend(lambda s, dh, h: s)),
    ("the scores divided by d_head instead of sqrt(d_head)", "attend", _attend(lambda s, dh, h: s / dh)),
    ("the scores divided by sqrt(d_model) (all heads' width) instead of sqrt(d_head)", "attend",
     _attend(lambda s, dh, h: s / math.sqrt(dh * h))),
    ("no causal mask (every position attending to every position)", "causal_mask", _no_mask),
)


@functools.lru_cache(maxsize=None)
def _private_model(which: int):
    """A private copy of _model.py with BUILDING_BLOCKS[which]'s function replaced (None if it cannot be read)."""
    M = _model()
    path = getattr(M, "__file__", None)
    if not path or not Path(path).is_file():
        return None
    words, name, make = BUILDING_BLOCKS[which]
    ns = {"__name__": f"{M.__name__}+other{which}", "__file__": path}
    exec(compile(Path(path).read_text(encoding="utf-8"), path, "exec"), ns)  # trusted: the course's own file
    if name not in ns:
        return None
    ns["_right_" + name] = ns[name]
    ns[name] = make(ns)
    return types.SimpleNamespace(**ns)


def _rebound(forward, private):
    """`forward` with every function of its module re-bound to globals in which the shared model is `private`."""
    M = _model()
    g = getattr(forward, "__globals__", None)
    if g is None or not any(v is M for v in g.values()):
        return None
    ng = dict(g)
    for k, v in g.items():
        if v is M:
            ng[k] = private
    for k, v in g.items():
        if isinstance(v, types.FunctionType) and v.__globals__ is g:
            ng[k] = _copy_function(v, ng)
    return _copy_function(forward, ng)


def _copy_function(fn, g):
    out = types.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
    out.__kwdefaults__ = fn.__kwdefaults__
    return out


# --------------------------------------------------------------------------- other inputs
def _with_block(bw, i, matrix):
    out = bw.clone()
    out[..., i, :, :] = matrix
    return out


def _input_changes(inputs):
    """(words, changed inputs) for the same model on other inputs; only those that apply to these inputs."""
    out = []
    heads = inputs.get("num_heads")
    key = "blocks_weights" if "blocks_weights" in inputs else "block_weights"
    bw = inputs.get(key)
    if isinstance(heads, int) and heads > 1:
        out.append(("num_heads = 1 (one head over the full width: the heads are never split)", {"num_heads": 1}))
    if type(bw) is torch.Tensor and bw.ndim >= 3 and bw.shape[-3] == 6 and bw.numel():
        eye = torch.eye(bw.shape[-1], dtype=bw.dtype)
        out.append(("w_o = I (attention's merged heads added without the output projection w_o)",
                    {key: _with_block(bw, W_O, eye)}))
        out.append(("w_v = I (the values are layer_norm(x) itself, without the projection w_v)",
                    {key: _with_block(bw, W_V, eye)}))
    if key == "blocks_weights" and type(bw) is torch.Tensor and bw.ndim == 4 and bw.shape[0] >= 2:
        out.append(("only the LAST block, applied to the embeddings (what the blocks before it compute never "
                    "reaches the output: each block must read the previous block's output)", {key: bw[-1:]}))
        out.append(("the FIRST block left out (only blocks 1, 2, ... run)", {key: bw[1:]}))
    if key == "blocks_weights" and type(bw) is torch.Tensor and bw.ndim == 4 and bw.shape[0] == 1:
        out.append(("the FIRST block left out (only blocks 1, 2, ... run)", {key: bw[1:]}))
    pos = inputs.get("pos_embed")
    if type(pos) is torch.Tensor and pos.ndim == 2:
        out.append(("pos_embed = 0 (no positions added)", {"pos_embed": torch.zeros_like(pos)}))
        out.append(("pos_embed added twice", {"pos_embed": 2 * pos}))
    return out


# --------------------------------------------------------------------------- readings
def readings(forward, inputs, expected, only=None):
    """The right model computed each other way on this stage's inputs, as grouped observed readings
    (reference/_ablate.py's `observed`): named only as a pattern over every stage where it tells.
    `only`: the names of the building blocks to replace, and no input changes (where a forward is slow)."""
    ab = sibling(__file__, "_ablate")
    if type(expected) is not torch.Tensor:
        return ()
    found = ()
    tries = [] if only is not None else [(words, functools.partial(forward, **changed), None)
                                         for words, changed in _input_changes(inputs)]
    for i, (words, name, _) in enumerate(BUILDING_BLOCKS):
        if only is not None and name not in only:
            continue
        private = _private_model(i)
        fn = _rebound(forward, private) if private is not None else None
        if fn is not None:
            tries.append((words, fn, i))
    for words, fn, _ in tries:
        try:
            got = fn(**{k: v for k, v in ab._copy(inputs).items() if not _overridden(fn, k)})
        except Exception:
            continue
        found += ab.observed(expected, got, f"your output equals the right model's with {words}", GROUP + words,
                             f"your output equals what the right model gives with {words}, on every stage of the "
                             "experiment where that changes the answer", alone=False, whole=True)
    return found


def _overridden(fn, key):
    return isinstance(fn, functools.partial) and key in fn.keywords
