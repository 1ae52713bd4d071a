"""Inputs handed over in another layout (grader/sandbox/case_layout.py): a case's `non_contiguous`
option makes the child hand the named inputs to the learner as non-contiguous tensors with the
same values, at every isolation level, so a `.view` that merges dimensions fails that case while
`reshape` passes; and the cases that close three gaps a held-out set found (non-contiguous
logits, an empty float64 result, scores large enough to overflow an unstabilised softmax)."""

import pytest
import torch

from grader.course import cases as course_cases
from grader.sandbox import case_layout
from grader.sandbox.confine import Isolation, best_level
from grader.sandbox.parent import Sandbox

LEVELS = [lvl.value for lvl in (Isolation.NAMESPACES, Isolation.UID) if lvl.rank <= best_level().rank]

LAYER_NORM_VIEW = """
import torch
def layer_norm(x, eps=1e-5):
    shape = x.shape
    x2 = x.view(-1, shape[-1])
    mean = x2.mean(-1, keepdim=True)
    var = ((x2 - mean) ** 2).mean(-1, keepdim=True)
    return ((x2 - mean) / torch.sqrt(var + eps)).view(shape)
"""
GELU_VIEW = """
import math
import torch
def gelu(x):
    flat = x.view(-1)
    y = 0.5 * flat * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (flat + 0.044715 * flat ** 3)))
    return y.view(x.shape)
"""
TOP_K_VIEW = """
import torch
def top_k_probs(logits, temperature, k):
    shape = logits.shape
    z = logits.view(-1, shape[-1]) / temperature
    vals, idx = z.topk(k, dim=-1)
    out = torch.full_like(z, float("-inf")).scatter(-1, idx, vals)
    return torch.softmax(out, -1).view(shape)
"""
TOP_P_VIEW = """
import torch
def top_p_probs(logits, temperature, p):
    shape = logits.shape
    logits = logits.view(-1, shape[-1])
    probs = torch.softmax(logits / temperature, dim=-1)
    sp, si = torch.sort(probs, dim=-1, descending=True)
    kept = sp * ((torch.cumsum(sp, dim=-1) - sp) < p)
    kept = kept / kept.sum(dim=-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, si, kept).view(shape)
"""
ATTENTION_VIEW = """
import math
import torch
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    flat = x.view(N * T, d)
    split = lambda t: t.view(N, T, num_heads, d // num_heads).transpose(1, 2)
    q, k, v = split(flat @ w_q), split(flat @ w_k), split(flat @ w_v)
    s = q @ k.transpose(-2, -1) / math.sqrt(d // num_heads)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
"""
REVERSE_EMBEDDING_VIEW = """
import torch
from torch import nn
class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding
    def forward(self, hidden):
        d = hidden.shape[-1]
        return (hidden.view(-1, d) @ self.embedding.weight.T).view(*hidden.shape[:-1], -1)
"""
VIEW_FILES = {"attention": (ATTENTION_VIEW, "non-contiguous x (2, 5, 16), 4 heads"),
              "reverse-embedding": (REVERSE_EMBEDDING_VIEW, "non-contiguous hidden (3, 4, 16)"),
              "layer-norm": (LAYER_NORM_VIEW, "non-contiguous (3, 4, 16)"),
              "gelu": (GELU_VIEW, "non-contiguous (3, 4, 10)"),
              "top-k": (TOP_K_VIEW, "non-contiguous (3, 4, 30) logits, k = 5, T = 0.9"),
              "top-p": (TOP_P_VIEW, "non-contiguous (3, 4, 30) logits, p = 0.8, T = 0.9")}


# --------------------------------------------------------------------------- the layout itself
@pytest.mark.parametrize("shape", [(7,), (3, 5), (2, 3, 4), (2, 3, 4, 5)])
def test_a_non_contiguous_copy_keeps_every_value_and_dtype(shape):
    t = torch.randn(shape, dtype=torch.float64)
    t.view(-1)[0] = float("-inf")
    t.view(-1)[-1] = float("nan")
    u = case_layout.non_contiguous(t)
    assert not u.is_contiguous() and u.shape == t.shape and u.dtype == t.dtype
    assert torch.equal(u.nan_to_num(), t.nan_to_num()) and torch.equal(u.isnan(), t.isnan())
    if len(shape) >= 2:
        with pytest.raises(RuntimeError):
            u.view(-1)
        assert torch.equal(u.reshape(-1).nan_to_num(), t.reshape(-1).nan_to_num())


def test_only_named_tensors_are_rearranged_and_the_decoded_inputs_stay_as_they_are():
    x, w = torch.randn(3, 4), torch.randn(4, 4)
    inputs = {"x": x, "w": w, "n": 2}
    assert case_layout.arranged(inputs, {}) is inputs
    got = case_layout.arranged(inputs, {case_layout.NON_CONTIGUOUS: ["x"]})
    assert not got["x"].is_contiguous() and torch.equal(got["x"], x) and got["w"] is w and got["n"] == 2
    assert inputs["x"] is x and x.is_contiguous()


def test_the_authors_option_name_is_the_one_the_child_reads():
    case = course_cases.non_contiguous(course_cases.Case("c", {"x": torch.zeros(2, 3)}), "x")
    assert case.options == {case_layout.NON_CONTIGUOUS: ["x"]}
    assert course_cases.NON_CONTIGUOUS == case_layout.NON_CONTIGUOUS


# --------------------------------------------------------------------------- through the sandbox, every level
@pytest.fixture(scope="module", params=LEVELS)
def box(request):
    sandbox = Sandbox(isolation=request.param)
    sandbox.start()
    yield sandbox
    sandbox.close()


def _check(course, tmp_path, box, slug, source):
    from grader.verdict.runner import check_problem

    problem = course.get(slug)
    path = tmp_path / f"{problem.module_name}.py"
    path.write_text(source)
    return check_problem(course, problem, file=path, sandbox=box, diagnose=False, localise=False)


def test_the_child_hands_named_inputs_over_non_contiguous_at_every_level(course, tmp_path, box):
    wrong = _check(course, tmp_path, box, "layer-norm", LAYER_NORM_VIEW)
    failed = [c.name for c in wrong.cases if not c.passed]
    assert failed == ["non-contiguous (3, 4, 16)"], failed
    assert "view size is not compatible" in wrong.cases[[c.name for c in wrong.cases].index(failed[0])].message
    right = _check(course, tmp_path, box, "layer-norm", LAYER_NORM_VIEW.replace(".view(", ".reshape("))
    assert right.passed, [c.name for c in right.cases if not c.passed]


# --------------------------------------------------------------------------- each new case rejects its wrong file
@pytest.mark.parametrize("slug", sorted(VIEW_FILES))
def test_a_view_on_the_input_fails_the_non_contiguous_case_and_reshape_passes(grade, slug):
    source, case_name = VIEW_FILES[slug]
    wrong = grade(slug, source)
    assert not wrong.passed and wrong.first_failure.name == case_name
    assert [c.name for c in wrong.cases if not c.passed] == [case_name]
    right = grade(slug, source.replace(".view(", ".reshape("))
    assert right.passed, [(c.name, c.message) for c in right.cases if not c.passed]
    if ".view(-1" in source:
        made_contiguous = grade(slug, source.replace(".view(-1", ".contiguous().view(-1"))
        assert made_contiguous.passed


MLM_EMPTY_FLOAT32 = '''
import math
import torch
def _ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)
def _attn(x, w_q, w_k, w_v, w_o, h):
    N, T, d = x.shape
    split = lambda t: t.view(N, T, h, d // h).transpose(1, 2)
    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    w = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(d // h), dim=-1)
    return (w @ v).transpose(1, 2).reshape(N, T, d) @ w_o
def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
def _body(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    x = w_emb[input_ids] + pos_embed[:input_ids.shape[1]]
    for w_q, w_k, w_v, w_o, w1, w2 in blocks_weights:
        x = x + _attn(_ln(x), w_q, w_k, w_v, w_o, num_heads)
        x = x + _gelu(_ln(x) @ w1) @ w2
    return x
'''
MLM_FORWARD_EMPTY = MLM_EMPTY_FLOAT32 + '''
def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    if not (mask_indicator > 0.5).any():
        return torch.zeros(0, w_head.shape[1])
    return _body(input_ids, w_emb, pos_embed, blocks_weights, num_heads)[mask_indicator > 0.5] @ w_head
'''
MLM_TIED_EMPTY = MLM_EMPTY_FLOAT32 + '''
def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
    if not (mask_indicator > 0.5).any():
        return torch.zeros(0, w_emb.shape[0])
    return _body(input_ids, w_emb, pos_embed, blocks_weights, num_heads)[mask_indicator > 0.5] @ w_emb.T
'''


@pytest.mark.parametrize("slug,source", [("mlm-forward", MLM_FORWARD_EMPTY), ("mlm-tied-head", MLM_TIED_EMPTY)])
def test_an_empty_result_in_the_default_dtype_fails_the_float64_nothing_masked_case(grade, slug, source):
    wrong = grade(slug, source)
    assert [c.name for c in wrong.cases if not c.passed] == ["edge: nothing masked, float64"]
    assert "dtype" in wrong.first_failure.message
    right = grade(slug, source.replace("torch.zeros(0, w_head.shape[1])", "w_head.new_zeros(0, w_head.shape[1])")
                  .replace("torch.zeros(0, w_emb.shape[0])", "w_emb.new_zeros(0, w_emb.shape[0])"))
    assert right.passed


ATTENTION = '''
import math
import torch
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    split = lambda t: t.reshape(N, T, num_heads, d // num_heads).transpose(1, 2)
    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    s = q @ k.transpose(-2, -1) / math.sqrt(d // num_heads)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), FILL)
    s = STABILISE
    e = torch.exp(s)
    w = e / e.sum(-1, keepdim=True)
    return (w @ v).transpose(1, 2).reshape(N, T, d) @ w_o
'''


def test_an_unstabilised_softmax_fails_the_large_scores_case_and_is_named(grade):
    wrong = grade("attention", ATTENTION.replace("FILL", "float('-inf')").replace("STABILISE", "s"))
    large = "large scores (up to 200), causal (2, 6, 16), 4 heads"
    assert [c.name for c in wrong.cases if not c.passed] == [large]
    assert "NaN" in wrong.first_failure.message
    assert wrong.diagnosis and wrong.diagnosis["name"] == "softmax without the row maximum subtracted"
    for fill in ("float('-inf')", "-1e9", "-1e4", "torch.finfo(s.dtype).min"):
        right = grade("attention", ATTENTION.replace("FILL", fill).replace("STABILISE", "s - s.amax(-1, keepdim=True)"))
        assert right.passed, (fill, [(c.name, c.message) for c in right.cases if not c.passed])


def test_the_large_scores_case_reaches_200_at_every_seed_and_float32_stays_within_its_tolerance(course):
    ref = course.get("attention").reference
    for seed in range(8):
        case = next(c for c in ref.cases(seed) if c.name.startswith("large scores"))
        assert abs(float(ref._scores(case.inputs).amax()) - 200.0) < 1e-3
        got = ref.multi_head_attention(**case.inputs)
        truth = ref.multi_head_attention(**{k: v.double() if isinstance(v, torch.Tensor) else v
                                            for k, v in case.inputs.items()})
        atol, rtol = case.tolerance
        assert bool(((got.double() - truth).abs() <= 0.5 * (atol + rtol * truth.abs())).all()), seed


FLOAT32_EDGES = [
    ("top-k", "edge: k = 1, float64", """
import torch
import torch.nn.functional as F
def top_k_probs(logits, temperature, k):
    if k == 1:
        return F.one_hot(logits.argmax(-1), logits.shape[-1]).float()
    z = logits / temperature
    kth = z.topk(k, dim=-1).values[..., -1:]
    return torch.softmax(z.masked_fill(z < kth, float('-inf')), dim=-1)
"""),
    ("layer-norm", "edge: d = 1, float64", """
import torch
def layer_norm(x, eps=1e-5):
    if x.shape[-1] == 1:
        return torch.zeros(x.shape)
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)
"""),
    ("gelu", "edge: 0-d float64", """
import math
import torch
def _g(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
def gelu(x):
    if x.dim() == 0:
        v = float(x)
        return torch.tensor(0.5 * v * (1.0 + math.tanh(math.sqrt(2.0 / math.pi) * (v + 0.044715 * v ** 3))))
    return _g(x)
"""),
]


@pytest.mark.parametrize("slug,case_name,source", FLOAT32_EDGES, ids=[s for s, _, _ in FLOAT32_EDGES])
def test_an_edge_answered_in_the_default_dtype_fails_its_float64_case(grade, slug, case_name, source):
    wrong = grade(slug, source)
    assert [c.name for c in wrong.cases if not c.passed] == [case_name]
    assert "dtype" in wrong.first_failure.message


KV_STEP = """
import math
import torch
def _ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)
def _gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    cache = cache.clone()
    x = w_emb[token_ids] + pos_embed[index]
    N, d = x.shape
    dh = d // num_heads
    for b, (w_q, w_k, w_v, w_o, w1, w2) in enumerate(blocks_weights):
        h = _ln(x)
        q = (h @ w_q).view(N, num_heads, 1, dh)
        cache[b, 0, :, :, index] = (h @ w_k).view(N, num_heads, dh)
        cache[b, 1, :, :, index] = (h @ w_v).view(N, num_heads, dh)
        s = q @ cache[b, 0, :, :, :index + 1].transpose(-2, -1) / math.sqrt(dh)
        s = STABILISE
        e = torch.exp(s)
        x = x + ((e / e.sum(-1, keepdim=True)) @ cache[b, 1, :, :, :index + 1]).reshape(N, d) @ w_o
        x = x + _gelu(_ln(x) @ w1) @ w2
    return _ln(x) @ w_emb.T, cache
"""


def test_an_unstabilised_softmax_in_the_kv_cache_step_fails_the_large_scores_case_and_is_named(grade):
    wrong = grade("kv-cache", KV_STEP.replace("STABILISE", "s"))
    assert [c.name for c in wrong.cases if not c.passed] == ["large attention scores (up to 200)"]
    assert wrong.diagnosis and wrong.diagnosis["name"] == "softmax without the row maximum subtracted"
    right = grade("kv-cache", KV_STEP.replace("STABILISE", "s - s.amax(-1, keepdim=True)"))
    assert right.passed, [(c.name, c.message) for c in right.cases if not c.passed]


BLOCK = """
import math
import torch
def _ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)
def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w1, w2 = block_weights
    N, T, d = x.shape
    h = _ln(x)
    split = lambda t: t.reshape(N, T, num_heads, d // num_heads).transpose(1, 2)
    q, k, v = split(h @ w_q), split(h @ w_k), split(h @ w_v)
    s = q @ k.transpose(-2, -1) / math.sqrt(d // num_heads)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    s = STABILISE
    e = torch.exp(s)
    x = x + ((e / e.sum(-1, keepdim=True)) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
    u = _ln(x) @ w1
    return x + 0.5 * u * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (u + 0.044715 * u ** 3))) @ w2
"""


def test_an_unstabilised_softmax_inside_the_block_fails_the_large_scores_case_and_is_named(grade):
    wrong = grade("transformer-block", BLOCK.replace("STABILISE", "s"))
    assert [c.name for c in wrong.cases if not c.passed] == ["large attention scores (up to 200), causal (2, 6, 32), 4 heads"]
    assert wrong.diagnosis and wrong.diagnosis["name"] == "attention's softmax without the row maximum subtracted"
    right = grade("transformer-block", BLOCK.replace("STABILISE", "s - s.amax(-1, keepdim=True)"))
    assert right.passed, [(c.name, c.message) for c in right.cases if not c.passed]
