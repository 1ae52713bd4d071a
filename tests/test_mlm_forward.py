"""mlm-forward: the reference agrees with PyTorch's encoder layers; correct styles pass;
realistic mistakes fail and are named; banned layers are flagged with file and line."""

import pytest
import torch
import torch.nn as nn

from conftest import failing_messages
from lm_solutions import BLOCKS, D_MODEL_SCALE, ERF_GELU, POST_LN, indistinguishable_pairs, line_of, variant

SLUG = "mlm-forward"


def encoder_layers(blocks_weights, num_heads):
    """The contract's pre-LN blocks as nn.TransformerEncoderLayer (DESIGN.md's mapping)."""
    layers = []
    for w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 in blocks_weights:
        d = w_q.shape[0]
        layer = nn.TransformerEncoderLayer(d, num_heads, dim_feedforward=d, dropout=0.0, batch_first=True,
                                           norm_first=True, bias=False, activation=nn.GELU(approximate="tanh"),
                                           dtype=w_q.dtype)
        with torch.no_grad():
            layer.self_attn.in_proj_weight.copy_(torch.cat([w_q.T, w_k.T, w_v.T]))
            layer.self_attn.out_proj.weight.copy_(w_o.T)
            layer.linear1.weight.copy_(w_mlp1.T)
            layer.linear2.weight.copy_(w_mlp2.T)
        layers.append(layer.eval())
    return layers


def test_reference_matches_transformer_encoder_layers(course):
    ref = course.get(SLUG).reference
    for case in ref.cases(0) + ref.cases(3):
        i = case.pristine_inputs()
        with torch.no_grad():
            x = i["w_emb"][i["input_ids"]] + i["pos_embed"][: i["input_ids"].shape[1]]
            for layer in encoder_layers(i["blocks_weights"], i["num_heads"]):
                x = layer(x)
            expected = x[i["mask_indicator"] > 0.5] @ i["w_head"]
        tol = 1e-4 if expected.dtype == torch.float32 else 1e-12
        torch.testing.assert_close(ref.mlm_forward(**i), expected, atol=tol, rtol=1e-4)


def test_mistake_switches_default_to_the_reference(course):
    ref = course.get(SLUG).reference  # every known mistake is this forward with one switch flipped
    for case in ref.cases(0):
        i = case.pristine_inputs()
        out = ref.L.variant(i["input_ids"], i["w_emb"], i["pos_embed"], i["blocks_weights"], i["num_heads"],
                            i["w_head"], mask_indicator=i["mask_indicator"])
        torch.testing.assert_close(out, ref.mlm_forward(**i), atol=0.0, rtol=0.0)


def test_cases_cover_the_edges(course):
    cases = {c.name: c.inputs for c in course.get(SLUG).reference.cases(0)}
    assert cases["edge: nothing masked"]["mask_indicator"].sum() == 0
    assert cases["edge: every position masked"]["mask_indicator"].all()
    assert cases["edge: one masked position"]["mask_indicator"].sum() == 1  # a squeezed (M, d) would pass without it
    assert cases["edge: no blocks"]["blocks_weights"].shape[0] == 0
    assert cases["max_len > T"]["pos_embed"].shape[0] > cases["max_len > T"]["input_ids"].shape[1]
    assert any(i["w_emb"].dtype == torch.float64 for i in cases.values())
    assert {i["num_heads"] for i in cases.values()} >= {1, 4, 8}


def test_known_mistakes_differ_from_the_reference_and_from_each_other(course):
    assert indistinguishable_pairs(course.get(SLUG), seeds=(0, 1, 2)) == []
    assert len({m.name for m in course.get(SLUG).reference.MISTAKES}) >= 5


def test_stub_fails_as_not_implemented(grade, course):
    report = grade(SLUG, course.get(SLUG).stub_path.read_text())
    assert not report.passed
    assert report.error_kind == "not-implemented"


FORWARD = BLOCKS + '''

def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for weights in blocks_weights:
        x = block(x, weights, num_heads)
    x = x[mask_indicator > 0.5]
    return x @ w_head
'''

CORRECT = {
    "own-helpers": FORWARD,
    "einsum-one-function": """
        import math
        import torch

        def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
            N, T = input_ids.shape
            d = w_emb.shape[1]
            h, dh = num_heads, d // num_heads
            def ln(t):
                c = t - t.mean(-1, keepdim=True)
                return c * torch.rsqrt((c * c).mean(-1, keepdim=True) + 1e-5)
            x = w_emb[input_ids] + pos_embed[:T]
            for w_q, w_k, w_v, w_o, w1, w2 in blocks_weights:
                a = ln(x)
                q, k, v = (torch.einsum('ntd,de->nte', a, w).reshape(N, T, h, dh) for w in (w_q, w_k, w_v))
                att = torch.softmax(torch.einsum('nqhe,nkhe->nhqk', q, k) / math.sqrt(dh), dim=-1)
                x = x + torch.einsum('nhqk,nkhe->nqhe', att, v).reshape(N, T, d) @ w_o
                u = ln(x) @ w1
                x = x + (0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))) @ w2
            rows = mask_indicator.reshape(-1).nonzero().squeeze(1)
            return torch.einsum('md,dv->mv', x.reshape(N * T, d)[rows], w_head)
    """,
    "float64-inside": FORWARD.replace("def mlm_forward(", "def _forward(") + '''

def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    out = _forward(input_ids, w_emb.double(), pos_embed.double(), blocks_weights.double(), w_head.double(),
                   mask_indicator, num_heads)
    return out.to(w_emb.dtype)
''',
}


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade(SLUG, CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


def test_solution_importing_earlier_workspace_files_passes(grade):
    block_file = BLOCKS.replace("def block(", "def pre_ln_block(")
    report = grade(SLUG, """
        from transformer_block import pre_ln_block

        def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
            x = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
            for weights in blocks_weights:
                x = pre_ln_block(x, weights, num_heads)
            return x[mask_indicator.bool()] @ w_head
    """, extra_files={"transformer_block.py": block_file})
    assert report.passed, failing_messages(report)


TIME_MAJOR = """    x = x[mask_indicator > 0.5]
    return x @ w_head""", """    rows = [x[n, t] for t in range(T) for n in range(x.shape[0])
            if mask_indicator[n, t] == 1]
    x = torch.stack(rows) if rows else x.new_zeros(0, x.shape[-1])
    return x @ w_head"""

WRONG = {
    "causal mask in a bidirectional model": variant(FORWARD, "block(x, weights, num_heads)",
                                                    "block(x, weights, num_heads, causal=True)"),
    "positions added after the blocks": variant(variant(FORWARD, "x = w_emb[input_ids] + pos_embed[:T]",
                                                        "x = w_emb[input_ids]"),
                                                "    x = x[mask_indicator > 0.5]",
                                                "    x = x + pos_embed[:T]\n    x = x[mask_indicator > 0.5]"),
    "positions omitted": variant(FORWARD, "x = w_emb[input_ids] + pos_embed[:T]", "x = w_emb[input_ids]"),
    "final layer norm added": variant(FORWARD, "x = x[mask_indicator > 0.5]",
                                      "x = layer_norm(x)[mask_indicator > 0.5]"),
    "masked positions gathered time-major": variant(FORWARD, *TIME_MAJOR),
    "unmasked positions gathered": variant(FORWARD, "x[mask_indicator > 0.5]", "x[mask_indicator == 0]"),
    "embedding scaled by sqrt(d_model)": variant(FORWARD, "x = w_emb[input_ids] + pos_embed[:T]",
                                                 "x = w_emb[input_ids] * math.sqrt(w_emb.shape[1]) + pos_embed[:T]"),
    "post-LN blocks": variant(FORWARD, *POST_LN),
    "exact (erf) GELU": variant(FORWARD, *ERF_GELU),
    "attention scaled by sqrt(d_model)": variant(FORWARD, *D_MODEL_SCALE),
}


@pytest.mark.parametrize("mistake", WRONG)
def test_wrong_solutions_fail_and_are_named(grade, mistake):
    report = grade(SLUG, WRONG[mistake], localise=False)  # diagnosis only: localisation has its own test
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake, failing_messages(report)


def test_nothing_masked_must_give_an_empty_result(grade):
    source = variant(FORWARD, "    x = x[mask_indicator > 0.5]\n",
                     "    x = x[mask_indicator > 0.5]\n    if x.shape[0] == 0:\n        return None\n")
    report = grade(SLUG, source, localise=False)
    failed = [c.name for c in report.cases if not c.passed]
    assert failed == ["edge: nothing masked", "edge: nothing masked, float64"]


def test_in_place_edit_of_weights_fails(grade):
    source = variant(FORWARD, "    x = w_emb[input_ids] + pos_embed[:T]",
                     "    w_emb += 0\n    pos_embed[:T] *= 1.0001\n    x = w_emb[input_ids] + pos_embed[:T]")
    report = grade(SLUG, source, localise=False)
    assert not report.passed
    assert "pos_embed" in failing_messages(report) and "in place" in failing_messages(report)


SDPA = variant(FORWARD, "    weights = torch.softmax(scores, dim=-1)\n    return (weights @ v)",
               "    out = torch.nn.functional.scaled_dot_product_attention(q, k, v)\n    return out")
ENCODER_LAYER = BLOCKS + '''

def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    d = w_emb.shape[1]
    layer = torch.nn.TransformerEncoderLayer(d, num_heads, d, 0.0, batch_first=True, norm_first=True, bias=False)
    x = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
    return layer(x)[mask_indicator > 0.5] @ w_head
'''
ALIASED_LN = "from torch.nn.functional import layer_norm as ln\n" + variant(
    FORWARD, "    mean = x.mean(-1, keepdim=True)\n    var = x.var(-1, keepdim=True, unbiased=False)\n"
    "    return (x - mean) / torch.sqrt(var + eps)", "    return ln(x, x.shape[-1:], eps=eps)")


@pytest.mark.parametrize("source, marker, api", [
    (SDPA, "scaled_dot_product_attention(", "torch.nn.functional.scaled_dot_product_attention"),
    (ENCODER_LAYER, "TransformerEncoderLayer(", "torch.nn.TransformerEncoderLayer"),
    (ALIASED_LN, "import layer_norm as ln", "torch.nn.functional.layer_norm"),
])
def test_banned_uses_are_flagged_with_line(grade, source, marker, api):
    report = grade(SLUG, source)
    assert not report.passed and report.score == 0.0
    banned = [v for v in report.violations if v.kind == "banned"]
    assert banned, report.violations
    assert (banned[0].file, banned[0].line) == ("mlm_forward.py", line_of(source, marker))
    assert banned[0].api == api
