"""Issue 20, second round: a diagnosis states what its experiment measured, never a cause the
experiment did not isolate. Each class below once got a WRONG name; each wrong solution is
written here in this file's own words (a small rewrite of a right one).

- an output full of NaN is reported as NaN (where it first shows), not as the fault of the
  first ablation stage that shows it: a zero weight does not switch a NaN off;
- a sampler whose draws do not depend on the rows' own distributions, or on the random
  numbers at all, is told what was drawn, not "one random number shared by all rows";
- a head whose output has the wrong shape is told so, never "your code raises" (a probe
  used the output before checking it);
- a gradient that never flows back through the hidden states is named by its exact match;
- one slip written at every place of a helper (a pasted layer norm reducing over dim=1 in
  its mean and its variance) is proven by a uniform variant.
"""

from __future__ import annotations

import re

import torch

from grader.evidence.ablation import Stage, StageResult, judge_stage, read_ladder
from grader.evidence.finding import EvidenceKind
from grader.verdict.variant_match import VariantTable, variant_finding

MODEL = '''
import math
import torch


def ln(x, eps=1e-5):
    c = x - x.mean(-1, keepdim=True)
    return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    B, T = input_ids.shape
    D = w_emb.shape[1]
    dh = D // num_heads
    h = w_emb[input_ids] + pos_embed[:T]
    allowed = torch.ones(T, T, dtype=h.dtype).tril()
    for wq, wk, wv, wo, w1, w2 in blocks_weights:
        a = ln(h)
        q, k, v = [(a @ w).view(B, T, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        s = q @ k.transpose(-1, -2) / math.sqrt(dh)
        s = s * allowed + (1 - allowed) * float("-inf")  # NaN where allowed is 0: 0 * -inf
        h = h + (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D) @ wo
        m = ln(h) @ w1
        h = h + 0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m ** 3))) @ w2
    return ln(h) @ w_emb.T
'''


def text_of(report) -> str:
    d = report.diagnosis or {}
    return (d.get("name", "") + " " + d.get("explanation", "")).lower()


# --------------------------------------------------------------------------- NaN is reported as NaN
def test_a_mask_made_by_multiplying_with_infinity_is_reported_as_nan_not_as_a_stage_fault(grade):
    report = grade("causal-lm", MODEL)
    assert not report.passed
    d = report.diagnosis
    assert d is not None and "nan" in d["name"].lower(), d
    # The first stage that shows the NaN is where it is SEEN; its parts are not blamed.
    for blamed in ("residual", "normalised", "wrong even", "the mask is wrong"):
        assert blamed not in d["name"].lower(), d
    assert "nan * 0 is nan" in d["explanation"].lower(), d


def _stage(name):
    return Stage(name, {}, torch.zeros(2, 3), f"{name}: switched off", "its parts are wrong")


def test_the_ladder_reports_the_first_stage_with_nan_as_where_it_shows_without_a_cause():
    right, nan = _stage("embedding alone"), _stage("one block, sublayers off")
    nan_outcome = type("Outcome", (), {"status": "ok", "message": "", "value": {"output": torch.full((2, 3), float("nan"))}})
    result = judge_stage(type("P", (), {"tolerance": lambda self, dtype: (1e-6, 1e-6)})(), nan, nan_outcome)
    assert result.right is False and result.nonfinite
    finding = read_ladder([StageResult(right, True, "right"), result])
    assert finding is not None and "nan or inf" in finding.name.lower()
    assert "its parts are wrong" not in finding.explanation and "first seen" in finding.name


# --------------------------------------------------------------------------- samplers: what was drawn
SORTED_RANK = '''
import torch


def sample(probs, generator):
    ordered, order = probs.sort(dim=-1, descending=True)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
    rank = (ordered.cumsum(-1) < u).sum(-1).clamp(max=probs.shape[1] - 1)
    return rank  # the position in the sorted row, never mapped back through `order`
'''

WHOLE_ROW_SCALE = '''
import torch


def sample(probs, generator):
    cdf = probs.cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype) * cdf[0]  # a row, not a total
    return (cdf < u).sum(-1).clamp(max=probs.shape[1] - 1)
'''


def test_a_rank_never_mapped_back_is_told_what_was_drawn_not_that_rows_are_mixed(grade):
    report = grade("sample", SORTED_RANK)
    text = text_of(report)
    assert not report.passed and report.diagnosis is not None
    for claim in ("their own distributions", "mixed", "shared by all rows", "one random number"):
        assert claim not in report.diagnosis["name"].lower(), report.diagnosis
    # What the draws ARE, measured on spread-out distributions (issue 20, third round): ranks, not ids.
    assert "rank in the sorted distribution" in text, report.diagnosis


def test_a_draw_the_random_numbers_never_reach_is_not_called_a_shared_random_number(grade):
    report = grade("sample", WHOLE_ROW_SCALE)
    assert not report.passed and report.diagnosis is not None
    for claim in ("shared by all rows", "one random number"):
        assert claim not in text_of(report), report.diagnosis


# --------------------------------------------------------------------------- reverse-embedding
FLAT_HEAD = '''
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden):
        return hidden.reshape(-1, hidden.shape[-1]) @ self.embedding.weight.T  # leading axes never restored
'''

HIDDEN_CUT = '''
import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden):
        return hidden.detach() @ self.embedding.weight.T
'''


def test_a_head_that_returns_the_wrong_shape_is_told_its_shape_not_that_it_raises(grade):
    report = grade("reverse-embedding", FLAT_HEAD)
    d = report.diagnosis
    assert not report.passed and d is not None
    assert "raises" not in d["name"] and "shape" in d["name"], d


def test_a_gradient_cut_at_the_hidden_states_is_named_by_its_exact_match(grade):
    report = grade("reverse-embedding", HIDDEN_CUT)
    d = report.diagnosis
    assert not report.passed and d is not None and d["confidence"] == "proven", d
    assert "through the hidden states" in d["name"], d


# --------------------------------------------------------------------------- a slip written at every place
def test_a_layer_norm_over_positions_in_both_its_reductions_is_proven_by_a_uniform_variant(grade):
    source = '''
    import math
    import torch


    def layer_norm(x, eps=1e-5):
        centre = x - x.mean(1, keepdim=True)
        return centre / torch.sqrt(centre.pow(2).mean(1, keepdim=True) + eps)


    def pre_ln_block(x, block_weights, num_heads, causal=False):
        w_q, w_k, w_v, w_o, w_1, w_2 = block_weights
        N, T, d = x.shape
        h = d // num_heads
        a = layer_norm(x)
        q, k, v = [(a @ w).view(N, T, num_heads, h).transpose(1, 2) for w in (w_q, w_k, w_v)]
        s = q @ k.transpose(-2, -1) / math.sqrt(h)
        if causal:
            s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        x = x + (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
        m = layer_norm(x) @ w_1
        return x + 0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m ** 3))) @ w_2
    '''
    d = grade("transformer-block", source).diagnosis
    assert d is not None and d["evidence"] == EvidenceKind.VARIANT.value and d["confidence"] == "proven", d
    assert "at every one of its 2 places in a layer norm" in d["name"], d


def test_matches_that_edit_the_same_places_are_one_slip_said_once():
    out = torch.zeros(3)
    table = VariantTable(("the axis -1 changed to 1 in a norm", "the axis -1 changed to -2 in a norm"),
                         ("a norm", "a norm"), {"c": out}, {"c": [out + 1] * 2}, sites=("3:26", "3:26"))
    finding = variant_finding(table, [0, 1])
    assert finding is not None and finding.name.startswith(
        "your code behaves exactly like the right one with the axis -1 changed to 1 in a norm")
    assert "the same as" in finding.name


# --------------------------------------------------------------------------- which weights the blocks ran with
def test_every_block_run_with_the_first_blocks_weights_is_said_as_measured(grade):
    source = MODEL.replace("s = s * allowed + (1 - allowed) * float(\"-inf\")  # NaN where allowed is 0: 0 * -inf",
                           "s = s.masked_fill(allowed == 0, float(\"-inf\"))")
    source = source.replace("for wq, wk, wv, wo, w1, w2 in blocks_weights:",
                            "for _ in range(len(blocks_weights)):\n        wq, wk, wv, wo, w1, w2 = blocks_weights[0]")
    report = grade("causal-lm", source)
    d = report.diagnosis
    assert not report.passed and d is not None, report.diagnosis
    assert "equals the right output for [B0, B0]" in d["name"] and d["confidence"] == "consistent with", d


# --------------------------------------------------------------------------- what depends on what, with NaN and inf
def test_an_output_with_nan_gets_no_influence_grid_and_equal_infinities_did_not_move():
    from grader.verdict.probes.influence import influence

    x = torch.arange(12.0).reshape(1, 4, 3)
    _, grid = influence(lambda x: x.cumsum(1) * float("nan"), {"x": x}, "x", 1, 1)
    assert grid is None  # NaN never equals itself: every cell would read as "moved"
    masked = lambda x: x.cumsum(1).masked_fill(torch.ones(1, 4, 3, dtype=torch.bool).triu(1), float("-inf"))
    _, grid = influence(masked, {"x": x}, "x", 1, 1)
    # Position 0 depends on token 0 only; its -inf entries stay -inf when later tokens change.
    assert bool(grid[0, 0] > 0) and not bool((grid[0, 1:] > 0).any())


# --------------------------------------------------------------------------- a shift shared by the rows
def test_a_maximum_taken_over_the_whole_batch_is_told_by_the_row_that_moves_alone(grade):
    source = '''
    import torch


    def top_k_probs(logits, temperature, k):
        s = logits / temperature
        kth = s.topk(k, dim=-1).values[..., -1:]
        w = torch.exp(s - s.max()) * (s >= kth)  # one maximum for the whole batch
        return w / w.sum(-1, keepdim=True)
    '''
    d = grade("top-k", source).diagnosis
    assert d is not None and "shared by the rows of the batch" in d["name"], d
    assert "-inf entries" not in d["name"], d


def test_a_block_whose_stream_is_replaced_by_its_normed_copy_is_told_what_it_returns(grade):
    source = '''
    import math
    import torch


    def layer_norm(x, eps=1e-5):
        c = x - x.mean(-1, keepdim=True)
        return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)


    def pre_ln_block(x, block_weights, num_heads, causal=False):
        w_q, w_k, w_v, w_o, w_1, w_2 = block_weights
        N, T, d = x.shape
        h = d // num_heads
        x = layer_norm(x)  # the stream itself is replaced by its normed copy
        q, k, v = [(x @ w).view(N, T, num_heads, h).transpose(1, 2) for w in (w_q, w_k, w_v)]
        s = q @ k.transpose(-2, -1) / math.sqrt(h)
        if causal:
            s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        x = x + (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
        m = layer_norm(x) @ w_1
        return x + 0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m ** 3))) @ w_2
    '''
    d = grade("transformer-block", source).diagnosis
    assert d is not None and "returns layer_norm(x)" in d["name"] and "instead of x" in d["name"], d


# --------------------------------------------------------------------------- one case alone fails
def test_when_one_case_alone_fails_the_finding_names_that_case_and_nothing_more():
    from grader.verdict.explain import from_the_failing_check
    from grader.verdict.results import CaseResult, Report

    cases = [CaseResult(f"ordinary {i}", True) for i in range(5)]
    cases.append(CaseResult("temperature 0 with top_k", False, "ids differ at [0, 3]",
                            about="temperature 0 means argmax whatever top_k is"))
    report = Report("generate", "generate", "generate.py", 0, cases=cases)
    finding = from_the_failing_check(report, job=None, sandbox=None)
    assert finding is not None and finding.confidence.value == "localised only"
    assert finding.name == ('every case passes but one: the case "temperature 0 with top_k" '
                            "(temperature 0 means argmax whatever top_k is)")
    report.cases[0] = CaseResult("ordinary 0", False, "values differ")  # two fail: nothing said
    assert from_the_failing_check(report, job=None, sandbox=None) is None


# --------------------------------------------------------------------------- a fit never outranks a broken rule
def test_a_block_that_edits_its_input_in_place_is_told_so_not_given_a_fitted_scale(grade):
    source = '''
    import math
    import torch


    def layer_norm(x, eps=1e-5):
        c = x - x.mean(-1, keepdim=True)
        return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)


    def pre_ln_block(x, block_weights, num_heads, causal=False):
        w_q, w_k, w_v, w_o, w_1, w_2 = block_weights
        N, T, d = x.shape
        h = d // num_heads
        a = layer_norm(x)
        q, k, v = [(a @ w).view(N, T, num_heads, h).transpose(1, 2) for w in (w_q, w_k, w_v)]
        s = q @ k.transpose(-2, -1) / math.sqrt(h)
        if causal:
            s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
        x += (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o  # the caller's tensor, edited
        m = layer_norm(x) @ w_1
        return x + 0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m ** 3))) @ w_2
    '''
    d = grade("transformer-block", source).diagnosis
    assert d is not None and "in place" in d["name"] and "dividing by" not in d["name"], d


# --------------------------------------------------------------------------- a divisor is read only when one explains every weight
ATTENTION_KEYS_FROM_W_Q = '''
import math
import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)  # the keys projected with the queries' weight
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    s = q @ k.transpose(-1, -2) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
'''


def test_keys_from_another_weight_are_not_given_a_fitted_divisor(grade):
    """The scores are q . q', not q . k over a constant: no divisor explains the weights, so none
    may be named (a negative 'divisor' once sent such a learner to a scaling that was right)."""
    report = grade("attention", ATTENTION_KEYS_FROM_W_Q)
    assert not report.passed
    said = text_of(report)
    assert not re.search(r"divided by -?[0-9]", said) and "instead of sqrt(d_head)" not in said, said
    # What the output IS, measured: the right attention with w_q in place of w_k (issue 20, third round).
    assert "keys projected with w_q" in said and "scaled by sqrt(d_head); yours is not" not in said, said


KV_STEP_RETURNING_A_STALE_COPY = '''
import math
import torch


def ln(x, eps=1e-5):
    c = x - x.mean(-1, keepdim=True)
    return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    returned = cache.clone()  # taken before the step writes: it never sees this step
    N, d = token_ids.shape[0], w_emb.shape[1]
    dh = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index])[:, None, :]
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        a = ln(x)
        q, k, v = [(a @ w).view(N, 1, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        keys, values = cache[i, 0, :, :, :index + 1], cache[i, 1, :, :, :index + 1]
        s = (q @ keys.transpose(-1, -2)) / math.sqrt(dh)
        x = x + (s.softmax(-1) @ values).transpose(1, 2).reshape(N, 1, d) @ wo
        m = ln(x) @ w1
        x = x + 0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m ** 3))) @ w2
    return (ln(x) @ w_emb.T)[:, 0], returned
'''


def test_a_step_that_writes_one_cache_and_returns_a_stale_copy_is_not_told_it_never_writes(grade):
    report = grade("kv-cache", KV_STEP_RETURNING_A_STALE_COPY)
    assert not report.passed
    said = text_of(report)
    assert "never written" not in said and "does not store" not in said, said
    assert "return" in said, said
