"""The static scan: banned APIs however they are named, escape hatches refused, allowed code left alone."""

import textwrap

import pytest

from grader.policy.banned import build_spec
from grader.policy.static import scan_file

SPEC_NAMES = ["torch.nn.functional.gelu", "torch.nn.GELU", "torch.multinomial", "torch.distributions",
              "numpy.random", "random"]


def scan(tmp_path, source):
    path = tmp_path / "solution.py"
    path.write_text(textwrap.dedent(source))
    violations, syntax = scan_file(path, build_spec(SPEC_NAMES), tmp_path)
    assert syntax is None
    return violations


@pytest.mark.parametrize("source, line", [
    ("import torch.nn.functional as F\ny = F.gelu", 2),
    ("from torch.nn.functional import gelu as g", 1),
    ("from torch.nn import functional\nh = functional.gelu", 2),
    ("import torch\nalias = torch.nn.functional\nz = alias.gelu", 3),
    ("import torch\nz = getattr(torch.nn.functional, 'ge' + 'lu')", 2),
    ("import torch\nz = getattr(torch.nn.functional, f\"{'ge'}lu\")", 2),
    ("import torch\nz = torch._C._nn.gelu", 2),
    ("import torch\nm = torch.nn.GELU(approximate='tanh')", 2),
    ("import torch\nz = torch.ops.aten.gelu", 2),
    ("import torch\nx = torch.ones(3)\nd = x.multinomial(1)", 3),  # the banned name on a tensor
    ("import torch.distributions as D\nc = D.Categorical", 1),
    ("from torch.distributions.categorical import Categorical", 1),
    ("import numpy as np\nr = np.random.rand(3)", 2),
    ("import random", 1),
])
def test_banned_api_found_with_line(tmp_path, source, line):
    violations = scan(tmp_path, source)
    if line is None:
        assert violations == []
        return
    assert violations, "nothing flagged"
    assert violations[0].line == line and violations[0].file == "solution.py"


@pytest.mark.parametrize("source, api", [
    ("import importlib", "import importlib"),
    ("z = eval('1 + 1')", "eval()"),
    ("exec('import torch')", "exec()"),
    ("m = __import__('torch')", "__import__()"),
    ("import torch\nd = torch.nn.functional.__dict__", "__dict__"),
    ("import threading", "import threading"),
    ("import ctypes", "import ctypes"),
    ("import torch\nmode = torch._C.DisableTorchFunction", "torch._C"),
    ("from torch.overrides import TorchFunctionMode", "torch.overrides"),
    ("import torch\nk = torch.library", "torch.library"),
    ("def f():\n    try:\n        1 / 0\n    except Exception as e:\n        return e.__traceback__.tb_frame.f_back", "__traceback__"),
    ("import torch\ng = getattr(torch, name)", "getattr()"),
    ("from . import sibling", "relative import"),
    ("import torch\ng = getattr\nz = g(torch.nn.functional, 'gelu')", "getattr()"),
    ("import operator, torch\nf = operator.attrgetter('_C._DisableTorchDispatch')(torch)", "operator.attrgetter"),
    ("from operator import methodcaller", "operator.methodcaller"),
    ("import torch\nm = torch.sys.modules", "torch.sys"),
    ("import torch.nn.functional as F\nw = F.importlib", "torch.nn.functional.importlib"),
    ("import torch\nd = torch.nn.functional.__getattr__", "__getattr__"),
])
def test_escape_hatches_are_forbidden(tmp_path, source, api):
    violations = scan(tmp_path, source)
    assert api in [v.api for v in violations]
    assert all(v.kind == "forbidden" for v in violations if v.api == api)


def test_allowed_code_is_never_flagged(tmp_path):
    source = """
        import math
        from typing import Optional
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import numpy as np

        def gelu(x):  # a learner's own function with a banned name is fine
            return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

        class Head(nn.Module):
            def __init__(self, emb: nn.Embedding):
                super().__init__()
                self.emb = emb

            def forward(self, h):
                return h @ self.emb.weight.T

        def attention(q, k, v, mask: Optional[torch.Tensor] = None):
            s = torch.einsum("bhqd,bhkd->bhqk", q, k) / math.sqrt(q.shape[-1])
            if mask is not None:
                s = s.masked_fill(~mask, float("-inf"))
            p = F.softmax(s, dim=-1)
            x = torch.randn(3, generator=torch.Generator().manual_seed(0))
            y = np.asarray([1.0, 2.0]).mean() + x.var(unbiased=False).item() + torch.topk(x, 2).values.sum().item()
            return p @ v, getattr(h := Head(nn.Embedding(3, 2)), "emb"), y
    """
    assert scan(tmp_path, source) == []


def test_own_function_named_like_a_builtin_is_not_flagged(tmp_path):
    assert scan(tmp_path, "def compile(x):\n    return x\ny = compile(3)\nf = compile\n") == []


def test_imported_workspace_module_is_scanned(tmp_path):
    (tmp_path / "helpers.py").write_text("import torch.nn.functional as F\ndef act(x):\n    return F.gelu(x)\n")
    violations = scan(tmp_path, "from helpers import act\ndef gelu(x):\n    return act(x)\n")
    assert [(v.file, v.line, v.api) for v in violations] == [("helpers.py", 3, "torch.nn.functional.gelu")]
