"""Issue 20, recall round: once the ablation has found the first wrong stage, experiments inside it tell causes
apart (reference/_other_ways.py: the right model computed another way on each stage's inputs, named only when it
equals the learner's output on EVERY stage where it changes the answer, the stages where it does not are right, and
no other way fits as well; kv-cache's own cache readings; a property that reads a block's layer-norm eps; a
sampler's draws compared with softmax of the probabilities). Each learner file here is written for this test, as
a learner would, with one slip; each must get the slip's own name, and never "first differs at the stage"."""

from __future__ import annotations

import torch

from grader.evidence.ablation import Reading, Stage, StageResult, read_ladder
from grader.evidence.finding import EvidenceKind

HELPERS = '''
import math
import torch


def norm(t, eps=1e-5):
    mu = t.mean(-1, keepdim=True)
    return (t - mu) / torch.sqrt(((t - mu) ** 2).mean(-1, keepdim=True) + eps)


def act(t):
    return 0.5 * t * (1 + torch.tanh(math.sqrt(2 / math.pi) * (t + 0.044715 * t ** 3)))


def heads(t, n):
    b, s, w = t.shape
    return t.reshape(b, s, n, w // n).permute(0, 2, 1, 3)


def unheads(t):
    b, n, s, e = t.shape
    return t.permute(0, 2, 1, 3).reshape(b, s, n * e)


def attn(h, wq, wk, wv, wo, n, causal):
    q, k, v = heads(h @ wq, n), heads(h @ wk, n), heads(h @ wv, n)
    s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    if causal:
        T = h.shape[1]
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return unheads(s.softmax(-1) @ v) @ wo


def block(x, w, n, causal):
    wq, wk, wv, wo, w1, w2 = w
    x = x + attn(norm(x), wq, wk, wv, wo, n, causal)
    return x + act(norm(x) @ w1) @ w2
'''


def said(report) -> str:
    d = report.diagnosis or {}
    return d.get("name", "")


def assert_named(report, *words):
    assert not report.passed
    name = said(report)
    assert "first differs" not in name, name
    for w in words:
        assert w.lower() in name.lower(), name


# --------------------------------------------------------------------------- the model, computed another way
def test_blocks_that_each_start_from_the_embeddings_are_named_as_only_the_last_block_counting(grade):
    source = HELPERS + '''
def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    start = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
    h = start
    for w in blocks_weights:
        h = block(start, w, num_heads, True)   # slip: every block reads `start`
    return norm(h) @ w_emb.T
'''
    assert_named(grade("causal-lm", source), "only the LAST block")


def test_attention_that_never_splits_heads_is_named_by_num_heads_one(grade):
    source = HELPERS + '''
def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    h = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
    for w in blocks_weights:
        h = block(h, w, 1, False)   # slip: the head count is never used
    return h[mask_indicator.bool()] @ w_head
'''
    assert_named(grade("mlm-forward", source), "num_heads = 1")


def test_heads_merged_by_a_plain_reshape_are_named(grade):
    source = HELPERS.replace("return t.permute(0, 2, 1, 3).reshape(b, s, n * e)", "return t.reshape(b, s, n * e)") + '''
def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    h = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
    for w in blocks_weights:
        h = block(h, w, num_heads, True)
    return norm(h) @ w_emb.T
'''
    assert_named(grade("causal-lm", source), "merged back by a reshape")


STEP = HELPERS + '''
def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    n = token_ids.shape[0]
    x = (w_emb[token_ids] + pos_embed[index])[:, None]
    for b, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = norm(x)
        q, k, v = heads(h @ wq, num_heads), heads(h @ wk, num_heads), heads(h @ wv, num_heads)
        cache[b, 0, :, :, index] = k[:, :, 0]
        cache[b, 1, :, :, index] = v[:, :, 0]
        keys, vals = cache[READ, 0, :, :, : index + 1], cache[READ, 1, :, :, : index + 1]
        s = q @ keys.transpose(-1, -2) / math.sqrt(q.shape[-1])
        x = x + unheads(s.softmax(-1) @ vals) @ wo
        x = x + act(norm(x) @ w1) @ w2
    return (norm(x) @ w_emb.T)[:, 0], cache
'''


def test_a_decode_step_whose_blocks_all_read_block_zeros_cache_is_named(grade):
    assert_named(grade("kv-cache", STEP.replace("READ", "0")), "block 0's cached keys")


def test_a_layer_norm_that_overwrites_the_stream_is_named_in_a_decode_step(grade):
    source = STEP.replace("READ", "b").replace(
        "    return (t - mu) / torch.sqrt(((t - mu) ** 2).mean(-1, keepdim=True) + eps)",
        "    sd = torch.sqrt(((t - mu) ** 2).mean(-1, keepdim=True) + eps)\n    return t.sub_(mu).div_(sd)")
    assert_named(grade("kv-cache", source), "residual stream itself replaced by its normalised value")


# --------------------------------------------------------------------------- a property reads the cause
def test_a_block_whose_layer_norm_uses_another_eps_is_told_the_eps_it_uses(grade):
    source = HELPERS.replace("def norm(t, eps=1e-5)", "def norm(t, eps=1e-7)") + '''
def pre_ln_block(x, block_weights, num_heads, causal=False):
    return block(x, block_weights, num_heads, causal)
'''
    report = grade("transformer-block", source)
    assert_named(report, "eps = 1e-07", "instead of 1e-5")


def test_gumbel_noise_added_to_the_probabilities_is_read_as_softmax_of_them(grade):
    source = '''
import torch


def sample(probs, generator):
    e = torch.rand(probs.shape, generator=generator, dtype=torch.float64)
    noise = -torch.log(-torch.log(e.clamp(1e-12, 1 - 1e-12)))
    score = (probs.double() + noise).masked_fill(probs <= 0, float("-inf"))
    return score.argmax(-1)
'''
    assert_named(grade("sample", source), "softmax(p)")


# --------------------------------------------------------------------------- precision: when a group is not named
def _stage(name, readings=()):
    return Stage(name, {}, torch.zeros(1), "changed", "wrong means", readings=tuple(readings))


def _reading(group, whole=True):
    return Reading(torch.zeros(1), group, f"seen {group}", observed=True, group=group, group_seen=f"named {group}",
                   alone=False, whole=whole)


def test_a_group_is_named_when_it_explains_every_stage():
    a = _reading("way: A")
    results = [StageResult(_stage("s0"), True, "right"),
               StageResult(_stage("s1", [a]), False, "wrong", (a,)),
               StageResult(_stage("s2", [a]), False, "wrong", (a,))]
    finding = read_ladder(results)
    assert finding is not None and finding.name == "named way: A" and finding.evidence == EvidenceKind.ABLATION


def test_a_group_is_not_named_when_a_stage_where_it_gives_the_right_answer_is_wrong():
    a = _reading("way: A")
    results = [StageResult(_stage("s0"), True, "right"),
               StageResult(_stage("s1", [a]), False, "wrong", (a,)),
               StageResult(_stage("s2", [a]), False, "wrong", (a,)),
               StageResult(_stage("s3"), False, "wrong")]  # A predicts the right answer here: not explained
    assert "named" not in read_ladder(results).name


def test_a_pattern_of_some_stages_only_is_not_refuted_by_the_other_stages():
    a = _reading("lost: A", whole=False)  # what attention-only stages return: silent about the whole block
    results = [StageResult(_stage("s1", [a]), False, "wrong", (a,)),
               StageResult(_stage("s2", [a]), False, "wrong", (a,)),
               StageResult(_stage("whole"), False, "wrong")]
    assert read_ladder(results).name == "named lost: A"


def test_two_groups_that_fit_equally_are_not_named():
    a, b = _reading("way: A"), _reading("way: B")
    results = [StageResult(_stage("s1", [a, b]), False, "wrong", (a, b)),
               StageResult(_stage("s2", [a, b]), False, "wrong", (a, b))]
    assert "named" not in read_ladder(results).name


def test_keys_and_values_from_the_raw_stream_are_named_in_a_decode_step(grade):
    source = STEP.replace("READ", "b").replace(
        "q, k, v = heads(h @ wq, num_heads), heads(h @ wk, num_heads), heads(h @ wv, num_heads)",
        "q, k, v = heads(h @ wq, num_heads), heads(x @ wk, num_heads), heads(x @ wv, num_heads)")
    assert_named(grade("kv-cache", source), "projected from the stream x itself")


def test_layer_norms_over_positions_and_features_are_named(grade):
    source = HELPERS.replace("mu = t.mean(-1, keepdim=True)", "mu = t.mean((-2, -1), keepdim=True)").replace(
        "((t - mu) ** 2).mean(-1, keepdim=True)", "((t - mu) ** 2).mean((-2, -1), keepdim=True)") + '''
def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
    h = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
    for w in blocks_weights:
        h = block(h, w, num_heads, False)
    return h[mask_indicator > 0.5] @ w_emb.T
'''
    assert_named(grade("mlm-tied-head", source), "last TWO axes")


# --------------------------------------------------------------------------- a NaN placed by an experiment
def test_a_nan_made_by_multiplying_minus_infinity_by_a_zero_mask_is_placed_in_the_infinities(grade):
    source = '''
import torch


def top_k_probs(logits, temperature, k):
    z = logits / temperature
    cut = z.topk(k, dim=-1).values[..., -1:]
    on = (z >= cut).to(z.dtype)
    return torch.softmax(z * on - 1e30 * (1 - on), dim=-1)
'''
    report = grade("top-k", source)
    assert_named(report, "NaN", "right once the infinite inputs are replaced by large finite numbers")


def test_a_nan_that_the_infinities_do_not_explain_is_not_placed_there(grade):
    source = '''
import torch


def top_k_probs(logits, temperature, k):
    z = logits / temperature
    cut = z.topk(k, dim=-1).values[..., -1:]
    z = z.masked_fill(z < cut, float("-inf"))
    e = torch.exp(z - z.max(-1, keepdim=True).values)
    guard = torch.sqrt(logits + 1e6).sum(-1, keepdim=True) * 0  # NaN for any logit below -1e6, finite or not
    return e / e.sum(-1, keepdim=True) + guard
'''
    report = grade("top-k", source)
    assert not report.passed
    assert "infinite inputs are replaced" not in said(report)


def test_a_cumulative_sum_down_the_batch_is_read_from_which_rows_move_a_draw(grade):
    source = '''
import torch


def sample(probs, generator):
    running = probs.double().cumsum(0)          # slip: down the batch, not along the vocabulary
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64)
    picked = (running < u).sum(-1)
    return picked.clamp(max=probs.shape[-1] - 1).long()
'''
    assert_named(grade("sample", source), "rows BEFORE it in the batch", "cumulative sum over dim 0")


def test_values_projected_with_the_query_weight_are_named_by_which_weight_makes_them(grade):
    source = '''
import math
import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    b, t, d = x.shape
    e = d // num_heads
    q = (x @ w_q).view(b, t, num_heads, e).transpose(1, 2)
    k = (x @ w_k).view(b, t, num_heads, e).transpose(1, 2)
    v = (x @ w_q).view(b, t, num_heads, e).transpose(1, 2)   # slip: the values come from w_q
    s = q @ k.transpose(-2, -1) / math.sqrt(e)
    if causal:
        s = s.masked_fill(torch.ones(t, t, dtype=torch.bool).triu(1), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d) @ w_o
'''
    assert_named(grade("attention", source), "values are projected with w_q")
