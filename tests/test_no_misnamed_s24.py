"""Issue 20, precision round (session 24): wrong solutions written as an adversary of the
explainer, each once given a cause that was NOT its mistake. Every file is a learner's
drop-in solution in this file's own words; the asserts say what must not be claimed and
what the evidence does show.

- a constant written with too few digits (0.797885 for sqrt(2/pi)) errs by float32's size on
  float64 cases: it was told "computed in float32 precision" (proof needs float32 numbers);
- a hard-coded eps = 1e-6 was told "eps is not applied as sqrt(var + eps)": the form is right;
- values projected with w_k give zeros when w_q = w_k = 0: told "the output is not the mean of
  the values", which sends the learner to the averaging;
- a scale written inside the causal branch fitted a divisor of 1 on the non-causal cases and
  was told "behaves exactly like the right one ... dividing by 1", though its causal cases
  divide right (a claim needs every failing case and the passed ones to agree);
- top-p with the temperature multiplied got a hedge of untested causes for its nucleus count.
"""

from __future__ import annotations

import math

import torch

from grader.course.cases import Case
from grader.evidence.finding import Confidence
from grader.verdict.precision import float32_finding


def said(report) -> str:
    d = report.diagnosis or {}
    return (d.get("name", "") + " " + d.get("explanation", "")).lower()


# --------------------------------------------------------------------------- precision
GELU_SHORT_CONSTANT = """
import torch

def gelu(x):
    inner = 0.797885 * (x + 0.044715 * x * x * x)   # sqrt(2/pi), from memory
    return 0.5 * x * (1.0 + torch.tanh(inner))
"""


def test_a_constant_with_too_few_digits_is_not_called_a_float32_computation(grade):
    report = grade("gelu", GELU_SHORT_CONSTANT)
    assert not report.passed
    d = report.diagnosis
    assert d is not None, report
    assert "computed in float32" not in said(report), d
    assert "off by up to" in d["name"] and "every float32 case passes" in d["name"], d
    assert d["confidence"] == Confidence.CONSISTENT.value, d


class _Row:
    def __init__(self, name, passed):
        self.name, self.passed, self.status = name, passed, "ok"


class _Report:
    def __init__(self, rows):
        self.cases = rows


class _Source:
    def __init__(self, expected):
        self._expected = expected

    def expected(self, case):
        return self._expected[case.name]


def test_the_float32_cause_is_named_only_when_every_value_is_a_float32_number(monkeypatch):
    import grader.verdict.precision as precision

    x32 = torch.linspace(-2, 2, 7)
    x64 = torch.linspace(-2, 2, 7, dtype=torch.float64)
    right = torch.tanh(x64 * math.sqrt(2 / math.pi))
    cases = [Case("f32", {"x": x32}), Case("f64", {"x": x64})]
    monkeypatch.setattr(precision, "source_for", lambda problem: _Source({"f64": right}))
    report = _Report([_Row("f32", True), _Row("f64", False)])
    as_float32 = torch.tanh(x64.float() * math.sqrt(2 / math.pi)).double()  # float32 numbers cast back
    short_digits = torch.tanh(x64 * 0.797885)  # float64 numbers, off by a constant's missing digits
    proven = float32_finding(None, report, cases, {"f64": {"output": as_float32}})
    measured = float32_finding(None, report, cases, {"f64": {"output": short_digits}})
    assert proven.confidence == Confidence.PROVEN and "computed in float32" in proven.name
    assert measured.confidence == Confidence.CONSISTENT and measured.name.startswith("your float64 results are off by"), \
        measured
    assert "computed in float32" not in (measured.name + measured.explanation)


# --------------------------------------------------------------------------- layer-norm's eps
LAYER_NORM_FIXED_EPS = """
import torch

def layer_norm(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = (x - mu).pow(2).mean(dim=-1, keepdim=True)
    return (x - mu) / (var + 1e-6).sqrt()   # eps typed in by hand
"""


def test_a_hard_coded_eps_is_told_its_value_not_a_wrong_form(grade):
    d = grade("layer-norm", LAYER_NORM_FIXED_EPS).diagnosis
    assert d is not None
    assert "not applied as sqrt(var + eps)" not in d["name"], d
    assert "ignored" in d["name"] and "1e-06" in d["name"], d


# --------------------------------------------------------------------------- attention
ATTENTION_VALUES_FROM_W_K = """
import math
import torch

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    n, t, d = x.shape
    dh = d // num_heads
    def heads(m):
        return m.reshape(n, t, num_heads, dh).permute(0, 2, 1, 3)
    q, k, v = heads(x @ w_q), heads(x @ w_k), heads(x @ w_k)   # the last should use w_v
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        scores = scores.masked_fill(torch.triu(torch.ones(t, t, dtype=torch.bool), 1), float("-inf"))
    out = torch.softmax(scores, dim=-1) @ v
    return out.permute(0, 2, 1, 3).reshape(n, t, d) @ w_o
"""


def test_values_that_vanish_with_w_k_are_said_as_zeros_not_as_a_wrong_average(grade):
    # Since the recall round the two extra equal-score trials (only w_k real, only w_q real) name the weight itself.
    d = grade("attention", ATTENTION_VALUES_FROM_W_K).diagnosis
    assert d is not None
    assert d["name"] != "with all scores equal the output is not the mean of the values", d
    assert "values are projected with w_k" in d["name"], d


ATTENTION_SCALE_IN_CAUSAL_BRANCH = """
import math
import torch

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    n, t, d = x.shape
    dh = d // num_heads
    q, k, v = [(x @ w).view(n, t, num_heads, dh).transpose(1, 2) for w in (w_q, w_k, w_v)]
    scores = q @ k.transpose(-1, -2)
    if causal:
        future = torch.ones(t, t, dtype=torch.bool).triu(diagonal=1)
        scores = scores.masked_fill(future, float("-inf"))
        scores = scores / math.sqrt(dh)        # indented one level too far
    return (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(n, t, d) @ w_o
"""


def test_a_scale_inside_the_causal_branch_is_not_proven_to_divide_by_one(grade):
    report = grade("attention", ATTENTION_SCALE_IN_CAUSAL_BRANCH)
    d = report.diagnosis
    assert d is not None
    # Its causal cases pass: no divisor of 1 explains them, so no "behaves exactly like" claim.
    assert "behaves exactly like" not in d["name"], d
    if "scaled by" in d["name"] or "divided by" in d["name"]:
        assert "causal off" in d["name"], d


KV_SCALE_FROM_CACHE_LENGTH = """
import math
import torch

def _norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt((x - m).pow(2).mean(-1, keepdim=True) + eps)

def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    cache = cache.clone()
    n, d = token_ids.shape[0], w_emb.shape[1]
    dh = d // num_heads
    scale = math.sqrt(cache.shape[-2])   # the cache's length axis, not its head size
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)
    for b, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = _norm(x)
        q, k, v = [(h @ w).view(n, num_heads, dh) for w in (wq, wk, wv)]
        cache[b, 0, :, :, index] = k
        cache[b, 1, :, :, index] = v
        keys, values = cache[b, 0, :, :, :index + 1], cache[b, 1, :, :, :index + 1]
        weights = torch.softmax((q.unsqueeze(2) @ keys.transpose(-1, -2)) / scale, dim=-1)
        x = x + (weights @ values).reshape(n, 1, d) @ wo
        m = _norm(x) @ w1
        x = x + 0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m ** 3))) @ w2
    return (_norm(x) @ w_emb.T)[:, 0], cache
"""


def test_a_divisor_read_from_the_wrong_size_is_still_proven_on_every_failing_case(grade):
    d = grade("kv-cache", KV_SCALE_FROM_CACHE_LENGTH).diagnosis
    assert d is not None and d["confidence"] == "proven", d
    assert "dividing by" in d["name"] and "sqrt(" in d["name"], d


# --------------------------------------------------------------------------- top-p
TOP_P_TEMPERATURE_MULTIPLIED = """
import torch

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits * temperature, dim=-1)   # should divide
    ranked, order = probs.sort(dim=-1, descending=True)
    before = ranked.cumsum(-1) - ranked
    ranked = torch.where(before < p, ranked, torch.zeros_like(ranked))
    ranked = ranked / ranked.sum(-1, keepdim=True)
    return torch.zeros_like(probs).scatter(-1, order, ranked)
"""


def test_a_nucleus_count_names_no_cause_it_did_not_test(grade):
    d = grade("top-p", TOP_P_TEMPERATURE_MULTIPLIED).diagnosis
    assert d is not None
    text = (d["name"] + " " + d["explanation"]).lower()
    for untested in ("not normalised", "or the test stops", "scaled down"):
        assert untested not in text, d


# --------------------------------------------------------------------------- building blocks
BLOCK_WITH_ITS_OWN_EPS_DEFAULT = """
import math
import torch

def layer_norm(x, eps=1e-6):            # a default of its own; the block below always passes 1e-5
    mu = x.mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt((x - mu).pow(2).mean(-1, keepdim=True) + eps)

def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    n, t, d = x.shape
    dh = d // num_heads
    q, k, v = [(x @ w).view(n, t, num_heads, dh).transpose(1, 2) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-1, -2) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(n, t, d) @ w_o

def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w_1, w_2 = block_weights
    x = x + multi_head_attention(layer_norm(x, 1e-5), w_q, w_k, w_v, w_o, num_heads, causal)
    return x + gelu(layer_norm(x, 1e-5) @ w_1) @ w_1   # the second matrix should be w_2
"""


def test_a_helper_failing_its_own_cases_is_not_said_to_be_what_the_check_is_built_on(grade):
    report = grade("transformer-block", BLOCK_WITH_ITS_OWN_EPS_DEFAULT)
    [stage] = [loc for loc in report.localisation if loc["kind"] == "stage"]
    assert stage["entry"] == "layer_norm", stage
    assert "built on it" not in stage["text"] and "was not tested" in stage["text"], stage["text"]


LAYER_NORM_EPS_TEN_TIMES = """
import torch

def layer_norm(x, eps=1e-5):
    centred = x - x.mean(-1, keepdim=True)
    return centred / torch.sqrt(centred.square().mean(-1, keepdim=True) + 10 * eps)   # a 'safer' eps
"""

LAYER_NORM_CLAMPED_VARIANCE = """
import torch

def layer_norm(x, eps=1e-5):
    centred = x - x.mean(-1, keepdim=True)
    var = centred.square().mean(-1, keepdim=True).clamp(min=eps)   # a floor, not an addition
    return centred / var.sqrt()
"""


def test_a_larger_eps_is_told_its_value_not_that_rows_are_not_divided_by_their_spread(grade):
    d = grade("layer-norm", LAYER_NORM_EPS_TEN_TIMES).diagnosis
    assert "same wrong variance" not in d["name"] and "not by sqrt(var + eps) of the row" not in d["name"], d
    assert "0.0001" in d["name"], d


def test_a_variance_floor_is_still_told_its_form_is_not_sqrt_var_plus_eps(grade):
    d = grade("layer-norm", LAYER_NORM_CLAMPED_VARIANCE).diagnosis
    assert "not applied as sqrt(var + eps)" in d["name"], d


# --------------------------------------------------------------------------- sample's frequency reading
def _sample_properties():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "problems" / "sample" / "properties.py"
    spec = importlib.util.spec_from_file_location("_sample_properties_for_test", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _draws_following(rows: torch.Tensor, n: int) -> torch.Tensor:
    """n draws per row, laid out as the probe does (draw k of row r at k * R + r), with exact frequencies."""
    cols = []
    for row in rows:
        counts = torch.round(row * n).long()
        counts[counts.argmax()] += n - int(counts.sum())
        cols.append(torch.repeat_interleave(torch.arange(len(row)), counts))
    return torch.stack(cols, 1).reshape(-1)


def test_draws_right_with_two_tokens_and_flatter_with_more_name_no_cause():
    props = _sample_properties()
    follow = torch.tensor([[0.1, 0.3, 0.05, 0.25, 0.1, 0.2], [0.6, 0.0, 0.1, 0.1, 0.0, 0.2],
                           [0.0, 0.7, 0.0, 0.0, 0.3, 0.0]], dtype=torch.float64)
    flatter = follow.clone()
    flatter[:2] = follow[:2] ** 0.6 / (follow[:2] ** 0.6).sum(-1, keepdim=True)  # two-token row left exact
    sharper = follow.clone()
    sharper[:2] = follow[:2] ** 1.6 / (follow[:2] ** 1.6).sum(-1, keepdim=True)
    trials = [dict(probs=follow)]
    flat = props.frequencies_follow([_draws_following(flatter, 3000)], trials)
    sharp = props.frequencies_follow([_draws_following(sharper, 3000)], trials)
    # Flatter: a logistic noise that is not Gumbel gives it, so no "combined the wrong way round".
    assert "right when only two tokens are possible" in flat.name and "wrong way round" not in flat.name, flat
    assert "wrong way round" in sharp.name, sharp  # the Gumbel noise of the wrong sign keeps its reading


# --------------------------------------------------------------------------- kv-cache reading its cache
KV_ONLY_THE_NEW_SLOT = KV_SCALE_FROM_CACHE_LENGTH.replace(
    "scale = math.sqrt(cache.shape[-2])   # the cache's length axis, not its head size", "scale = math.sqrt(dh)").replace(
    "cache[b, 0, :, :, :index + 1], cache[b, 1, :, :, :index + 1]",
    "cache[b, 0, :, :, index:index + 1], cache[b, 1, :, :, index:index + 1]   # only the new slot")


def test_a_step_attending_only_to_its_new_slot_is_not_told_its_keys_come_from_elsewhere(grade):
    assert "index:index + 1" in KV_ONLY_THE_NEW_SLOT and "math.sqrt(dh)" in KV_ONLY_THE_NEW_SLOT
    d = grade("kv-cache", KV_ONLY_THE_NEW_SLOT).diagnosis
    text = (d["name"] + " " + d["explanation"]).lower()
    assert "come from somewhere else" not in text and "kept between calls, or recomputed" not in text, d


# --------------------------------------------------------------------------- variant matches in one place
def test_matches_in_one_place_do_not_send_the_learner_there():
    """An equivalence proves the output, not the line: a head count passed wrong at the call site matches edits
    inside the head split, so the place is named as where the RIGHT code can be edited, not where to look."""
    from grader.verdict.variant_match import SAME_EFFECT, VariantTable, variant_finding

    out = torch.zeros(3)
    table = VariantTable(("a constant doubled in the head split", "an axis changed in the head split"),
                         ("the head split", "the head split"), {"c": out}, {"c": [out + 1, out + 1]})
    finding = variant_finding(table, [0, 1])
    assert "look there" not in finding.explanation and SAME_EFFECT in finding.explanation, finding


LAYER_NORM_DEFAULT_EPS_TOO_SMALL = """
import torch

def layer_norm(x, eps=1e-6):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)
"""


def test_a_wrong_default_eps_is_told_as_the_default_not_as_the_form(grade):
    # eps is applied as sqrt(var + eps) whenever it is passed; only the default differs.
    report = grade("layer-norm", LAYER_NORM_DEFAULT_EPS_TOO_SMALL)
    assert not report.passed
    d = report.diagnosis
    assert d is not None, report
    assert "not applied as sqrt(var + eps)" not in said(report), d
    assert "default eps is not 1e-5" in d["name"] and "1e-06" in d["name"], d


ATTENTION_SCALE_PRECEDENCE = """
import math
import torch

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    split = lambda t: t.view(N, T, num_heads, dh).transpose(1, 2)
    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    s = q @ k.transpose(-2, -1) / dh ** 1/2          # meant: dh ** 0.5
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    out = torch.softmax(s, -1) @ v
    return out.transpose(1, 2).reshape(N, T, d) @ w_o
"""


def test_a_divisor_two_quantities_share_in_the_trial_is_said_as_a_number(grade):
    # With 2 heads, 2 * d_head = d_model: the divisor is measured (8), the quantity is not told apart.
    report = grade("attention", ATTENTION_SCALE_PRECEDENCE)
    assert not report.passed
    text = said(report) + " " + " ".join(str(x) for x in (report.diagnosis or {}).get("also_failed", []))
    assert "scaled by d_model" not in text, report.diagnosis
