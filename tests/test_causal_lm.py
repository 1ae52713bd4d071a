"""causal-lm: the reference agrees with an SDPA implementation and (when installed) with
Hugging Face's GPT-2; correct styles pass; mistakes fail and are named; the causality
check names the first position that sees the future; banned layers are flagged."""


import pytest
import torch
import torch.nn.functional as F

from conftest import failing_messages
from grader.judge import case_verdicts
from lm_solutions import BLOCKS, D_MODEL_SCALE, ERF_GELU, POST_LN, indistinguishable_pairs, line_of, variant

SLUG = "causal-lm"


def sdpa_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    """An independent implementation: PyTorch's causal SDPA and layer norm."""
    N, T = input_ids.shape
    d = w_emb.shape[1]
    x = F.embedding(input_ids, w_emb) + pos_embed[:T]
    for w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 in blocks_weights:
        h = F.layer_norm(x, (d,), eps=1e-5)
        q, k, v = (F.linear(h, w.T).unflatten(-1, (num_heads, -1)).transpose(1, 2) for w in (w_q, w_k, w_v))
        x = x + F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).flatten(2) @ w_o
        x = x + F.gelu(F.layer_norm(x, (d,), eps=1e-5) @ w_mlp1, approximate="tanh") @ w_mlp2
    return F.layer_norm(x, (d,), eps=1e-5) @ w_emb.T


def test_reference_matches_sdpa_implementation(course):
    ref = course.get(SLUG).reference
    for case in ref.cases(0) + ref.cases(5):
        i = case.pristine_inputs()
        expected = sdpa_forward(**i)
        tol = 1e-4 if expected.dtype == torch.float32 else 1e-11
        torch.testing.assert_close(ref.causal_lm_forward(**i), expected, atol=tol, rtol=1e-4)


def test_reference_matches_hugging_face_gpt2(course):
    transformers = pytest.importorskip("transformers")
    ref = course.get(SLUG).reference
    for case in ref.cases(0):
        i = case.pristine_inputs()
        (V, d), blocks = i["w_emb"].shape, i["blocks_weights"]
        config = transformers.GPT2Config(vocab_size=V, n_positions=i["pos_embed"].shape[0], n_embd=d,
                                         n_layer=blocks.shape[0], n_head=i["num_heads"], n_inner=d,
                                         activation_function="gelu_new", layer_norm_epsilon=1e-5,
                                         resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, tie_word_embeddings=True,
                                         bos_token_id=0, eos_token_id=0)
        model = transformers.GPT2LMHeadModel(config).to(i["w_emb"].dtype).eval()
        with torch.no_grad():
            for p in model.parameters():  # zero biases; layer norms become scale 1, shift 0 below
                p.zero_()
            model.transformer.wte.weight.copy_(i["w_emb"])  # also the head: the weights are tied
            model.transformer.wpe.weight.copy_(i["pos_embed"])
            for layer, (w_q, w_k, w_v, w_o, w_mlp1, w_mlp2) in zip(model.transformer.h, blocks):
                layer.ln_1.weight.fill_(1.0)
                layer.ln_2.weight.fill_(1.0)
                layer.attn.c_attn.weight.copy_(torch.cat([w_q, w_k, w_v], dim=1))  # Conv1D: (in, out)
                layer.attn.c_proj.weight.copy_(w_o)
                layer.mlp.c_fc.weight.copy_(w_mlp1)
                layer.mlp.c_proj.weight.copy_(w_mlp2)
            model.transformer.ln_f.weight.fill_(1.0)
            expected = model(i["input_ids"]).logits
        assert model.lm_head.weight is model.transformer.wte.weight
        tol = 1e-4 if expected.dtype == torch.float32 else 1e-11
        torch.testing.assert_close(ref.causal_lm_forward(**i), expected, atol=tol, rtol=1e-4, msg=case.name)


def test_mistake_switches_default_to_the_reference(course):
    ref = course.get(SLUG).reference  # every known mistake is this forward with one switch flipped
    for case in ref.cases(0):
        i = case.pristine_inputs()
        out = ref.L.variant(i["input_ids"], i["w_emb"], i["pos_embed"], i["blocks_weights"], i["num_heads"],
                            i["w_emb"].T, mask="causal", final_ln=True)
        torch.testing.assert_close(out, ref.causal_lm_forward(**i), atol=0.0, rtol=0.0)


def test_probe_changes_every_future_token_and_nothing_else(course):
    probe = course.get(SLUG).probe_path
    namespace = {}
    exec(compile(probe.read_text(), str(probe), "exec"), namespace)
    ids = torch.randint(0, 5, (3, 9), generator=torch.Generator().manual_seed(0))
    changed = namespace["changed_future"](ids, 4, 5)
    assert torch.equal(changed[:, :4], ids[:, :4])
    assert (changed[:, 4:] != ids[:, 4:]).all() and changed.max() < 5 and changed.min() >= 0


def test_every_case_longer_than_one_token_checks_causality(course):
    for case in course.get(SLUG).reference.cases(0):
        T = case.inputs["input_ids"].shape[1]
        t = case.options.get("causality")
        assert (t is not None and 1 <= t < T) if T > 1 else t is None, case.name


def test_known_mistakes_differ_from_the_reference_and_from_each_other(course):
    assert indistinguishable_pairs(course.get(SLUG), seeds=(0, 1, 2)) == []
    assert len({m.name for m in course.get(SLUG).reference.MISTAKES}) >= 5


def test_stub_fails_as_not_implemented(grade, course):
    report = grade(SLUG, course.get(SLUG).stub_path.read_text())
    assert not report.passed
    assert report.error_kind == "not-implemented"


FORWARD = BLOCKS + '''

def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for weights in blocks_weights:
        x = block(x, weights, num_heads, causal=True)
    x = layer_norm(x)
    return x @ w_emb.T
'''

CORRECT = {
    "own-helpers": FORWARD,
    "einsum-large-negative-mask": """
        import math
        import torch

        def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
            N, T = input_ids.shape
            d = w_emb.shape[1]
            h, dh = num_heads, d // num_heads
            def ln(t):
                c = t - t.mean(-1, keepdim=True)
                return c * torch.rsqrt((c * c).mean(-1, keepdim=True) + 1e-5)
            future = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
            x = w_emb[input_ids] + pos_embed[:T]
            for w_q, w_k, w_v, w_o, w1, w2 in blocks_weights:
                a = ln(x)
                q, k, v = (torch.einsum('ntd,de->nte', a, w).reshape(N, T, h, dh) for w in (w_q, w_k, w_v))
                s = torch.einsum('nqhe,nkhe->nhqk', q, k) / math.sqrt(dh)
                att = torch.softmax(s.masked_fill(future, -1e9), dim=-1)
                x = x + torch.einsum('nhqk,nkhe->nqhe', att, v).reshape(N, T, d) @ w_o
                u = ln(x) @ w1
                x = x + (0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))) @ w2
            return torch.einsum('ntd,vd->ntv', ln(x), w_emb)
    """,
    "loop-over-positions-in-float64": variant(
        variant(FORWARD, """    scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return (weights @ v)""", """    rows = []
    for t in range(T):  # query t looks at keys 0..t only
        seen = t + 1 if causal else T
        s = q[:, :, t:t + 1] @ k[:, :, :seen].transpose(-2, -1) / math.sqrt(d_head)
        rows.append(torch.softmax(s, dim=-1) @ v[:, :, :seen])
    return torch.cat(rows, dim=2)"""),
        "    T = input_ids.shape[1]\n",
        "    dtype = w_emb.dtype\n    w_emb, pos_embed, blocks_weights = w_emb.double(), pos_embed.double(), "
        "blocks_weights.double()\n    T = input_ids.shape[1]\n").replace("return x @ w_emb.T",
                                                                     "return (x @ w_emb.T).to(dtype)"),
}


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade(SLUG, CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


MASK = 'allowed = torch.ones(T, T, dtype=torch.bool).tril()'
MASK_AND_SOFTMAX = """        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)"""
MASKING = """    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    weights = torch.softmax(scores, dim=-1)"""

WRONG = {
    "no causal mask": variant(FORWARD, "block(x, weights, num_heads, causal=True)", "block(x, weights, num_heads)"),
    "mask hides the diagonal": variant(FORWARD, MASK, MASK.replace(".tril()", ".tril(diagonal=-1)")),
    "mask off by one: sees the next token": variant(FORWARD, MASK, MASK.replace(".tril()", ".tril(1)")),
    "mask flipped: attends to the future": variant(FORWARD, MASK, MASK.replace(".tril()", ".triu()")),
    "masked scores set to 0, not -inf": variant(FORWARD, MASK_AND_SOFTMAX, """        scores = scores * allowed
    weights = torch.softmax(scores, dim=-1)"""),
    "mask applied after the softmax": variant(FORWARD, MASKING, """    weights = torch.softmax(scores, dim=-1)
    if causal:
        allowed = torch.ones(T, T, dtype=torch.bool).tril()
        weights = weights.masked_fill(~allowed, 0.0)"""),
    "final layer norm missing": variant(FORWARD, "    x = layer_norm(x)\n", ""),
    "positions added after the blocks": variant(variant(FORWARD, "x = w_emb[input_ids] + pos_embed[:T]",
                                                        "x = w_emb[input_ids]"),
                                                "    x = layer_norm(x)\n", "    x = layer_norm(x + pos_embed[:T])\n"),
    "post-LN blocks": variant(FORWARD, *POST_LN),
    "exact (erf) GELU": variant(FORWARD, *ERF_GELU),
    "attention scaled by sqrt(d_model)": variant(FORWARD, *D_MODEL_SCALE),
}


@pytest.mark.parametrize("mistake", WRONG)
def test_wrong_solutions_fail_and_are_named(grade, mistake):
    report = grade(SLUG, WRONG[mistake], localise=False)  # diagnosis only: localisation has its own test
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake, failing_messages(report)


def test_causality_failure_names_the_first_leaking_position(grade):
    report = grade(SLUG, WRONG["no causal mask"], localise=False)
    typical = report.cases[0]  # T = 8, tokens 4..7 changed: every position before 4 saw them
    assert typical.message.startswith("causality: position 0's logits changed")
    assert "when tokens 4..7 changed" in typical.message and "a later token moves" in typical.message
    assert "mask" not in typical.message  # the measurement, not a cause: the experiment does not isolate the mask


def test_off_by_one_leak_is_located_just_before_the_change(grade):
    report = grade(SLUG, WRONG["mask off by one: sees the next token"], localise=False)
    messages = {c.name: c.message for c in report.cases}
    # One block lets the leak travel one position back; two blocks, two positions.
    assert messages["many heads (8 heads, d_head = 4)"].startswith("causality: position 3's logits changed")
    assert "when tokens 4..7 changed" in messages["many heads (8 heads, d_head = 4)"]
    assert messages["last token changed"].startswith("causality: position 9's logits changed")
    assert "when token 11 changed" in messages["last token changed"]


def test_mask_hiding_the_diagonal_fails_with_nan(grade):
    report = grade(SLUG, WRONG["mask hides the diagonal"], localise=False)
    assert not report.passed
    assert "NaN" in report.cases[0].message and not report.cases[0].message.startswith("causality")


def test_correct_values_with_a_leak_on_the_second_run_still_fail(course):
    # The judge alone: the first run is exactly right, the changed-future run moved position 2.
    problem = course.get(SLUG)
    case = problem.reference.cases(0)[0]
    output = problem.reference.causal_lm_forward(**case.pristine_inputs())
    leaked = output.clone()
    leaked[1, 2] += 0.5
    value = {"output": output, "changed_future_output": leaked, "inputs_after": {}}
    verdicts = case_verdicts(problem, case, value, (1e-4, 1e-4))  # the public judge, problems/causal-lm/judge.py
    failed = [v for v in verdicts if not v.passed]
    assert len(failed) == 1 and failed[0] is verdicts[0]
    assert failed[0].message.startswith("causality: position 2's logits changed (by up to 0.5, sequence 1)")


SDPA = variant(FORWARD, MASKING + """
    return (weights @ v)""", """    out = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    return out""")
ALIASED_LN = variant(FORWARD, "import torch\n", "import torch\nfrom torch.nn.functional import layer_norm as ln_f\n") \
    .replace("    x = layer_norm(x)\n", "    x = ln_f(x, x.shape[-1:])\n")


@pytest.mark.parametrize("source, marker, api", [
    (SDPA, "scaled_dot_product_attention(", "torch.nn.functional.scaled_dot_product_attention"),
    (ALIASED_LN, "import layer_norm as ln_f", "torch.nn.functional.layer_norm"),
])
def test_banned_uses_are_flagged_with_line(grade, source, marker, api):
    report = grade(SLUG, source)
    assert not report.passed and report.score == 0.0
    banned = [v for v in report.violations if v.kind == "banned"]
    assert banned, report.violations
    assert (banned[0].file, banned[0].line) == ("causal_lm.py", line_of(source, marker))
    assert banned[0].api == api


def test_localisation_shows_which_tokens_each_position_sees(grade):
    report = grade(SLUG, WRONG["no causal mask"])
    grid = next(e for e in report.localisation if e.get("kind") == "influence")
    yours, expected = torch.tensor(grid["yours"]), torch.tensor(grid["expected"])
    assert torch.equal(expected, torch.ones_like(expected).tril())  # position i depends on tokens 0..i
    assert yours.all()  # without a mask every position depends on every token
