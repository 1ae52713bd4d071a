"""Issue 20, precision, second adversarial round (session 25): wrong solutions written
against the grader as it was, each once given a cause (or a hint) that was NOT its mistake.
Each is a learner's drop-in file in this test's own words; the asserts say what must not be
claimed and what the evidence does show.

- layer-norm statistics computed in float16: adding 10 to a row moves the output by rounding,
  and was told "the row's mean is not removed" (a cause needs its pattern: one shift per row
  for a mean left in, one factor per row for a variance around 0);
- a layer norm that caches its result by input shape gave the reversed batch the first
  batch's output, and was told "a row's output depends on its row in the batch" with the hint
  to stop mixing rows (the same values back for another input is said as measured);
- a layer norm over axis 0 of 2-d inputs was told "eps is not applied as sqrt(var + eps)":
  the spread of a row says something about eps only when the row is centred and scaled;
- attention dividing by sqrt(T // num_heads) divides by 1 in the two-position, two-head trial
  and was told "scaled by 1 (no scaling)";
- top-p keeping the mass above < 1 - p was told "your running total reaches p too early";
- a block whose attention layer norm runs over the time axis returns x at one position, and
  the value path's formula was shown under it as the hint.
"""

from __future__ import annotations

import torch

from grader.evidence.common_props import batch_swap
from grader.evidence.properties import Broken


def said(report) -> str:
    d = report.diagnosis or {}
    return (d.get("name", "") + " " + d.get("explanation", "") + " " + (d.get("hint") or "")).lower()


LN_HALF = """
import torch

def layer_norm(x, eps=1e-5):
    small = x.to(torch.float16)                        # half the memory
    mu = small.mean(-1, keepdim=True)
    var = ((small - mu) ** 2).mean(-1, keepdim=True)
    return ((small - mu) / (var + eps).sqrt()).to(x.dtype)
"""


def test_a_low_precision_change_under_a_shift_is_not_called_a_mean_left_in(grade):
    report = grade("layer-norm", LN_HALF)
    assert not report.passed
    d = report.diagnosis
    assert d is not None, report
    assert "mean is not removed" not in said(report) and "centring" not in said(report), d
    assert "adding 10 to a row changes its output by up to" in d["name"], d


def _layer_norm_properties():
    import importlib.util

    from tests.conftest import REPO

    spec = importlib.util.spec_from_file_location("_ln_props_s25", REPO / "problems" / "layer-norm" / "properties.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_shift_names_a_cause_only_by_its_pattern():
    props = _layer_norm_properties()
    x = torch.randn(2, 3, 8, dtype=torch.float64) * 2 + 1
    trials = [dict(x=x), dict(x=x + 10)]

    def norm(t, centre=True, around_mean=True):
        m = t.mean(-1, keepdim=True)
        var = ((t - m) ** 2).mean(-1, keepdim=True) if around_mean else (t * t).mean(-1, keepdim=True)
        return ((t - m) if centre else t) / torch.sqrt(var + 1e-5)

    no_centre = props.shift_invariant([norm(t["x"], centre=False) for t in trials], trials)
    assert isinstance(no_centre, Broken) and "mean is not subtracted" in no_centre.name and no_centre.isolated
    around_zero = props.shift_invariant([norm(t["x"], around_mean=False) for t in trials], trials)
    assert isinstance(around_zero, Broken) and "not taken around the row's mean" in around_zero.name
    half = props.shift_invariant([norm(t["x"].half()).double() for t in trials], trials)
    assert isinstance(half, Broken) and "mean" not in half.name and "changes its output by up to" in half.name
    assert props.shift_invariant([norm(t["x"]) for t in trials], trials) is None


LN_MEMO = """
import torch

_seen = {}

def layer_norm(x, eps=1e-5):
    key = (x.shape, x.dtype)
    if key not in _seen:                               # same shape, same answer (a 'speed-up')
        c = x - x.mean(-1, keepdim=True)
        _seen[key] = c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)
    return _seen[key].clone()
"""


def test_an_output_kept_by_shape_is_not_told_to_stop_mixing_rows(grade):
    report = grade("layer-norm", LN_MEMO)
    assert not report.passed
    d = report.diagnosis
    assert d is not None, report
    assert "mix" not in said(report) and "depends on its row" not in said(report), d
    assert "did not change when the input did" in d["name"], d
    assert not d.get("hint"), d


def test_a_batch_mixing_function_is_still_told_it_mixes_rows():
    x = torch.randn(3, 4, dtype=torch.float64)
    prop = batch_swap({"x": x}, ("x",), what="row")
    mixed = lambda t: t - t.mean(0, keepdim=True)  # noqa: E731  (a reduction over the batch)
    broken = prop.check([{"output": mixed(t["x"])}["output"] for t in prop.trials], list(prop.trials))
    assert isinstance(broken, Broken) and "depends on the other rows" in broken.name, broken
    stale = [mixed(prop.trials[0]["x"])] * len(prop.trials)  # the first output back for every input
    broken = prop.check(stale, list(prop.trials))
    assert isinstance(broken, Broken) and "did not change when the input did" in broken.name, broken


LN_AXIS0_FOR_MATRICES = """
import torch

def layer_norm(x, eps=1e-5):
    axis = 0 if x.dim() == 2 else -1                   # matrices are (features, samples), I thought
    c = x - x.mean(axis, keepdim=True)
    return c / torch.sqrt((c * c).mean(axis, keepdim=True) + eps)
"""


def test_a_wrong_axis_on_matrices_is_not_read_as_a_wrong_eps(grade):
    report = grade("layer-norm", LN_AXIS0_FOR_MATRICES)
    assert not report.passed
    d = report.diagnosis
    assert d is not None, report
    assert "eps" not in d["name"], d
    assert "axis 0" in d["name"], d
    assert "eps" not in (d.get("hint") or ""), d


ATTN_SCALE_FROM_T = """
import math
import torch

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    split = lambda t: t.view(N, T, num_heads, dh).transpose(1, 2)
    q, k, v = split(x @ w_q), split(x @ w_k), split(x @ w_v)
    s = q @ k.transpose(-2, -1) / math.sqrt(max(T // num_heads, 1))   # read the wrong axis for d_head
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
"""


def test_a_divisor_of_one_at_the_trials_sizes_is_not_called_no_scaling(grade):
    report = grade("attention", ATTN_SCALE_FROM_T)
    assert not report.passed
    d = report.diagnosis
    assert d is not None, report
    assert "no scaling" not in said(report) and "not scaled" not in said(report), d


TOP_P_ONE_MINUS_P = """
import torch

def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    ranked, order = probs.sort(dim=-1, descending=True)
    mass_above = ranked.cumsum(-1) - ranked
    keep = torch.zeros_like(probs, dtype=torch.bool).scatter(-1, order, mass_above < 1 - p)
    kept = torch.where(keep, probs, torch.zeros_like(probs))
    return kept / kept.sum(-1, keepdim=True)
"""


def test_a_nucleus_that_is_too_small_names_no_running_total(grade):
    report = grade("top-p", TOP_P_ONE_MINUS_P)
    assert not report.passed
    d = report.diagnosis
    assert d is not None, report
    assert "running total" not in d["name"] and "too early" not in d["name"], d
    assert "too few tokens are kept" in d["name"], d


BLOCK_LN_OVER_TIME = """
import math
import torch

def _ln(x, eps=1e-5):
    c = x - x.mean(-1, keepdim=True)
    return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)

def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

def _mha(h, wq, wk, wv, wo, heads, causal):
    N, T, d = h.shape
    dh = d // heads
    split = lambda t: t.view(N, T, heads, dh).transpose(1, 2)
    s = split(h @ wq) @ split(h @ wk).transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    return (s.softmax(-1) @ split(h @ wv)).transpose(1, 2).reshape(N, T, d) @ wo

def pre_ln_block(x, block_weights, num_heads, causal=False):
    wq, wk, wv, wo, w1, w2 = block_weights
    h = _ln(x.transpose(1, 2)).transpose(1, 2)         # normalised the wrong way round
    x = x + _mha(h, wq, wk, wv, wo, num_heads, causal)
    return x + _gelu(_ln(x) @ w1) @ w2
"""


def test_a_block_returning_x_at_one_position_gets_no_value_path_hint(grade):
    report = grade("transformer-block", BLOCK_LN_OVER_TIME)
    assert not report.passed
    d = report.diagnosis
    assert d is not None, report
    assert "w_v" not in (d.get("hint") or ""), d


def test_a_right_dependence_grid_claims_nothing_about_the_values():
    """attention dividing by sqrt(num_heads) depends on exactly the right keys; the panel said "the positions are
    mixed correctly; the error is in the values", and the error was in the weights."""
    from grader.verdict.localise import influence_entry

    class _Case:
        name = "typical"

    grid = torch.tensor([[True, False], [True, True]])
    text = influence_entry(_Case(), grid, grid.clone(), ["query", "key"], False)["text"]
    assert "depends on exactly the keys it should" in text
    assert "error is in the values" not in text and "mixed correctly" not in text


SAMPLE_STATE_COPY = """
import torch

def sample(probs, generator):
    mine = torch.Generator()
    mine.set_state(generator.get_state())              # leave the caller's generator as it was
    u = torch.rand(probs.shape[0], 1, generator=mine, dtype=torch.float64)
    cdf = probs.double().cumsum(-1)
    return torch.searchsorted(cdf, u * cdf[:, -1:], right=True).clamp(max=probs.shape[1] - 1).view(-1)
"""


def test_a_copied_generator_state_is_not_told_it_restarted_from_the_seed(grade):
    report = grade("sample", SAMPLE_STATE_COPY)
    assert not report.passed
    d = report.diagnosis
    assert d is not None, report
    assert "initial_seed" not in said(report) and "started again" not in said(report), d
    assert "same draws" in said(report), d


KV_POSITION_AHEAD = """
import math
import torch

def _ln(x, eps=1e-5):
    c = x - x.mean(-1, keepdim=True)
    return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)

def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N, d = token_ids.shape[0], w_emb.shape[1]
    dh = d // num_heads
    x = w_emb[token_ids] + pos_embed[index + 1]        # positions counted from 1
    for b, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = _ln(x)
        cache[b, 0, :, :, index] = (h @ wk).view(N, num_heads, dh)
        cache[b, 1, :, :, index] = (h @ wv).view(N, num_heads, dh)
        q = (h @ wq).view(N, num_heads, 1, dh)
        keys, vals = cache[b, 0, :, :, :index + 1], cache[b, 1, :, :, :index + 1]
        att = torch.softmax(q @ keys.transpose(-2, -1) / math.sqrt(dh), -1)
        x = x + (att @ vals).reshape(N, d) @ wo
        x = x + _gelu(_ln(x) @ w1) @ w2
    return _ln(x) @ w_emb.T, cache
"""


def test_first_block_keys_off_by_their_input_are_not_told_to_fix_the_projection(grade):
    report = grade("kv-cache", KV_POSITION_AHEAD)
    assert not report.passed
    messages = " ".join(c.message for c in report.cases if not c.passed)
    assert "write each block's k" not in messages
    assert "pos_embed[index]" in messages


def test_a_temperature_read_at_two_is_not_called_applied_twice():
    """logits / (2 * T) read at T = 2 follows T = 4 = T * T: it was told "the temperature is applied twice"."""
    from grader.evidence.sampling_props import temperature_reading

    logits = torch.tensor([[0.0, 1.0, 2.5, -1.0], [1.0, -0.5, 0.3, 2.0]], dtype=torch.float64)
    for used, passed, named in ((4.0, 2.0, False), (2.25, 1.5, True)):
        trials = [dict(logits=logits, temperature=passed)]
        broken = temperature_reading([torch.softmax(logits / used, -1)], trials)
        assert isinstance(broken, Broken), broken
        assert ("applied twice" in broken.name) == named, broken
        assert named or f"{used:g}" in broken.name, broken





def test_generate_draws_at_twice_the_temperature_are_not_called_applied_twice(grade):
    from tests.conftest import REPO

    path = REPO / "benchmarks/solution_sets/adversarial_s25/wrong/generate/08_temperature_doubled.py"
    report = grade("generate", path.read_text())
    assert not report.passed
    d = report.diagnosis
    assert d is not None, report
    assert "applied twice" not in d["name"], d
    assert "temperature 4" in d["name"], d


SAMPLE_RESEEDED = """
import torch

def sample(probs, generator):
    mine = torch.Generator().manual_seed(generator.initial_seed())   # a private copy, same seed
    u = torch.rand(probs.shape[0], 1, generator=mine, dtype=torch.float64)
    cdf = probs.double().cumsum(-1)
    return torch.searchsorted(cdf, u * cdf[:, -1:], right=True).clamp(max=probs.shape[1] - 1).view(-1)
"""


def test_a_reseed_from_the_initial_seed_is_still_named_as_one(grade):
    """The later-state experiment tells a reseed (the seed decides the draws) from a copied state."""
    report = grade("sample", SAMPLE_RESEEDED)
    assert not report.passed
    assert "initial_seed" in said(report), report.diagnosis
    copied = grade("sample", SAMPLE_STATE_COPY)
    assert "do not move it on" in said(copied) and "initial_seed" not in said(copied), copied.diagnosis


def test_cache_keys_in_another_layout_are_said_as_a_layout():
    """The first-block message no longer sends every wrong key to the projection: the right numbers in another order
    are said as a layout of the heads (an interleaved split), anything else as what feeds the keys."""
    from tests.conftest import REPO
    import importlib.util

    spec = importlib.util.spec_from_file_location("_kv_judge_s25", REPO / "problems" / "kv-cache" / "judge.py")
    judge = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(judge)
    before = torch.zeros(1, 2, 1, 2, 3, 2, dtype=torch.float64)
    written = torch.arange(8, dtype=torch.float64).view(1, 2, 1, 2, 2) + 1
    interleaved = before.clone()
    interleaved[:, :, :, :, 0] = written.reshape(1, 2, 1, 4).view(1, 2, 1, 2, 2).transpose(-1, -2)
    msg = judge.check_cache(before, interleaved, written, 0, (1e-9, 1e-9), "by the step").message
    assert "another order" in msg and "layout of the heads" in msg, msg
    shifted = before.clone()
    shifted[:, :, :, :, 0] = written + 0.5
    msg = judge.check_cache(before, shifted, written, 0, (1e-9, 1e-9), "by the step").message
    assert "another order" not in msg and "already in the first block" in msg, msg
    two_blocks = torch.zeros(2, 2, 1, 2, 3, 2, dtype=torch.float64)
    written2 = torch.stack([written[0], written[0] * 3])
    overwritten = two_blocks.clone()
    overwritten[0, :, :, :, 0] = written2[1]  # block 0's slot holds block 1's keys and values
    overwritten[1, :, :, :, 0] = written2[1]
    msg = judge.check_cache(two_blocks, overwritten, written2, 0, (1e-9, 1e-9), "by the step").message
    assert "block 0's slot holds the keys block 1 computes" in msg, msg


TOP_K_TWICE = """
import torch

def top_k_probs(logits, temperature, k):
    z = logits / temperature
    kth = z.topk(k, dim=-1).values[..., -1:]
    z = torch.where(z >= kth, z, torch.full_like(z, float("-inf")))
    return torch.softmax(z / temperature, dim=-1)                     # divided again
"""

TOP_K_DOUBLED = TOP_K_TWICE.replace("z / temperature, dim=-1)", "z / 2, dim=-1)")


def test_top_k_reads_its_temperature_where_twice_and_doubled_differ(grade):
    twice = grade("top-k", TOP_K_TWICE).diagnosis
    assert twice is not None and "temperature" in twice["name"], twice
    doubled = grade("top-k", TOP_K_DOUBLED).diagnosis
    assert doubled is not None and "applied twice" not in doubled["name"], doubled
