"""kv-cache: the reference step reproduces the full forward at the counted cost; correct
styles (in place, new tensor) pass; wrong steps fail and are named; a step that recomputes
the prefix fails on work although its logits are right; a stateful step fails on a cache
it did not write."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

from conftest import failing_messages
from grader.verdict.inprocess import judge_in_process
from grader.judge import public_judge_module
from lm_solutions import KV_BREAKERS, KV_CORRECT


def _judged(problem, entry):
    return judge_in_process(problem, entry)


def test_reference_step_matches_the_full_forward(course):
    ref = course.get("kv-cache").reference
    for case in ref.cases(0) + ref.cases(5):
        inp = case.pristine_inputs()
        full = ref.M.causal_lm_forward(inp["input_ids"], inp["w_emb"], inp["pos_embed"], inp["blocks_weights"],
                                       inp["num_heads"])
        expected = full[:, -1] if "cache" in inp else full
        tol, rtol = case.tolerance or ((1e-5, 1e-5) if full.dtype == torch.float32 else (1e-12, 1e-5))
        got = ref.drive(ref.causal_lm_step, **inp)
        if "schedule" in inp:  # a call whose token and cache are one sequence's gives that sequence's logits
            other = ref.M.causal_lm_forward(inp["other_ids"], inp["w_emb"], inp["pos_embed"], inp["blocks_weights"],
                                            inp["num_heads"])
            own = [(j, (full, other)[a][:, t]) for j, (t, a, b) in enumerate(inp["schedule"].tolist()) if a == b]
            assert {a for _, a, b in inp["schedule"].tolist() if a != b} == {0, 1}  # and some calls mix them
            got, expected = got[:, [j for j, _ in own]], torch.stack([e for _, e in own], dim=1)
        torch.testing.assert_close(got, expected, atol=tol, rtol=rtol)


def test_flop_formulas_are_what_the_counter_measures(course):
    ref = course.get("kv-cache").reference
    judge = public_judge_module(course.get("kv-cache"))
    inp = ref.cases(0)[0].pristine_inputs()  # N=3, d=32, 2 blocks, V=40, max_len 12
    ids, H, w = inp["input_ids"], inp["num_heads"], (inp["w_emb"], inp["pos_embed"], inp["blocks_weights"])
    cache = ref.zero_cache(inp["blocks_weights"], 3, H, 12)
    for t in range(12):
        with FlopCounterMode(display=False) as step:
            _, cache = ref.causal_lm_step(ids[:, t], t, cache, *w, H)
        with FlopCounterMode(display=False) as full:
            ref.M.causal_lm_forward(ids[:, : t + 1], *w, H)
        assert step.get_total_flops() == judge.cached_flops(3, 32, 2, 40, t + 1)
        assert full.get_total_flops() == judge.recompute_flops(3, 32, 2, 40, t)
    budget = judge.FLOP_FACTOR * judge.cached_flops(3, 32, 2, 40, 12)
    assert judge.recompute_flops(3, 32, 2, 40, 2) > budget > judge.recompute_flops(3, 32, 2, 40, 1)


def test_probe_counts_matmul_flops_as_flop_counter_mode_does(course):
    from grader.course.loader import load_module_from_path

    probe = load_module_from_path("_kv_probe_for_test", course.get("kv-cache").probe_path)
    a, b, v = torch.randn(3, 5, 7), torch.randn(7, 4), torch.randn(7)
    for fn in (lambda: a @ b, lambda: a[:, 1:] @ b, lambda: torch.einsum("nik,kj->nij", a, b),
               lambda: torch.nn.functional.linear(a, b.T), lambda: a.transpose(1, 2) @ a):
        ours = probe.MatmulFlops()
        with ours:
            fn()
        with FlopCounterMode(display=False) as theirs:
            fn()
        assert ours.total == theirs.get_total_flops() > 0
    ours = probe.MatmulFlops()
    with ours:
        a[0] @ v  # a matrix-vector product, which FlopCounterMode does not count
    assert ours.total == 2 * 5 * 7


def test_every_mistake_differs_from_the_reference_somewhere(course):
    ref = course.get("kv-cache").reference
    cases = ref.cases(0)
    for mistake in ref.MISTAKES:
        differs = False
        for case in cases:
            inp = case.pristine_inputs()
            try:
                got = mistake.fn(**inp)
            except IndexError:
                differs = True
                continue
            differs |= not torch.allclose(got, ref.drive(ref.causal_lm_step, **case.pristine_inputs()), atol=1e-3)
        assert differs, mistake.name


def test_reference_passes_its_own_probe_and_judge(course):
    problem = course.get("kv-cache")
    ref = problem.reference
    for name, verdicts in _judged(problem, ref.causal_lm_step).items():
        assert all(v.passed for v in verdicts), (name, [v.message for v in verdicts if not v.passed])


def test_stub_fails_as_not_implemented(grade, course):
    report = grade("kv-cache", course.get("kv-cache").stub_path.read_text())
    assert not report.passed
    assert report.error_kind == "not-implemented"


COMMON = """
import math
import torch

def ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)

def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
"""

IN_PLACE = COMMON + """
def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    x = (w_emb[token_ids] + pos_embed[index])[:, None]  # (N, 1, d)
    d = x.shape[-1]; dh = d // num_heads
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = ln(x)
        q, k, v = [(h @ w).view(N, 1, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        K, V = cache[i, 0, :, :, :INDEX_STOP], cache[i, 1, :, :, :INDEX_STOP]
        a = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(SCALE), -1) @ V
        x = x + a.transpose(1, 2).reshape(N, 1, d) @ wo
        x = x + gelu(ln(x) @ w1) @ w2
    return (FINAL(x) @ w_emb.T)[:, 0], cache
"""


def in_place(index_stop="index + 1", scale="dh", final="ln", write="index", position="index"):
    return (IN_PLACE.replace("INDEX_STOP", index_stop).replace("SCALE", scale).replace("FINAL", final)
            .replace("cache[i, 0, :, :, index]", f"cache[i, 0, :, :, {write}]")
            .replace("cache[i, 1, :, :, index]", f"cache[i, 1, :, :, {write}]")
            .replace("pos_embed[index]", f"pos_embed[{position}]"))


CORRECT = {
    "in place": in_place(),
    "new tensor with cat, einsum, masked over every slot": COMMON + """
def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N, (V, d) = token_ids.shape[0], w_emb.shape
    dh, L = d // num_heads, cache.shape[4]
    x = w_emb[token_ids] + pos_embed[index]  # (N, d)
    visible = torch.arange(L) <= index       # attend over all slots, masked
    new_blocks = []
    for i in range(blocks_weights.shape[0]):
        wq, wk, wv, wo, w1, w2 = blocks_weights[i]
        h = ln(x)
        qkv = h @ torch.cat([wq, wk, wv], dim=1)
        q, k, v = (t.reshape(N, num_heads, 1, dh) for t in qkv.split(d, dim=1))
        kv = torch.stack([k, v])  # (2, N, H, 1, dh)
        block = torch.cat([cache[i, :, :, :, :index], kv, cache[i, :, :, :, index + 1:]], dim=3)
        new_blocks.append(block)
        s = torch.einsum('nhqd,nhkd->nhqk', q, block[0]) / math.sqrt(dh)
        s = s.masked_fill(~visible, float('-inf'))
        a = torch.einsum('nhqk,nhkd->nhqd', torch.softmax(s, -1), block[1]).reshape(N, d)
        x = x + a @ wo
        x = x + gelu(ln(x) @ w1) @ w2
    new_cache = torch.stack(new_blocks) if new_blocks else cache.clone()
    return ln(x) @ w_emb.T, new_cache
""",
}


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade("kv-cache", CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


NAMED = {
    "cache written at index + 1": in_place(write="index + 1", index_stop="index + 2"),
    "position embedding of position 0": in_place(position="0"),
    "attends to every cache slot": in_place(index_stop=""),
    "final layer norm missing": in_place(final=""),
    "scaled by sqrt(d_model)": in_place(scale="d"),
    "current position left out of attention": in_place(index_stop="index"),
    "returned cache lacks this step": COMMON + """
def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    x = (w_emb[token_ids] + pos_embed[index])[:, None]
    d = x.shape[-1]; dh = d // num_heads
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = ln(x)
        q, k, v = [(h @ w).view(N, 1, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        K = torch.cat([cache[i, 0, :, :, :index], k], dim=2)   # k, v never stored
        V = torch.cat([cache[i, 1, :, :, :index], v], dim=2)
        a = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), -1) @ V
        x = x + a.transpose(1, 2).reshape(N, 1, d) @ wo
        x = x + gelu(ln(x) @ w1) @ w2
    return (ln(x) @ w_emb.T)[:, 0], cache
""",
}


@pytest.mark.parametrize("mistake", NAMED)
def test_wrong_steps_fail_and_are_named(grade, mistake):
    report = grade("kv-cache", NAMED[mistake])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake


def test_cache_message_says_where(grade):
    report = grade("kv-cache", in_place(write="index + 1", index_stop="index + 2"))
    shared = report.cases[1]  # rows share a prefix: 8 steps in a cache of 10
    assert shared.name == "rows share a prefix"
    assert "changed position 1 (block 0, keys, row 0, head 0" in shared.message, shared.message
    assert "may write only position 0; position 0 itself was not written" in shared.message


RECOMPUTE = COMMON + """
history = []  # the tokens seen so far: the whole prefix is run again every step

def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    if index == 0:
        history.clear()
    history.append(token_ids)
    ids = torch.stack(history, dim=1)
    N, T = ids.shape
    x = w_emb[ids] + pos_embed[:T]
    d = x.shape[-1]; dh = d // num_heads
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = ln(x)
        q, k, v = [(h @ w).view(N, T, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        cache[i, 0, :, :, :T] = k
        cache[i, 1, :, :, :T] = v
        s = (q @ k.transpose(-1, -2) / math.sqrt(dh)).masked_fill(~allowed, float('-inf'))
        x = x + (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(N, T, d) @ wo
        x = x + gelu(ln(x) @ w1) @ w2
    return (ln(x) @ w_emb.T)[:, -1], cache
"""


def test_recomputing_the_prefix_fails_on_work_with_right_logits(grade):
    report = grade("kv-cache", RECOMPUTE)
    d = report.diagnosis  # no experiment differs (the logits are right): the broken work rule is the diagnosis
    assert not report.passed and d["evidence"] == "check" and "recomputing the whole prefix" in d["name"], d
    assert "never recomputing the prefix" in d["explanation"]
    first = report.cases[0]  # decode 12 steps: logits and cache right, work wrong
    assert first.max_abs_error is not None and first.max_abs_error < 1e-4
    assert "about what recomputing the whole prefix costs" in first.message and "index 2" in first.message


def test_step_that_keeps_state_fails_on_a_cache_it_did_not_fill(grade):
    source = in_place().replace("def causal_lm_step", "past = {}\n\ndef causal_lm_step").replace(
        "K, V = cache[i, 0, :, :, :index + 1], cache[i, 1, :, :, :index + 1]",
        "past[(i, index)] = (k, v)\n"
        "        K = torch.cat([past[(i, t)][0] for t in range(index + 1)], dim=2)\n"
        "        V = torch.cat([past[(i, t)][1] for t in range(index + 1)], dim=2)")
    report = grade("kv-cache", source)
    assert not report.passed
    failed = [c.name for c in report.cases if not c.passed]
    assert failed == ["cache filled by the reference, step at index 7",
                      "cache filled by the reference, index = max_len - 1",
                      "two sequences in turns, caches swapped"], failing_messages(report)


def test_heads_split_the_wrong_way_fail_unnamed(grade):
    source = in_place().replace(".view(N, 1, num_heads, dh).transpose(1, 2)",
                                ".view(N, 1, dh, num_heads).permute(0, 3, 1, 2)")
    report = grade("kv-cache", source)
    assert not report.passed
    assert "wrong keys at position 0 (block 0" in report.cases[0].message
    # No known mistake fits; the ablation reads what the output IS: the right model with the heads' columns
    # permuted as interleaved heads take them (issue 20, third round), on every stage where that tells.
    assert report.diagnosis["evidence"] == "ablation" and "interleaved columns" in report.diagnosis["name"], \
        report.diagnosis


def test_changing_the_weights_in_place_fails(grade):
    report = grade("kv-cache", in_place().replace("    N = token_ids.shape[0]\n",
                                                  "    N = token_ids.shape[0]\n    pos_embed[index] *= 1.0001\n", 1))
    assert not report.passed
    assert "changed its input `pos_embed`" in failing_messages(report)


@pytest.mark.parametrize("banned, line", [
    ("torch.nn.functional.scaled_dot_product_attention(q, K, V)", "a = "),
    ("torch.nn.functional.layer_norm(x, x.shape[-1:])", "h = "),
])
def test_banned_uses_are_flagged(grade, banned, line):
    source = in_place()
    start = source.index("        " + line)
    end = source.index("\n", start)
    report = grade("kv-cache", source[:start] + "        " + line + banned + source[end:])
    assert not report.passed and report.score == 0.0
    assert any(v.kind == "banned" for v in report.violations), report.violations


# --------------------------------------------------------------------------- a step's output follows its arguments alone;
# its work is what it computes (issue 16, class 7)
@pytest.mark.parametrize("style", KV_CORRECT)
def test_correct_styles_pass_within_the_work_budget(grade, style):
    report = grade("kv-cache", KV_CORRECT[style])
    assert report.passed, failing_messages(report)


@pytest.mark.parametrize("label", KV_BREAKERS)
def test_steps_that_keep_history_or_redo_the_prefix_fail(grade, label):
    report = grade("kv-cache", KV_BREAKERS[label])
    assert not report.passed
    messages = failing_messages(report)
    assert "two sequences in turns, caches swapped" in [c.name for c in report.cases if not c.passed], messages
    if "recomputed" in label:  # the work check sees the broadcast products and loops
        assert "whatever ops it uses" in messages, messages


def test_interleaved_case_alone_catches_a_history_keeper(course):
    # Work aside: on the interleaved schedule the logits of a step that replays its own token
    # history are those of the wrong prefix.
    problem = course.get("kv-cache")
    namespace = {}
    exec(KV_BREAKERS["history in a module list, prefix recomputed by broadcast sums"], namespace)
    case = next(c for c in problem.reference.cases(1) if "schedule" in c.inputs)
    from grader.verdict.inprocess import load_probe, run_in_process
    from grader.judge import case_tolerance, case_verdicts

    verdicts = case_verdicts(problem, case, run_in_process(problem, load_probe(problem), namespace["causal_lm_step"],
                                                           case), case_tolerance(problem, case))
    logits = verdicts[0]
    assert not logits.passed and "two sequences are decoded in turns" in logits.message, logits.message


def test_work_counts_what_broadcast_products_and_sums_compute(course):
    from grader.course.loader import load_module_from_path

    probe = load_module_from_path("_kv_probe_for_work", course.get("kv-cache").probe_path)
    a, b = torch.randn(3, 5, 7), torch.randn(7, 4)
    counted = {}
    for name, fn in {"matmul": lambda: a @ b, "broadcast": lambda: (a[..., :, None] * b).sum(-2),
                     "view": lambda: a.transpose(1, 2)[0, :2]}.items():
        mode = probe.MatmulFlops()
        with mode:
            fn()
        counted[name] = (mode.total, mode.work)
    assert counted["matmul"] == (2 * 3 * 5 * 7 * 4,) * 2
    assert counted["broadcast"] == (0, 2 * 3 * 5 * 7 * 4)  # the product writes 420 elements, the sum reads them
    assert counted["view"] == (0, 0)
