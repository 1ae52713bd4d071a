"""transformer-block: the reference agrees with nn.TransformerEncoderLayer; correct styles
pass (one reusing the learner's earlier files); mistakes fail and are named; every
inherited ban applies."""

import pytest
import torch
import torch.nn as nn

from conftest import failing_messages


def torch_block(x, block_weights, num_heads, causal=False):
    """The contract as PyTorch's own pre-LN encoder layer, loaded with the packed weights."""
    N, T, d = x.shape
    w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
    layer = nn.TransformerEncoderLayer(d, num_heads, dim_feedforward=d, dropout=0.0, batch_first=True,
                                       norm_first=True, bias=False, activation=nn.GELU(approximate="tanh"),
                                       layer_norm_eps=1e-5, dtype=x.dtype).eval()
    with torch.no_grad():
        layer.self_attn.in_proj_weight.copy_(torch.cat([w_q.T, w_k.T, w_v.T]))
        layer.self_attn.out_proj.weight.copy_(w_o.T)
        layer.linear1.weight.copy_(w_mlp1.T)
        layer.linear2.weight.copy_(w_mlp2.T)
        mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=x.dtype) if causal else None
        return layer(x, src_mask=mask, is_causal=causal)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_reference_matches_torch_encoder_layer(course, dtype):
    ref = course.get("transformer-block").reference
    for case in ref.cases(0) + ref.cases(7):
        inputs = {k: (v.to(dtype) if torch.is_tensor(v) else v) for k, v in case.pristine_inputs().items()}
        tol = 2e-5 if dtype == torch.float32 else 1e-12
        torch.testing.assert_close(ref.pre_ln_block(**inputs), torch_block(**inputs), atol=tol, rtol=1e-5)


def test_cases_include_both_masks_and_the_edges(course):
    cases = course.get("transformer-block").reference.cases(0)
    facts = [(c.inputs["x"].shape, c.inputs["num_heads"], c.inputs["causal"], c.inputs["x"].dtype) for c in cases]
    assert {f[2] for f in facts} == {True, False}
    assert any(f[0][1] == 1 for f in facts) and any(f[1] == 1 for f in facts) and any(f[1] == f[0][2] for f in facts)
    assert any(f[3] == torch.float64 and f[2] for f in facts) and any(f[3] == torch.float64 and not f[2] for f in facts)


def test_stub_fails_as_not_implemented(grade, course):
    report = grade("transformer-block", course.get("transformer-block").stub_path.read_text())
    assert not report.passed
    assert report.error_kind == "not-implemented"


HELPERS = '''
import math, torch

def layer_norm(x, eps=1e-5):
    mean = x.mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(x.var(-1, keepdim=True, unbiased=False) + eps)

def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))

def mha(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    q, k, v = [(x @ w).view(N, T, num_heads, -1).transpose(1, 2) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-2, -1) / math.sqrt(d // num_heads)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
'''


def block(body: str, helpers: str = HELPERS) -> str:
    """A full solution: the helpers, then pre_ln_block with `body` inside."""
    return helpers + "\ndef pre_ln_block(x, block_weights, num_heads, causal=False):\n" + "".join(
        "    " + line + "\n" for line in body.strip("\n").splitlines())


UNPACK = "w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights\n"
ATTN = "x = x + mha(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)\n"
MLP = "return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2\n"

CORRECT = {
    "helpers-in-one-file": block(UNPACK + ATTN + MLP),
    "einsum-float64-inside": """
        import math, torch
        def pre_ln_block(x, block_weights, num_heads, causal=False):
            N, T, d = x.shape
            W = block_weights.double()
            h = x.double()
            def ln(t):
                c = t - t.mean(-1, keepdim=True)
                return c * torch.rsqrt((c * c).mean(-1, keepdim=True) + 1e-5)
            a = ln(h)
            q, k, v = (torch.einsum('ntd,de->nte', a, W[i]).reshape(N, T, num_heads, -1) for i in range(3))
            s = torch.einsum('nihe,njhe->nhij', q, k) / math.sqrt(d // num_heads)
            if causal:
                s = s + torch.full((T, T), float('-inf'), dtype=s.dtype).triu(1)
            h = h + torch.einsum('nhij,njhe->nihe', s.softmax(-1), v).reshape(N, T, d) @ W[3]
            u = ln(h) @ W[4]
            h = h + (u * torch.sigmoid(2 * math.sqrt(2 / math.pi) * (u + 0.044715 * u**3))) @ W[5]
            return h.to(x.dtype)
    """,
}


def test_correct_solution_reusing_earlier_files_passes(grade):
    files = {
        "layer_norm.py": "import torch\ndef layer_norm(x, eps=1e-5):\n    c = x - x.mean(-1, keepdim=True)\n"
                         "    return c / ((c * c).mean(-1, keepdim=True) + eps).sqrt()\n",
        "gelu.py": HELPERS.split("def mha")[0],
        "attention.py": HELPERS + "multi_head_attention = mha\n",
    }
    report = grade("transformer-block", """
        from layer_norm import layer_norm
        from gelu import gelu
        from attention import multi_head_attention
        def pre_ln_block(x, block_weights, num_heads, causal=False):
            w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights.unbind(0)
            h = layer_norm(x)
            x = x + multi_head_attention(h, w_q, w_k, w_v, w_o, num_heads, causal=causal)
            return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    """, extra_files=files)
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None and report.violations == []


@pytest.mark.parametrize("style", CORRECT)
def test_correct_solutions_pass(grade, style):
    report = grade("transformer-block", CORRECT[style])
    assert report.passed, failing_messages(report)
    assert report.diagnosis is None


WRONG = {
    "post-LN instead of pre-LN": block(UNPACK + "x = layer_norm(x + mha(x, w_q, w_k, w_v, w_o, num_heads, causal))\n"
                                       "return layer_norm(x + gelu(x @ w_mlp1) @ w_mlp2)\n"),
    "residual around attention missing": block(UNPACK + "x = mha(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)\n"
                                               + MLP),
    "residual adds the normalised x": block(UNPACK + "x = layer_norm(x)\nx = x + mha(x, w_q, w_k, w_v, w_o, num_heads, "
                                            "causal)\nx = layer_norm(x)\nreturn x + gelu(x @ w_mlp1) @ w_mlp2\n"),
    "layer norm before the MLP missing": block(UNPACK + ATTN + "return x + gelu(x @ w_mlp1) @ w_mlp2\n"),
    "MLP reads the first layer norm (parallel block)": block(
        UNPACK + "h = layer_norm(x)\nx = x + mha(h, w_q, w_k, w_v, w_o, num_heads, causal)\n"
        "return x + gelu(h @ w_mlp1) @ w_mlp2\n"),
    "exact (erf) GELU instead of the tanh approximation": block(
        UNPACK + ATTN + "return x + torch.special.erf(layer_norm(x) @ w_mlp1 / math.sqrt(2)).add(1).mul(0.5)"
        ".mul(layer_norm(x) @ w_mlp1) @ w_mlp2\n"),
    "causal flag ignored": block(UNPACK + "x = x + mha(layer_norm(x), w_q, w_k, w_v, w_o, num_heads)\n" + MLP),
    "w_mlp1 and w_mlp2 swapped": block("w_q, w_k, w_v, w_o, w_mlp2, w_mlp1 = block_weights\n" + ATTN + MLP),
    "w_q and w_k swapped": block("w_k, w_q, w_v, w_o, w_mlp1, w_mlp2 = block_weights\n" + ATTN + MLP),
    "weights unpacked in the wrong order (w_o last)": block(
        "w_q, w_k, w_v, w_mlp1, w_mlp2, w_o = block_weights\n" + ATTN + MLP),
    "extra layer norm on the output": block(UNPACK + ATTN + "return layer_norm(x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2)\n"),
    "attention scaled by sqrt(d_model) instead of sqrt(d_head)": block(
        UNPACK + ATTN + MLP, HELPERS.replace("math.sqrt(d // num_heads)", "math.sqrt(d)")),
    "layer norm with the unbiased variance": block(UNPACK + ATTN + MLP, HELPERS.replace("unbiased=False", "unbiased=True")),
}


@pytest.mark.parametrize("mistake", WRONG)
def test_wrong_solutions_fail_and_are_named(grade, mistake):
    report = grade("transformer-block", WRONG[mistake])
    assert not report.passed
    assert report.diagnosis is not None and report.diagnosis["name"] == mistake


def test_unknown_mistake_is_not_misnamed(grade):
    # A residual scaled by 0.5: a slip no known mistake describes.
    report = grade("transformer-block", block(UNPACK + "x = 0.5 * x + mha(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, "
                                                       "causal)\n" + MLP))
    assert not report.passed
    # No known mistake fits; the ablation shows the identity block scaling its input.
    assert report.diagnosis["evidence"] == "ablation" and "both sublayers switched off" in report.diagnosis["name"]
    assert report.diagnosis["seen"] == "your output is 0.5 times the right one"


def test_in_place_update_of_the_input_fails(grade):
    report = grade("transformer-block", block(UNPACK + "x += mha(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)\n"
                                              + MLP))
    assert not report.passed
    assert "in place" in failing_messages(report)
    # The output itself is right: no catalogued mistake, property or stage; the broken rule is the diagnosis.
    d = report.diagnosis
    assert d["evidence"] == "check" and "changed its input `x` in place" in d["name"], d
    assert "must not change its inputs in place" in d["explanation"]


HEAD = "import torch\nimport torch.nn.functional as F\ndef pre_ln_block(x, block_weights, num_heads, causal=False):\n"
BANNED = [
    (HEAD + "    return x + F.layer_norm(x, x.shape[-1:])\n", "torch.nn.functional.layer_norm", 4),
    (HEAD + "    return x + F.gelu(x, approximate='tanh')\n", "torch.nn.functional.gelu", 4),
    (HEAD + "    return x + getattr(F, 'ge' + 'lu')(x, approximate='tanh')\n", "torch.nn.functional.gelu", 4),
    (HEAD + "    return x + torch.ops.aten.native_layer_norm(x, x.shape[-1:], None, None, 1e-5)[0]\n",
     "torch.nn.LayerNorm", 4),  # the first layer-norm name that owns aten.native_layer_norm
    (HEAD + "    return torch._C._nn.scaled_dot_product_attention(x, x, x, is_causal=causal)\n",
     "torch.nn.functional.scaled_dot_product_attention", 4),
    ("import torch.nn as nn\nlayer_cls = nn.TransformerEncoderLayer\n"
     "def pre_ln_block(x, block_weights, num_heads, causal=False):\n"
     "    return layer_cls(x.shape[-1], num_heads, norm_first=True, batch_first=True)(x)\n",
     "torch.nn.TransformerEncoderLayer", 2),
]


@pytest.mark.parametrize("source, api, line", BANNED)
def test_inherited_bans_are_flagged_with_line(grade, source, api, line):
    report = grade("transformer-block", source)
    assert not report.passed and report.score == 0.0
    banned = [v for v in report.violations if v.kind == "banned"]
    assert banned and all(v.file == "transformer_block.py" for v in banned)
    assert (api, line) in {(v.api, v.line) for v in banned}, banned


def test_banned_call_in_an_imported_workspace_file_is_flagged(grade):
    report = grade("transformer-block", """
        from helpers import norm
        def pre_ln_block(x, block_weights, num_heads, causal=False):
            return x + norm(x)
    """, extra_files={"helpers.py": "import torch\ndef norm(x):\n    return torch.nn.LayerNorm(x.shape[-1])(x)\n"})
    assert not report.passed
    where = {(v.file, v.line, v.api) for v in report.violations}
    assert ("helpers.py", 3, "torch.nn.LayerNorm") in where


def test_transformer_encoder_layer_is_stopped_at_run_time(grade):
    report = grade("transformer-block", """
        import torch
        def pre_ln_block(x, block_weights, num_heads, causal=False):
            d = x.shape[-1]
            layer = torch.nn.TransformerEncoderLayer(d, num_heads, d, 0.0, batch_first=True, norm_first=True, bias=False)
            return layer.to(x.dtype)(x)
    """)
    runtime = [v for v in report.violations if v.how.startswith("run time")]
    assert runtime and runtime[0].api == "torch.nn.TransformerEncoderLayer" and runtime[0].line == 5
    assert all(c.status == "banned" for c in report.cases)
