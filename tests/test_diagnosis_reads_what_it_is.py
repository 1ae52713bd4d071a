"""Issue 20, third round: when a stage or a property is wrong, the grader measures what the learner's
output IS (the right output computed a specific other way, on purpose-made inputs) and says that
reading, instead of "first differs at stage X" or a symptom. Every wrong solution here is this file's
own rewrite of a right one; each reading is also checked NOT to be said where it does not hold.
"""

from __future__ import annotations

import torch

from grader.evidence.ablation import Reading, Stage, StageResult, read_ladder
from grader.evidence.compare import shape_reading
from grader.evidence.properties import Broken
from grader.evidence.sampling_props import keeps_the_largest
from grader.verdict.exception_readings import exception_reading

RIGHT_LM = '''
import math
import torch


def ln(x, eps=1e-5):
    c = x - x.mean(-1, keepdim=True)
    return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)


def block(h, wq, wk, wv, wo, w1, w2, heads):
    B, T, D = h.shape
    dh = D // heads
    a = ln(h)
    q, k, v = [(a @ w).view(B, T, heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
    s = (q @ k.transpose(-1, -2) / math.sqrt(dh)).masked_fill(torch.ones(T, T).triu(1).bool(), float("-inf"))
    h = h + (s.softmax(-1) @ v).transpose(1, 2).reshape(B, T, D) @ wo
    m = ln(h) @ w1
    return h + 0.5 * m * (1 + torch.tanh(math.sqrt(2 / math.pi) * (m + 0.044715 * m ** 3))) @ w2


def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    h = w_emb[input_ids] + pos_embed[:T]
    for bw in blocks_weights:
        h = block(h, *bw, num_heads)
    h = ln(h)
    return h @ w_emb.T
'''


def name_of(report) -> str:
    return (report.diagnosis or {}).get("name", "")


def test_the_right_model_passes_with_no_diagnosis(grade):
    report = grade("causal-lm", RIGHT_LM)
    assert report.passed and report.diagnosis is None, report.diagnosis


def test_a_final_layer_norm_inside_the_block_loop_is_read_across_stages(grade):
    source = RIGHT_LM.replace("        h = block(h, *bw, num_heads)\n    h = ln(h)",
                              "        h = block(h, *bw, num_heads)\n        h = ln(h)")
    report = grade("causal-lm", source)
    assert not report.passed
    assert "applied after every block" in name_of(report), report.diagnosis


def test_a_final_layer_norm_skipped_only_without_blocks_is_not_said_to_be_inside_the_loop(grade):
    source = RIGHT_LM.replace("    T = input_ids.shape[1]\n    h = w_emb[input_ids] + pos_embed[:T]",
                              "    T = input_ids.shape[1]\n    h = w_emb[input_ids] + pos_embed[:T]\n"
                              "    if len(blocks_weights) == 0:\n        return h @ w_emb.T")
    name = name_of(grade("causal-lm", source))
    assert "no final layer norm is applied" in name and "every block" not in name, name


def test_positions_read_from_later_rows_are_said_with_the_rows(grade):
    source = RIGHT_LM.replace("pos_embed[:T]", "pos_embed[1:T + 1]")
    name = name_of(grade("causal-lm", source))
    assert "row t + 1 of pos_embed" in name, name


def test_a_loop_one_block_short_is_named_only_as_a_pattern_of_every_block_stage(grade):
    source = RIGHT_LM.replace("    for bw in blocks_weights:", "    for bw in blocks_weights[:-1]:")
    name = name_of(grade("causal-lm", source))
    assert "one block fewer" in name, name


def test_values_projected_with_the_query_weight_are_read_from_a_weight_swap(grade):
    source = RIGHT_LM.replace("for w in (wq, wk, wv)]", "for w in (wq, wk, wq)]")
    name = name_of(grade("causal-lm", source))
    assert "w_v replaced by w_q" in name, name


# --------------------------------------------------------------------------- the grouped reading, by itself
def _stage(name, readings):
    return Stage(name, {}, torch.zeros(1), "changed", "wrong", readings=readings)


def test_a_grouped_reading_is_not_named_when_one_declaring_stage_is_right():
    a = Reading(torch.ones(1), "m", "stage a reads X", observed=True, group="g", group_seen="THE PATTERN")
    b = Reading(torch.ones(1), "m", "stage b reads X", observed=True, group="g", group_seen="THE PATTERN")
    sa, sb = _stage("a", (a,)), _stage("b", (b,))
    both = read_ladder([StageResult(sa, False, "wrong", (a,)), StageResult(sb, False, "wrong", (b,))])
    assert both.name == "THE PATTERN"
    one = read_ladder([StageResult(sa, False, "wrong", (a,)), StageResult(sb, True, "right")])
    assert one.name == "stage a reads X"  # only what that stage measured
    # A reading that may not stand alone (one stage does not tell it from other causes) is not said from one stage.
    lone = Reading(torch.ones(1), "m", "stage a reads Y", observed=True, group="h", group_seen="P", alone=False)
    sl = _stage("a", (lone,))
    assert "reads Y" not in read_ladder([StageResult(sl, False, "wrong", (lone,)), StageResult(sb, True, "right")]).name


# --------------------------------------------------------------------------- shapes and messages
def test_a_flatten_never_restored_is_read_from_the_shapes_alone():
    assert "axes 1 and 2 merged into one of size 250" in shape_reading((2, 5, 50), (2, 250))
    assert "axes 0 and 1 merged" in shape_reading((2, 5, 50), (10, 50))
    assert "merged" not in shape_reading((2, 5, 50), (2, 50, 5))
    added = shape_reading((12,), (1, 12))
    assert "extra leading axis" in added and "broadcast" not in added
    assert "broadcast" in shape_reading((), (1,))  # from a 0-d result, a (1,) constant does add that axis


def test_an_exception_message_is_read_only_when_it_states_a_fact():
    assert "autograd graph" in exception_reading(
        "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn")
    assert exception_reading("RuntimeError: The size of tensor a (16) must match the size of tensor b (0)") == ""


# --------------------------------------------------------------------------- kept sets
def _logits():
    return torch.tensor([[0.1, 2.0, -1.0, 1.0, 0.5, -0.3], [1.5, -0.2, 0.3, 2.2, -1.1, 0.9]], dtype=torch.float64)


def test_a_keep_mask_mapped_back_with_a_gather_is_read_back():
    logits = _logits()
    order = logits.argsort(-1, descending=True)
    keep_sorted = torch.zeros_like(logits, dtype=torch.bool)
    keep_sorted[:, :2] = True
    wrong = keep_sorted.gather(-1, order)  # the permutation, not its inverse
    out = torch.where(wrong, torch.softmax(logits, -1), torch.zeros_like(logits))
    found = keeps_the_largest([out], [dict(logits=logits)])
    assert isinstance(found, Broken) and "gather" in found.name, found
    right = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    out = torch.where(right, torch.softmax(logits, -1), torch.zeros_like(logits))
    assert not isinstance(keeps_the_largest([out], [dict(logits=logits)]), Broken)


def test_a_top_token_never_kept_is_read_back():
    logits = _logits()
    rank = logits.argsort(-1, descending=True).argsort(-1)
    keep = (rank >= 1) & (rank <= 2)
    out = torch.where(keep, torch.softmax(logits, -1), torch.zeros_like(logits))
    found = keeps_the_largest([out], [dict(logits=logits)])
    assert isinstance(found, Broken) and "never kept" in found.name, found


# --------------------------------------------------------------------------- attention and layer norm
ATTENTION = '''
import math
import torch

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q, k, v = [(x @ w).view(N, T, num_heads, dh).transpose(1, 2) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
'''


def test_hidden_scores_set_to_almost_zero_are_read_back_and_a_right_attention_passes(grade):
    right = grade("attention", ATTENTION)
    assert right.passed and right.diagnosis is None, right.diagnosis
    name = name_of(grade("attention", ATTENTION.replace('float("-inf")', "-1e-9")))
    assert "set to 0 instead of -inf" in name, name


def test_keys_projected_with_the_query_weight_are_read_back(grade):
    name = name_of(grade("attention", ATTENTION.replace("for w in (w_q, w_k, w_v)]", "for w in (w_q, w_q, w_v)]")))
    assert "keys projected with w_q" in name, name


def test_a_layer_norm_over_all_but_the_first_axis_is_said_with_its_axes(grade):
    source = '''
import torch

def layer_norm(x, eps=1e-5):
    flat = x.reshape(x.shape[0], -1)
    mean = flat.mean(-1, keepdim=True)
    var = ((flat - mean) ** 2).mean(-1, keepdim=True)
    return ((flat - mean) / torch.sqrt(var + eps)).reshape(x.shape)
'''
    name = name_of(grade("layer-norm", source))
    assert "normalised over axes (1, 2)" in name, name


def test_a_layer_norm_dividing_by_the_first_axis_is_said_with_the_divisor(grade):
    source = '''
import torch

def layer_norm(x, eps=1e-5):
    n = x.shape[0]
    mean = x.sum(-1, keepdim=True) / n
    var = ((x - mean) ** 2).sum(-1, keepdim=True) / n
    return (x - mean) / torch.sqrt(var + eps)
'''
    name = name_of(grade("layer-norm", source))
    assert "divides the row's sum by 2 (the size of axis 0)" in name, name


def test_a_wrong_width_is_told_which_inputs_have_that_size_and_nothing_when_none_does():
    from grader.verdict.size_readings import size_reading

    inputs = {"w_emb": torch.zeros(50, 32), "w_head": torch.zeros(32, 50), "num_heads": 4}
    said = size_reading(inputs, [0, 50], [0, 32])
    assert "axis 1 has size 32, the size of axis 1 of `w_emb`" in said and "where 50" in said, said
    assert size_reading(inputs, [0, 50], [0, 33]) == ""  # no input of that size: nothing to say
    assert size_reading(inputs, [2, 50], [3, 32]) == ""  # two axes differ: not one size to explain


def test_blocks_that_each_read_the_embeddings_are_not_called_one_block_short(grade):
    # With two identical blocks, blocks that are not chained give the right output of one block, as a loop one
    # short does; alone, that stage does not tell them apart, so the grouped reading is not said from it.
    source = RIGHT_LM.replace("    for bw in blocks_weights:\n        h = block(h, *bw, num_heads)",
                              "    e = h\n    for bw in blocks_weights:\n        h = block(e, *bw, num_heads)")
    assert source != RIGHT_LM
    report = grade("causal-lm", source)
    assert not report.passed
    d = report.diagnosis or {}
    said = (d.get("name", "") + " " + d.get("explanation", "")).lower()
    assert "left out" not in said and "one block fewer" not in said, d
