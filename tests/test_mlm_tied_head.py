"""mlm-tied-head: the reference agrees with PyTorch's encoder layers and with mlm-forward
given w_head = w_emb.T; correct styles pass; realistic mistakes fail and are named;
banned layers are flagged with file and line."""

import pytest
import torch

from conftest import failing_messages
from lm_solutions import BLOCKS, D_MODEL_SCALE, ERF_GELU, POST_LN, indistinguishable_pairs, line_of, variant
from test_mlm_forward import encoder_layers

SLUG = "mlm-tied-head"


def test_reference_matches_transformer_encoder_layers(course):
    ref = course.get(SLUG).reference
    for case in ref.cases(0) + ref.cases(4):
        i = case.pristine_inputs()
        with torch.no_grad():
            x = i["w_emb"][i["input_ids"]] + i["pos_embed"][: i["input_ids"].shape[1]]
            for layer in encoder_layers(i["blocks_weights"], i["num_heads"]):
                x = layer(x)
            expected = x[i["mask_indicator"] > 0.5] @ i["w_emb"].T
        tol = 1e-4 if expected.dtype == torch.float32 else 1e-12
        torch.testing.assert_close(ref.mlm_forward_tied(**i), expected, atol=tol, rtol=1e-4)


def test_reference_is_mlm_forward_with_the_embedding_as_head(course):
    tied, untied = course.get(SLUG).reference, course.get("mlm-forward").reference
    for case in tied.cases(0):
        i = case.pristine_inputs()
        torch.testing.assert_close(tied.mlm_forward_tied(**i), untied.mlm_forward(**i, w_head=i["w_emb"].T),
                                   atol=0.0, rtol=0.0)


def test_cases_have_vocabulary_unlike_width(course):
    # V != d everywhere, so `x @ w_emb` (no transpose) fails loudly instead of type-checking.
    for case in course.get(SLUG).reference.cases(0):
        V, d = case.inputs["w_emb"].shape
        assert V != d, case.name


def test_known_mistakes_differ_from_the_reference_and_from_each_other(course):
    assert indistinguishable_pairs(course.get(SLUG), seeds=(0, 1, 2)) == []
    assert len({m.name for m in course.get(SLUG).reference.MISTAKES}) >= 5


def test_stub_fails_as_not_implemented(grade, course):
    report = grade(SLUG, course.get(SLUG).stub_path.read_text())
    assert not report.passed
    assert report.error_kind == "not-implemented"


FORWARD = BLOCKS + '''

def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for weights in blocks_weights:
        x = block(x, weights, num_heads)
    x = x[mask_indicator > 0.5]
    return x @ w_emb.T
'''

CORRECT = {
    "own-helpers": FORWARD,
    "linear-and-einsum": """
        import math
        import torch
        import torch.nn.functional as F

        def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
            N, T = input_ids.shape
            d = w_emb.shape[1]
            h, dh = num_heads, d // num_heads
            def ln(t):
                c = t - t.mean(-1, keepdim=True)
                return c / (c.pow(2).mean(-1, keepdim=True) + 1e-5).sqrt()
            x = F.embedding(input_ids, w_emb) + pos_embed[:T]
            for w_q, w_k, w_v, w_o, w1, w2 in blocks_weights:
                a = ln(x)
                q, k, v = (torch.einsum('ntd,de->nte', a, w).reshape(N, T, h, dh) for w in (w_q, w_k, w_v))
                att = torch.softmax(torch.einsum('nqhe,nkhe->nhqk', q, k) / math.sqrt(dh), dim=-1)
                x = x + torch.einsum('nhqk,nkhe->nqhe', att, v).reshape(N, T, d) @ w_o
                u = ln(x) @ w1
                x = x + (0.5 * u * (1 + torch.tanh(math.sqrt(2 / math.pi) * (u + 0.044715 * u ** 3)))) @ w2
            return F.linear(x[mask_indicator.bool()], w_emb)  # x @ w_emb.T
    """,
    "float64-inside": FORWARD.replace("def mlm_forward_tied(", "def _forward(") + '''

def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
    out = _forward(input_ids, w_emb.double(), pos_embed.double(), blocks_weights.double(), mask_indicator, num_heads)
    return out.to(w_emb.dtype)
''',
}


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade(SLUG, CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


WRONG = {
    "w_emb reshaped instead of transposed": variant(FORWARD, "return x @ w_emb.T",
                                                    "return x @ w_emb.reshape(w_emb.shape[1], -1)"),
    "causal mask in a bidirectional model": variant(FORWARD, "block(x, weights, num_heads)",
                                                    "block(x, weights, num_heads, True)"),
    "positions added after the blocks": variant(variant(FORWARD, "x = w_emb[input_ids] + pos_embed[:T]",
                                                        "x = w_emb[input_ids]"),
                                                "    x = x[mask_indicator > 0.5]",
                                                "    x = x + pos_embed[:T]\n    x = x[mask_indicator > 0.5]"),
    "final layer norm added": variant(FORWARD, "    x = x[mask_indicator > 0.5]",
                                      "    x = layer_norm(x)\n    x = x[mask_indicator > 0.5]"),
    "masked positions gathered time-major": variant(FORWARD, "x = x[mask_indicator > 0.5]",
                                                    "x = x.transpose(0, 1)[mask_indicator.T > 0.5]"),
    "embedding scaled by sqrt(d_model)": variant(FORWARD, "x = w_emb[input_ids] + pos_embed[:T]",
                                                 "x = w_emb[input_ids] * w_emb.shape[1] ** 0.5 + pos_embed[:T]"),
    "post-LN blocks": variant(FORWARD, *POST_LN),
    "exact (erf) GELU": variant(FORWARD, *ERF_GELU),
    "attention scaled by sqrt(d_model)": variant(FORWARD, *D_MODEL_SCALE),
}


@pytest.mark.parametrize("mistake", WRONG)
def test_wrong_solutions_fail_and_are_named(grade, mistake):
    report = grade(SLUG, WRONG[mistake], localise=False)  # diagnosis only: localisation has its own test
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake, failing_messages(report)


def test_head_without_transpose_fails_on_shape(grade):
    report = grade(SLUG, variant(FORWARD, "return x @ w_emb.T", "return x @ w_emb"), localise=False)
    assert not report.passed
    assert report.cases and all(c.status == "exception" for c in report.cases)


def test_scaling_the_shared_weight_in_place_fails(grade):
    source = variant(FORWARD, "    T = input_ids.shape[1]",
                     "    T = input_ids.shape[1]\n    w_emb.mul_(1.0)\n    pos_embed.add_(1.0)")
    report = grade(SLUG, source, localise=False)
    assert not report.passed
    assert "in place" in failing_messages(report)


SDPA = variant(FORWARD, "    weights = torch.softmax(scores, dim=-1)\n    return (weights @ v)",
               "    return F.scaled_dot_product_attention(q, k, v)").replace(
    "import torch\n", "import torch\nimport torch.nn.functional as F\n", 1)
ALIASED_LN = variant(FORWARD, "def layer_norm(x, eps=1e-5):\n", "norm = torch.nn.functional.layer_norm\n\n\n"
                     "def layer_norm(x, eps=1e-5):\n    return norm(x, x.shape[-1:], eps=eps)\n")


@pytest.mark.parametrize("source, marker, api", [
    (SDPA, "F.scaled_dot_product_attention(", "torch.nn.functional.scaled_dot_product_attention"),
    (ALIASED_LN, "norm = torch.nn.functional.layer_norm", "torch.nn.functional.layer_norm"),
])
def test_banned_uses_are_flagged_with_line(grade, source, marker, api):
    report = grade(SLUG, source)
    assert not report.passed and report.score == 0.0
    banned = [v for v in report.violations if v.kind == "banned"]
    assert banned, report.violations
    assert (banned[0].file, banned[0].line) == ("mlm_tied_head.py", line_of(source, marker))
    assert banned[0].api == api


def test_squeezing_the_gathered_rows_fails_when_one_position_is_masked(grade):
    """A bare .squeeze() is right whenever M != 1: the cases must hold exactly one masked position."""
    report = grade(SLUG, variant(FORWARD, "x = x[mask_indicator > 0.5]", "x = x[mask_indicator > 0.5].squeeze()"),
                   localise=False)
    assert not report.passed
    failing = [c.name for c in report.cases if not c.passed]
    assert failing == ["edge: one masked position"], failing
