"""The run-time guard: every route to a banned kernel is caught in learner frames, and
only there; allowed calls pass through untouched."""

import textwrap

import pytest
import torch
import torch.nn.functional as F

from grader.policy.banned import build_spec
from grader.policy.guard import BannedAPIError, Guard, LearnerFrames

SPEC = build_spec(["torch.nn.functional.gelu", "torch.nn.GELU", "torch.nn.LayerNorm",
                   "torch.nn.functional.layer_norm", "torch.nn.functional.scaled_dot_product_attention",
                   "torch.nn.MultiheadAttention", "torch.multinomial"])
LEARNER_FILE = "/virtual/learner/solution.py"


def learner_function(body: str):
    """Compile `body` as if it lived in a learner file, so its frames count as the learner's."""
    namespace = {"torch": torch, "F": F}
    code = compile("def run(x):\n" + textwrap.indent(textwrap.dedent(body), "    "), LEARNER_FILE, "exec")
    exec(code, namespace)
    return namespace["run"]


def guard():
    return Guard(SPEC, LearnerFrames([], [LEARNER_FILE]))


@pytest.mark.parametrize("body, api", [
    ("return F.gelu(x)", "torch.nn.functional.gelu"),
    ("return torch._C._nn.gelu(x)", "torch.nn.functional.gelu"),
    ("return torch.ops.aten.gelu.default(x)", "torch.nn.functional.gelu"),
    ("return torch.vmap(F.gelu)(x)", "torch.nn.functional.gelu"),
    ("return torch.nn.GELU()(x)", "torch.nn.GELU"),
    ("return torch.ops.aten.native_layer_norm(x, [4], None, None, 1e-5)[0]", "torch.nn.LayerNorm"),
    ("q = x[None, None]\nreturn F.scaled_dot_product_attention(q, q, q)", "torch.nn.functional.scaled_dot_product_attention"),
    ("m = torch.nn.MultiheadAttention(4, 1, batch_first=True)\nreturn m(x[None], x[None], x[None])[0]", "torch.nn.MultiheadAttention"),
    ("return x.softmax(-1).multinomial(1)", "torch.multinomial"),
    ("return torch.ops.aten.multinomial(x.softmax(-1), 1)", "torch.multinomial"),
    # every overload and variant of a banned kernel: in place, out=, backward, private twins
    ("y = x.clone()\ntorch.ops.aten.gelu_(y)\nreturn y", "torch.nn.functional.gelu"),
    ("return torch.ops.aten.gelu.out(x, out=torch.empty_like(x))", "torch.nn.functional.gelu"),
    ("return torch.ops.aten.gelu_backward(x, x)", "torch.nn.functional.gelu"),
    ("return torch._C._VariableFunctions.native_layer_norm(x, [4], None, None, 1e-5)[0]", "torch.nn.LayerNorm"),
    ("q = x[None, None]\nreturn torch._scaled_dot_product_flash_attention_for_cpu(q, q, q)[0]",
     "torch.nn.functional.scaled_dot_product_attention"),
])
def test_banned_routes_are_caught_with_learner_line(body, api):
    g = guard()
    with pytest.raises(BannedAPIError):
        with g:
            learner_function(body)(torch.randn(3, 4))
    assert g.violations and g.violations[0].api.startswith(api.rsplit(".", 1)[0])
    assert g.violations[0].file == LEARNER_FILE and g.violations[0].line >= 2


def test_grader_calls_are_not_attributed():
    g = guard()
    with g:
        y = F.gelu(torch.randn(3))  # this test file is not a learner file
        ln = F.layer_norm(torch.randn(2, 4), (4,))
    assert g.violations == [] and y.shape == (3,) and ln.shape == (2, 4)


def test_allowed_calls_pass_and_agree_with_unguarded():
    body = """
        s = torch.einsum('id,jd->ij', x, x) / 2.0
        p = torch.softmax(s.masked_fill(torch.ones_like(s).triu(1).bool(), float('-inf')), -1)
        m = x.mean(-1, keepdim=True); v = x.var(-1, keepdim=True, unbiased=False)
        return p @ torch.tanh((x - m) / torch.sqrt(v + 1e-5))
    """
    fn = learner_function(body)
    x = torch.randn(5, 4)
    g = guard()
    with g:
        guarded = fn(x)
    assert g.violations == []
    torch.testing.assert_close(guarded, fn(x), rtol=0, atol=0)


def test_classes_are_restored_after_the_guard():
    with guard():
        pass
    assert torch.nn.GELU(approximate="tanh")(torch.zeros(1)).item() == 0.0


def test_only_top_level_workspace_files_are_the_learners(tmp_path):
    frames = LearnerFrames([tmp_path])
    assert frames.is_learner(str(tmp_path / "layer_norm.py"))
    assert not frames.is_learner(str(tmp_path / ".venv" / "lib" / "site-packages" / "torch" / "functional.py"))
