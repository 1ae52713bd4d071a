"""generate: greedy is exact, sampling is judged by properties and a chi-square test;
correct loops (full recompute, own KV cache) pass; greedy mistakes are named; sampling
mistakes fail with a message that says what is wrong; banned samplers are flagged."""

import pytest
import torch

from conftest import failing_messages
from grader.verdict.inprocess import judge_in_process


def _judged(problem, entry):
    return judge_in_process(problem, entry)


MODEL = """
import math
import torch

def ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)

def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

def forward(ids, w_emb, pos_embed, blocks_weights, num_heads):
    N, T = ids.shape
    x = w_emb[ids] + pos_embed[:T]
    d = x.shape[-1]; dh = d // num_heads
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    for wq, wk, wv, wo, w1, w2 in blocks_weights:
        h = ln(x)
        q, k, v = [(h @ w).view(N, T, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        s = (q @ k.transpose(-1, -2) / math.sqrt(dh)).masked_fill(~allowed, float('-inf'))
        x = x + (torch.softmax(s, -1) @ v).transpose(1, 2).reshape(N, T, d) @ wo
        x = x + gelu(ln(x) @ w1) @ w2
    return ln(x) @ w_emb.T
"""

RECOMPUTE = MODEL + """
def probs_of(logits, temperature, top_k):
    scaled = logits / temperature
    if top_k is not None:
        kth = scaled.topk(top_k, dim=-1).values[:, -1:]
        scaled = scaled.masked_fill(scaled < kth, float('-inf'))
    return torch.softmax(scaled, dim=-1)

def draw(probs, generator):
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    return torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)

def generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights, num_heads,
             temperature=0.0, top_k=None, generator=None):
    ids = prompt_ids
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            nxt = draw(probs_of(logits, temperature, top_k), generator)
        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)
        finished |= nxt == end_token_id
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids
"""

OWN_CACHE = MODEL + """
def step(tok, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = tok.shape[0]
    x = (w_emb[tok] + pos_embed[index])[:, None]
    d = x.shape[-1]; dh = d // num_heads
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = ln(x)
        q, k, v = [(h @ w).view(N, 1, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        a = torch.softmax(q @ cache[i, 0, :, :, :index + 1].transpose(-1, -2) / math.sqrt(dh), -1)
        x = x + (a @ cache[i, 1, :, :, :index + 1]).transpose(1, 2).reshape(N, 1, d) @ wo
        x = x + gelu(ln(x) @ w1) @ w2
    return (ln(x) @ w_emb.T)[:, 0]

def generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights, num_heads,
             temperature=0.0, top_k=None, generator=None):
    N, T0 = prompt_ids.shape
    d = w_emb.shape[1]
    cache = torch.zeros(blocks_weights.shape[0], 2, N, num_heads, T0 + max_new_tokens, d // num_heads,
                        dtype=w_emb.dtype)
    for t in range(T0):
        logits = step(prompt_ids[:, t], t, cache, w_emb, pos_embed, blocks_weights, num_heads)
    new = torch.full((N, max_new_tokens), end_token_id, dtype=torch.int64)
    done = torch.zeros(N, dtype=torch.bool)
    for s in range(max_new_tokens):
        if done.all():
            break  # the rest is already end tokens
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:  # Gumbel-max: argmax of log p plus Gumbel noise, from the generator
            scaled = logits / temperature
            if top_k is not None:
                scaled = scaled.masked_fill(scaled < scaled.topk(top_k, -1).values[:, -1:], float('-inf'))
            noise = torch.empty_like(scaled).exponential_(generator=generator)
            nxt = (torch.log_softmax(scaled, -1) - noise.log()).argmax(-1)
        nxt = torch.where(done, torch.full_like(nxt, end_token_id), nxt)
        new[:, s] = nxt
        done |= nxt == end_token_id
        if s + 1 < max_new_tokens:
            logits = step(nxt, T0 + s, cache, w_emb, pos_embed, blocks_weights, num_heads)
    return torch.cat([prompt_ids, new], dim=1)
"""


def test_reference_greedy_matches_a_plain_loop(course):
    ref = course.get("generate").reference
    for case in ref.cases(0) + ref.cases(3):
        inp = case.pristine_inputs()
        if case.options.get("sampling") or inp["max_new_tokens"] == 0:
            continue
        ids, end = inp["prompt_ids"], inp["end_token_id"]
        rows = []
        for r in range(ids.shape[0]):  # one row at a time, stopping at its end token
            row = ids[r:r + 1]
            for _ in range(inp["max_new_tokens"]):
                stopped = row.shape[1] > ids.shape[1] and int(row[0, -1]) == end
                nxt = end if stopped else int(ref.M.causal_lm_forward(row, inp["w_emb"], inp["pos_embed"],
                                                                      inp["blocks_weights"], inp["num_heads"])[0, -1].argmax())
                row = torch.cat([row, torch.tensor([[nxt]])], dim=1)
            rows.append(row)
        assert torch.equal(ref.generate(**inp), torch.cat(rows)), case.name


def test_greedy_cases_end_rows_at_different_steps(course):
    ref = course.get("generate").reference
    case = ref.cases(0)[0]
    out = ref.generate(**case.pristine_inputs())[:, 3:]
    end = case.inputs["end_token_id"]
    firsts = {int((row == end).nonzero()[0]) if (row == end).any() else None for row in out}
    assert len(firsts) >= 2, out  # rows stop at different steps (or never)


def test_known_mistakes_are_told_apart_by_the_greedy_cases(course):
    ref = course.get("generate").reference
    greedy = [c for c in ref.cases(0) if not c.options.get("sampling")]

    def outputs(fn):
        return [fn(**c.pristine_inputs()) for c in greedy]

    expected = outputs(ref.generate)
    seen = {}
    for mistake in ref.MISTAKES:
        got = outputs(mistake.fn)
        assert any(g.shape != e.shape or not torch.equal(g, e) for g, e in zip(got, expected)), mistake.name
        for name, other in seen.items():
            if name != mistake.name:
                assert any(g.shape != o.shape or not torch.equal(g, o) for g, o in zip(got, other)), (name, mistake.name)
        seen[mistake.name] = got


def test_reference_passes_its_own_probe_and_judge(course):
    problem = course.get("generate")
    ref = problem.reference
    for name, verdicts in _judged(problem, ref.generate).items():
        assert all(v.passed for v in verdicts), (name, [v.message for v in verdicts if not v.passed])


def test_stub_fails_as_not_implemented(grade, course):
    report = grade("generate", course.get("generate").stub_path.read_text())
    assert not report.passed
    assert report.error_kind == "not-implemented"


@pytest.mark.parametrize("style", ["recompute every step", "own KV cache, Gumbel-max"])
def test_correct_solutions_pass(grade, style):
    report = grade("generate", RECOMPUTE if style == "recompute every step" else OWN_CACHE)
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


def edit(source, old, new):
    assert old in source, old
    return source.replace(old, new)


LOOP = "        nxt = torch.where(finished, torch.full_like(nxt, end_token_id), nxt)\n"
NAMED = {
    "end token not propagated": edit(RECOMPUTE, LOOP, ""),
    "all rows stop when one ends": edit(RECOMPUTE, "        ids = torch.cat([ids, nxt[:, None]], dim=1)\n",
                                       "        ids = torch.cat([ids, nxt[:, None]], dim=1)\n"
                                       "        if (nxt == end_token_id).any():\n            break\n"),
    "prompt dropped": edit(RECOMPUTE, "    return ids\n", "    return ids[:, prompt_ids.shape[1]:]\n"),
    "logits of position 0": edit(RECOMPUTE, "num_heads)[:, -1]", "num_heads)[:, 0]"),
    "only the last token fed to the model": edit(RECOMPUTE, "logits = forward(ids,", "logits = forward(ids[:, -1:],"),
    "end token in the prompt stops the row": edit(RECOMPUTE, "finished = torch.zeros(ids.shape[0], dtype=torch.bool)",
                                                  "finished = (prompt_ids == end_token_id).any(dim=1)"),
    "finished rows padded with 0": edit(RECOMPUTE, "torch.full_like(nxt, end_token_id)", "torch.zeros_like(nxt)"),
    "cached decoding without the prompt's offset": edit(OWN_CACHE, "step(nxt, T0 + s,", "step(nxt, s,"),
}


@pytest.mark.parametrize("mistake", NAMED)
def test_greedy_mistakes_fail_and_are_named(grade, mistake):
    report = grade("generate", NAMED[mistake])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake


def test_greedy_message_says_where_an_ended_row_went_on(grade):
    report = grade("generate", NAMED["end token not propagated"])
    first = report.cases[0]
    assert "emitted the end token" in first.message and "every later token of that row must be" in first.message


SAMPLING = {  # source, words in the first failing sampling case's message
    "temperature ignored": (edit(RECOMPUTE, "scaled = logits / temperature", "scaled = logits"),
                            "do not follow top_k_probs(logits, 0.7, 4)"),
    "top_k ignored": (edit(RECOMPUTE, "    if top_k is not None:\n        kth", "    if False:\n        kth"),
                      "which is not among the top_k = 4 tokens"),
    "global RNG": (edit(RECOMPUTE, "torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64)",
                        "torch.rand(probs.shape[0], 1, dtype=torch.float64)"),
                   "the same generator seed gave a different output in a second run with the global RNG reseeded"),
    "argmax even when sampling": (edit(RECOMPUTE, "if temperature == 0:", "if True:"), "chi-square"),
    "one random number for every row": (edit(RECOMPUTE, "torch.rand(probs.shape[0], 1,", "torch.rand(1, 1,"),
                                        "chi-square"),
    "a generator of its own": (edit(RECOMPUTE, "nxt = draw(probs_of(logits, temperature, top_k), generator)",
                                    "nxt = draw(probs_of(logits, temperature, top_k), torch.Generator().manual_seed(7))"),
                               "two different generator seeds gave the same 3000 rows"),
    "sampled tokens ignore ended rows": (edit(RECOMPUTE, LOOP, "        if temperature == 0:\n    " + LOOP),
                                         "went on with token"),
}


# What the evidence layer names from generate's sampling properties (problems/generate/properties.py);
# the others are told by their failing cases only.
EXPLAINED_SAMPLING = {"temperature ignored": "temperature is ignored", "top_k ignored": "top_k is ignored",
                      "argmax even when sampling": "argmax", "one random number for every row": "not drawn independently"}


@pytest.mark.parametrize("how", SAMPLING)
def test_sampling_mistakes_fail_with_the_reason(grade, how):
    source, words = SAMPLING[how]
    report = grade("generate", source)
    assert not report.passed
    d = report.diagnosis
    if how in EXPLAINED_SAMPLING:
        assert d and d["evidence"] == "property" and EXPLAINED_SAMPLING[how] in d["name"], d
    else:  # no experiment explains it: the failing check's rule (reproducibility, ended rows) does
        assert d and d["evidence"] == "check" and words in d["name"], d
    sampling = [c for c in report.cases if c.name.startswith("sampling") and not c.passed]
    assert sampling and all(c.passed for c in report.cases if not c.name.startswith("sampling"))
    assert words in sampling[0].message, sampling[0].message


@pytest.mark.parametrize("line", [
    "            nxt = torch.multinomial(probs_of(logits, temperature, top_k), 1, generator=generator)[:, 0]\n",
    "            nxt = torch.distributions.Categorical(probs_of(logits, temperature, top_k)).sample()\n",
])
def test_banned_samplers_are_flagged(grade, line):
    source = edit(RECOMPUTE, "            nxt = draw(probs_of(logits, temperature, top_k), generator)\n", line)
    report = grade("generate", source)
    assert not report.passed and report.score == 0.0
    assert any(v.kind == "banned" for v in report.violations), report.violations


def test_banned_attention_is_flagged(grade):
    source = edit(RECOMPUTE, "x = x + (torch.softmax(s, -1) @ v)",
                  "x = x + torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True)")
    report = grade("generate", source)
    assert not report.passed and report.score == 0.0
    assert any(v.kind == "banned" for v in report.violations), report.violations


# Single-edit variants of a correct loop that the shipped cases let through (issue 19, item 6):
# small forward-pass errors greedy decoding must see, and a sampler clamped to the number of rows.
_LN = "return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)"
_CORRECT_DRAW = ".squeeze(-1).clamp(max=probs.shape[-1] - 1)"
_DRAW_CALL = "nxt = draw(probs_of(logits, temperature, top_k), generator)"
SMALL_EDITS = {
    "eps outside the square root": edit(RECOMPUTE, _LN,
                                        "return (x - m) / (torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True)) + eps)"),
    "var - eps": edit(RECOMPUTE, _LN, "return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) - eps)"),
    "no eps": edit(RECOMPUTE, _LN, "return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True))"),
    "GELU constant 0.04": edit(RECOMPUTE, "0.044715", "0.04"),
    "ids clamped to the number of rows": edit(RECOMPUTE, _CORRECT_DRAW, ".squeeze(-1).clamp(max=probs.shape[0] - 1)"),
}

# Correct in other styles: greedy must never flip on the small-margin cases.
STYLES = {
    "float64 inside": edit(RECOMPUTE, "logits = forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]",
                           "logits = forward(ids, w_emb.double(), pos_embed.double(), blocks_weights.double(), "
                           "num_heads)[:, -1]"),
    "var(unbiased=False), einsum attention": edit(edit(RECOMPUTE, _LN, "return (x - m) / torch.sqrt(x.var(-1, "
                                                       "keepdim=True, unbiased=False) + eps)"),
                                                  "(q @ k.transpose(-1, -2) / math.sqrt(dh))",
                                                  "(torch.einsum('nhqd,nhkd->nhqk', q, k) / math.sqrt(dh))"),
    "own KV cache": OWN_CACHE,
}


@pytest.mark.parametrize("label", SMALL_EDITS)
def test_small_edits_fail(grade, label):
    report = grade("generate", SMALL_EDITS[label])
    assert not report.passed
    failed = {c.name for c in report.cases if not c.passed}
    new_cases = {"greedy: close top-2 logits", "greedy: a residual stream near eps", "sampling: 8 rows, V = 48"}
    assert failed & new_cases, failing_messages(report)


@pytest.mark.parametrize("style", STYLES)
def test_correct_styles_never_flip_a_close_greedy_token(grade, style):
    report = grade("generate", STYLES[style])
    assert report.passed, failing_messages(report)


def test_close_and_tiny_cases_keep_their_margins(course):
    ref = course.get("generate").reference
    for seed in (0, 1):
        cases = {c.name: c for c in ref.cases(seed)}
        close = ref.greedy_margins(**cases["greedy: close top-2 logits"].pristine_inputs())
        assert float(close.min()) >= 1e-3 and int((close < 1e-2).sum()) >= 3
        tiny = cases["greedy: a residual stream near eps"].pristine_inputs()
        assert float(tiny["w_emb"].abs().max()) < 1e-2  # the stream is tiny: eps = 1e-5 matters
        assert float(ref.greedy_margins(**tiny, relative=True).min()) >= 1e-3


def test_state_blind_generate_fails_on_a_later_state(grade):
    source = edit(RECOMPUTE, "def generate(prompt_ids,", "_calls = {}\n\ndef generate(prompt_ids,")
    source = edit(source, "    ids = prompt_ids\n", "    ids = prompt_ids\n"
                  "    if generator is not None:\n"
                  "        seed = generator.initial_seed()\n"
                  "        _calls[seed] = _calls.get(seed, 0) + 1\n"
                  "        generator = torch.Generator().manual_seed((seed * 31 + _calls[seed]) % (2 ** 62))\n")
    report = grade("generate", source)
    assert not report.passed
    assert "not generator.initial_seed()" in failing_messages(report) or "global RNG" in failing_messages(report)
