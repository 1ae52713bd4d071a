"""attention: the reference agrees with PyTorch's SDPA; correct styles pass; mistakes fail
and are named; the built-in attention is flagged however it is reached."""

import pytest
import torch
import torch.nn.functional as F

from conftest import failing_messages


def sdpa_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    """The contract, with PyTorch's own attention doing the per-head part."""
    N, T, d = x.shape
    q, k, v = (t.view(N, T, num_heads, d // num_heads).transpose(1, 2) for t in (x @ w_q, x @ w_k, x @ w_v))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=causal)
    return out.transpose(1, 2).reshape(N, T, d) @ w_o


def test_reference_matches_sdpa_over_the_cases(course):
    ref = course.get("attention").reference
    for case in ref.cases(0) + ref.cases(7):
        inputs = case.pristine_inputs()
        tol = 1e-5 if inputs["x"].dtype == torch.float32 else 1e-12
        torch.testing.assert_close(ref.multi_head_attention(**inputs), sdpa_attention(**inputs), atol=tol, rtol=1e-5)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("causal", [False, True])
def test_reference_matches_sdpa_both_ways(course, dtype, causal):
    ref = course.get("attention").reference
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 9, 24, generator=g, dtype=dtype)
    w = [torch.randn(24, 24, generator=g, dtype=dtype) / 24**0.5 for _ in range(4)]
    tol = 1e-5 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(ref.multi_head_attention(x, *w, 6, causal), sdpa_attention(x, *w, 6, causal),
                               atol=tol, rtol=1e-5)


def test_cases_cover_the_edges(course):
    cases = course.get("attention").reference.cases(0)
    shapes = [(c.inputs["x"].shape, c.inputs["num_heads"], c.inputs["causal"], c.inputs["x"].dtype) for c in cases]
    assert any(s[0][1] == 1 and s[2] for s in shapes) and any(s[0][1] == 1 and not s[2] for s in shapes)
    assert any(s[1] == 1 for s in shapes) and any(s[1] == s[0][2] for s in shapes)
    assert any(s[0][0] == 1 for s in shapes) and any(s[3] == torch.float64 for s in shapes)


def test_stub_fails_as_not_implemented(grade, course):
    report = grade("attention", course.get("attention").stub_path.read_text())
    assert not report.passed
    assert report.error_kind == "not-implemented"


CORRECT = {
    "view-transpose": """
        import math, torch
        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            N, T, d = x.shape
            hs = d // num_heads
            q, k, v = [(x @ w).view(N, T, num_heads, hs).transpose(1, 2) for w in (w_q, w_k, w_v)]  # (N, h, T, hs)
            att = q @ k.transpose(-2, -1) / math.sqrt(hs)
            if causal:
                att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float('-inf'))
            y = torch.softmax(att, dim=-1) @ v
            return y.transpose(1, 2).reshape(N, T, d) @ w_o
    """,
    "einsum": """
        import torch
        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            N, T, d = x.shape
            q, k, v = (torch.einsum('ntd,de->nte', x, w).reshape(N, T, num_heads, -1) for w in (w_q, w_k, w_v))
            scores = torch.einsum('nihe,njhe->nhij', q, k) * q.shape[-1] ** -0.5
            if causal:
                scores = scores + torch.full((T, T), -1e9, dtype=x.dtype).triu(1)
            out = torch.einsum('nhij,njhe->nihe', scores.softmax(-1), v)
            return torch.einsum('nte,ed->ntd', out.reshape(N, T, d), w_o)
    """,
    "loop-over-heads": """
        import math, torch
        import torch.nn.functional as F
        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            T, d = x.shape[1], x.shape[2]
            hs = d // num_heads
            q, k, v = x @ w_q, x @ w_k, x @ w_v
            outs = []
            for h in range(num_heads):
                cols = slice(h * hs, (h + 1) * hs)
                s = torch.matmul(q[..., cols], k[..., cols].transpose(1, 2)) / math.sqrt(hs)
                if causal:
                    s = s.masked_fill(torch.tril(torch.ones(T, T)) == 0, -1e30)
                outs.append(F.softmax(s, dim=-1) @ v[..., cols])
            return torch.cat(outs, dim=-1) @ w_o
    """,
    "float64-inside-renormalise": """
        import math, torch
        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            N, T, d = x.shape
            x64, ws = x.double(), [w.double() for w in (w_q, w_k, w_v, w_o)]
            q, k, v = [(x64 @ w).view(N, T, num_heads, -1).permute(0, 2, 1, 3) for w in ws[:3]]
            e = torch.exp(q @ k.mT / math.sqrt(d // num_heads) - 30.0)  # scores stay far below 30 here
            if causal:
                e = e * torch.ones(T, T, dtype=torch.float64).tril()
            weights = e / e.sum(-1, keepdim=True)
            return ((weights @ v).permute(0, 2, 1, 3).reshape(N, T, d) @ ws[3]).to(x.dtype)
    """,
}


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade("attention", CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


def wrong(body: str) -> str:
    """A full solution with one part replaced: `body` is the middle, after q, k, v are split."""
    return ("import math, torch\n"
            "def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):\n"
            "    N, T, d = x.shape\n"
            "    hs = d // num_heads\n"
            + "".join("    " + line + "\n" for line in body.strip("\n").splitlines()))


SPLIT = "q, k, v = [(x @ w).view(N, T, num_heads, hs).transpose(1, 2) for w in (w_q, w_k, w_v)]\n"
MASK = "if causal:\n    s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float('-inf'))\n"
TAIL = "y = torch.softmax(s, dim=-1) @ v\nreturn y.transpose(1, 2).reshape(N, T, d) @ w_o\n"
SCORES = "s = q @ k.transpose(-2, -1) / math.sqrt(hs)\n"

WRONG = {
    "scaled by sqrt(d_model) instead of sqrt(d_head)": wrong(SPLIT + "s = q @ k.transpose(-2, -1) / math.sqrt(d)\n"
                                                              + MASK + TAIL),
    "scores not scaled": wrong(SPLIT + "s = q @ k.transpose(-2, -1)\n" + MASK + TAIL),
    "heads split without the transpose": wrong(
        "q, k, v = [(x @ w).reshape(N, num_heads, T, hs) for w in (w_q, w_k, w_v)]\n" + SCORES + MASK
        + "y = torch.softmax(s, dim=-1) @ v\nreturn y.reshape(N, T, d) @ w_o\n"),
    "heads merged without transposing back": wrong(
        SPLIT + SCORES + MASK + "y = torch.softmax(s, dim=-1) @ v\nreturn y.reshape(N, T, d) @ w_o\n"),
    "causal mask hides the diagonal": wrong(
        SPLIT + SCORES + "if causal:\n    s = s.masked_fill(torch.triu(torch.ones(T, T)) == 1, float('-inf'))\n"
        + TAIL),
    "causal mask leaks the next token": wrong(
        SPLIT + SCORES + "if causal:\n    s = s.masked_fill(torch.tril(torch.ones(T, T), 1) == 0, float('-inf'))\n"
        + TAIL),
    "causal mask inverted (sees the future)": wrong(
        SPLIT + SCORES + "if causal:\n    s = s.masked_fill(torch.tril(torch.ones(T, T)).bool(), -1e9)\n" + TAIL),
    "mask applied after the softmax": wrong(
        SPLIT + SCORES + "p = torch.softmax(s, dim=-1)\nif causal:\n    p = p * torch.ones(T, T).tril()\n"
        "return (p @ v).transpose(1, 2).reshape(N, T, d) @ w_o\n"),
    "causal flag ignored": wrong(SPLIT + SCORES + TAIL),
    "softmax over the wrong dimension": wrong(
        SPLIT + SCORES + MASK + "y = torch.softmax(s, dim=2) @ v\nreturn y.transpose(1, 2).reshape(N, T, d) @ w_o\n"),
    "output projection w_o missing": wrong(
        SPLIT + SCORES + MASK + "y = torch.softmax(s, dim=-1) @ v\nreturn y.transpose(1, 2).reshape(N, T, d)\n"),
    "num_heads ignored (one head over all of d)": wrong(
        "q, k, v = x @ w_q, x @ w_k, x @ w_v\ns = q @ k.transpose(-2, -1) / math.sqrt(d)\n" + MASK
        + "return torch.softmax(s, dim=-1) @ v @ w_o\n"),
}


@pytest.mark.parametrize("mistake", WRONG)
def test_wrong_solutions_fail_and_are_named(grade, mistake):
    report = grade("attention", WRONG[mistake])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake


def test_unknown_mistake_is_not_misnamed(grade):
    # Masking with 0 instead of -inf: a real slip no known mistake describes.
    report = grade("attention", wrong(
        SPLIT + SCORES + "if causal:\n    s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), 0.0)\n" + TAIL))
    assert not report.passed
    # No known mistake is named; the evidence layer reads the mask with all scores equal (grader/verdict/explain.py).
    assert report.diagnosis["evidence"] == "property"
    assert "0 instead of -inf" in report.diagnosis["name"]


def test_the_template_of_the_wrong_solutions_is_right(grade):
    report = grade("attention", wrong(SPLIT + SCORES + MASK + TAIL))
    assert report.passed, failing_messages(report)


BANNED = [
    ("import torch.nn.functional as F\ndef multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):\n"
     "    return F.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v, is_causal=causal) @ w_o\n",
     "torch.nn.functional.scaled_dot_product_attention", "attribute"),
    ("from torch.nn.functional import scaled_dot_product_attention as sdpa\n"
     "def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):\n"
     "    return sdpa(x @ w_q, x @ w_k, x @ w_v, is_causal=causal) @ w_o\n",
     "torch.nn.functional.scaled_dot_product_attention", "import"),
    ("import torch\ndef multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):\n"
     "    f = getattr(torch.nn.functional, 'scaled_dot_' + 'product_attention')\n"
     "    return f(x @ w_q, x @ w_k, x @ w_v, is_causal=causal) @ w_o\n",
     "torch.nn.functional.scaled_dot_product_attention", "getattr"),
    ("import torch\ndef multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):\n"
     "    return torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(x @ w_q, x @ w_k, x @ w_v)[0] @ w_o\n",
     "torch.nn.functional.scaled_dot_product_attention", "attribute"),
    ("import torch\ndef multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):\n"
     "    return torch._C._nn.scaled_dot_product_attention(x @ w_q, x @ w_k, x @ w_v) @ w_o\n",
     "torch.nn.functional.scaled_dot_product_attention", "attribute"),
    ("import torch.nn as nn\ndef multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):\n"
     "    mha = nn.MultiheadAttention(x.shape[-1], num_heads, bias=False, batch_first=True)\n"
     "    return mha(x, x, x, need_weights=False)[0]\n",
     "torch.nn.MultiheadAttention", "attribute"),
    ("import torch\ndef multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):\n"
     "    return torch.nn.functional.multi_head_attention_forward(x, x, x, x.shape[-1], num_heads, None, None,"
     " None, None, False, 0.0, w_o, None)[0]\n",
     "torch.nn.functional.multi_head_attention_forward", "attribute"),
    ("from torch import nn\ndef multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):\n"
     "    return nn.TransformerEncoderLayer(x.shape[-1], num_heads, batch_first=True)(x)\n",
     "torch.nn.TransformerEncoderLayer", "attribute"),
]


@pytest.mark.parametrize("source, api, how", BANNED)
def test_banned_uses_are_flagged_with_line(grade, source, api, how):
    report = grade("attention", source)
    assert not report.passed and report.score == 0.0
    banned = [v for v in report.violations if v.kind == "banned"]
    assert banned, report.violations
    assert banned[0].api == api and banned[0].file == "attention.py" and banned[0].line in (1, 2, 3)
    assert how in banned[0].how


def test_multihead_attention_module_is_stopped_at_run_time(grade):
    """A solution that builds nn.MultiheadAttention and loads the contract's weights into it."""
    report = grade("attention", """
        import torch
        from torch import nn
        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            d, T = x.shape[-1], x.shape[1]
            mha = nn.MultiheadAttention(d, num_heads, bias=False, batch_first=True)
            with torch.no_grad():
                mha.in_proj_weight.copy_(torch.cat([w_q.T, w_k.T, w_v.T]))
                mha.out_proj.weight.copy_(w_o.T)
            mask = torch.ones(T, T, dtype=torch.bool).triu(1) if causal else None
            return mha.to(x.dtype)(x, x, x, attn_mask=mask, need_weights=False)[0]
    """)
    assert not report.passed and report.score == 0.0
    runtime = [v for v in report.violations if v.how.startswith("run time")]
    assert runtime and runtime[0].api == "torch.nn.MultiheadAttention" and runtime[0].line == 6
    assert all(c.status == "banned" for c in report.cases)


def test_allowed_building_blocks_are_not_flagged(grade):
    report = grade("attention", """
        import math
        import torch
        import torch.nn.functional as F
        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            N, T, d = x.shape
            q, k, v = (F.linear(x, w.T).view(N, T, num_heads, -1).transpose(1, 2) for w in (w_q, w_k, w_v))
            s = torch.matmul(q, k.transpose(-2, -1)).div(math.sqrt(d // num_heads))
            if causal:
                s = s.masked_fill(torch.tril(torch.ones(T, T, dtype=torch.bool)).logical_not(), -math.inf)
            y = torch.einsum('nhij,nhjd->nhid', F.softmax(s, dim=-1), v)
            return torch.mm(y.transpose(1, 2).reshape(N * T, d), w_o).view(N, T, d)
    """)
    assert report.violations == []
    assert report.passed, failing_messages(report)
