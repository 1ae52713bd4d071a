"""A corpus of legitimate learner behaviour (issue 18, item 1): small correct solutions
that print, repr, time, warn, assert, convert to numpy, split code over workspace files...
Every one must pass at every isolation level, wherever the Python environment lives
(tests/test_legit_corpus.py; benchmarks/legit_corpus_figures.py for a venv under /tmp).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Program:
    name: str
    slug: str
    source: str
    helpers: dict = field(default_factory=dict)  # other workspace files: name -> source


LN = '''
def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + eps)
'''
GELU = '''
def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
'''
ATT = '''
def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    h = d // num_heads
    q, k, v = [(x @ w).view(N, T, num_heads, h).transpose(1, 2) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-1, -2) / math.sqrt(h)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    return (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
'''


def ln(before: str = "", inside: str = "", after: str = "", head: str = "import torch\n") -> str:
    """A correct layer norm with `inside` run at the start of the call."""
    body = "\n".join("    " + line for line in inside.strip("\n").splitlines()) if inside.strip() else ""
    return (head + before + "\ndef layer_norm(x, eps=1e-5):\n" + (body + "\n" if body else "")
            + "    m = x.mean(-1, keepdim=True)\n    v = ((x - m) ** 2).mean(-1, keepdim=True)\n"
            + "    return (x - m) / torch.sqrt(v + eps)\n" + after)


def gelu(before: str = "", inside: str = "") -> str:
    body = "\n".join("    " + line for line in inside.strip("\n").splitlines()) if inside.strip() else ""
    return ("import math\nimport torch\n" + before + "\ndef gelu(x):\n" + (body + "\n" if body else "")
            + "    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))\n")


def att(before: str = "", inside: str = "") -> str:
    body = "\n".join("    " + line for line in inside.strip("\n").splitlines()) if inside.strip() else ""
    src = "import math\nimport torch\n" + before + ATT
    return src.replace("    N, T, d = x.shape\n", (body + "\n" if body else "") + "    N, T, d = x.shape\n", 1)


PROGRAMS = [
    # printing and repr
    Program("print_tensor_inside", "layer-norm", ln(inside='print("mean is", x.mean(-1, keepdim=True))')),
    Program("print_tensor_top_level", "layer-norm", ln(before="print(torch.ones(2))")),
    Program("repr_tensor", "layer-norm", ln(inside="r = repr(x)\nassert r.startswith('tensor(')")),
    Program("print_int_and_bool_tensors", "layer-norm",
            ln(inside="print(torch.arange(3), torch.ones(2) > 0, torch.zeros(0))")),
    Program("print_float64_and_half", "layer-norm",
            ln(inside="print(x.double()[..., :2], x.half()[..., :1], x.to(torch.bfloat16)[..., :1])")),
    Program("print_module", "layer-norm", ln(before="print(torch.nn.Linear(3, 2))")),
    Program("repr_parameter", "layer-norm",
            ln(before="p = torch.nn.Parameter(torch.ones(3))\nprint(repr(p), p.shape)")),
    Program("print_sequential", "gelu", gelu(before="print(torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU()))")),
    Program("print_requires_grad", "layer-norm",
            ln(inside="t = torch.ones(2, requires_grad=True)\nprint(t * 2, (t * 2).grad_fn)")),
    Program("fstring_tensor", "layer-norm", ln(inside='print(f"x is {x.shape} {x[..., :1].flatten()[:2]}")')),
    Program("fstring_format_spec", "layer-norm", ln(inside='print(f"{x.mean().item():.4f} {float(x.std()):8.3e}")')),
    Program("set_printoptions", "layer-norm",
            ln(before="torch.set_printoptions(precision=3, sci_mode=False)", inside="print(x[..., :3])")),
    Program("set_printoptions_profile", "gelu",
            gelu(before='torch.set_printoptions(profile="full")\nprint(torch.linspace(0, 1, 5))')),
    Program("print_in_gelu", "gelu", gelu(inside='print("gelu on", x.dtype, x.flatten()[:3])')),
    Program("print_in_attention", "attention", att(inside='print("weights", w_q.shape, w_q[:1, :2])')),
    Program("tolist_and_item", "layer-norm", ln(inside="print(x.flatten()[:3].tolist(), x.sum().item())")),
    # warnings and asserts
    Program("warnings_warn", "layer-norm", ln(before="import warnings", inside='warnings.warn("checking")')),
    Program("assert_shapes", "layer-norm", ln(inside="assert x.dim() >= 1, 'needs a vector'\nassert eps > 0")),
    Program("assert_in_attention", "attention",
            att(inside="assert x.shape[-1] % num_heads == 0, f'{x.shape} and {num_heads}'")),
    # no_grad, numpy
    Program("no_grad_block", "gelu", gelu(inside="with torch.no_grad():\n    _ = x.abs().sum()")),
    Program("numpy_roundtrip", "layer-norm",
            ln(head="import numpy as np\nimport torch\n",
               inside="a = x.detach().numpy()\nassert np.isfinite(a).all() or True\nb = torch.from_numpy(a.copy())\nassert b.shape == x.shape")),
    Program("numpy_stats", "gelu", gelu(before="import numpy as np", inside="print(np.round(np.asarray(x.detach()).mean(), 3))")),
    # timing
    Program("time_perf_counter", "layer-norm", ln(before="import time", inside="t0 = time.perf_counter()",
                                                   after="")),
    Program("time_in_attention", "attention", att(before="import time", inside="start = time.perf_counter()")),
    # structure: helper classes, dataclasses, recursion, functools, typing
    Program("helper_class", "layer-norm", """import torch


class Normaliser:
    def __init__(self, eps):
        self.eps = eps

    def __call__(self, x):
        m = x.mean(-1, keepdim=True)
        return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + self.eps)

    def __repr__(self):
        return f"Normaliser(eps={self.eps})"


def layer_norm(x, eps=1e-5):
    n = Normaliser(eps)
    print(n)
    return n(x)
"""),
    Program("dataclass_config", "attention", """import math
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class Heads:
    count: int
    size: int


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    heads = Heads(num_heads, d // num_heads)
    print(heads)
    q, k, v = [(x @ w).view(N, T, heads.count, heads.size).transpose(1, 2) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-1, -2) / math.sqrt(heads.size)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    return (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
"""),
    Program("recursion_sum", "layer-norm", ln(before='''

def total(values, i=0):
    """Recursion over a short list."""
    return 0.0 if i == len(values) else values[i] + total(values, i + 1)
''', inside="assert abs(total([1.0, 2.0, 3.0]) - 6.0) < 1e-9")),
    Program("functools_reduce_partial", "gelu", """import functools
import math

import torch

_c = functools.partial(math.sqrt, 2 / math.pi)


@functools.lru_cache(maxsize=None)
def const():
    return _c()


def gelu(x):
    inner = functools.reduce(lambda a, b: a + b, [x, 0.044715 * x ** 3])
    return 0.5 * x * (1 + torch.tanh(const() * inner))
"""),
    Program("typing_annotations", "layer-norm", """from typing import Optional

import torch


def _center(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    return x - x.mean(dim, keepdim=True)


def layer_norm(x: torch.Tensor, eps: float = 1e-5, note: Optional[str] = None) -> torch.Tensor:
    c = _center(x)
    return c / torch.sqrt((c * c).mean(-1, keepdim=True) + eps)
"""),
    Program("itertools_and_collections", "attention", att(
        before="import itertools\nfrom collections import namedtuple\nShape = namedtuple('Shape', 'n t d')",
        inside="s = Shape(*x.shape)\nassert list(itertools.islice(range(s.t), 1)) in ([], [0])")),
    Program("enum_mode", "attention", att(before="import enum\n\nclass Mode(enum.Enum):\n    FULL = 1\n    CAUSAL = 2\n",
                                          inside="mode = Mode.CAUSAL if causal else Mode.FULL\nprint(mode)")),
    Program("closure_and_lambda", "gelu", gelu(before="cube = lambda t: t * t * t", inside="assert torch.equal(cube(torch.ones(1)), torch.ones(1))")),
    Program("generator_expression", "layer-norm", ln(inside="sizes = tuple(s for s in x.shape)\nprint('sizes', sizes)")),
    Program("statistics_module", "layer-norm", ln(before="import statistics", inside="print(statistics.mean([1, 2, 3]))")),
    Program("bisect_and_heapq", "layer-norm", ln(before="import bisect\nimport heapq",
                                                 inside="assert bisect.bisect_right([0.1, 0.5, 1.0], 0.3) == 1\n"
                                                        "assert heapq.nlargest(1, [3, 1, 2]) == [3]")),
    Program("operator_module", "gelu", gelu(before="import operator", inside="assert operator.add(1, 2) == 3")),
    Program("math_and_cmath", "gelu", gelu(before="import cmath", inside="assert abs(cmath.sqrt(-1)) == 1.0")),
    Program("global_counter", "layer-norm", ln(before="CALLS = [0]", inside="CALLS[0] += 1\nprint('call', CALLS[0])")),
    Program("nn_module_forward", "gelu", """import math

import torch


class Gelu(torch.nn.Module):
    def forward(self, x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


_g = Gelu()
print(_g)


def gelu(x):
    return _g(x)
"""),
    Program("parameter_module_attention", "attention", att(
        before="class Scale(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
               "        self.w = torch.nn.Parameter(torch.ones(1))\n\nprint(Scale(), list(Scale().parameters()))")),
    Program("einsum_attention", "attention", """import math

import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    h = d // num_heads
    q, k, v = [(x @ w).view(N, T, num_heads, h) for w in (w_q, w_k, w_v)]
    s = torch.einsum("nqhd,nkhd->nhqk", q, k) / math.sqrt(h)
    if causal:
        s = s.masked_fill(~torch.ones(T, T, dtype=torch.bool).tril(), float("-inf"))
    o = torch.einsum("nhqk,nkhd->nqhd", torch.softmax(s, -1), v)
    print(f"attention {N}x{T}x{d}, {num_heads} heads")
    return o.reshape(N, T, d) @ w_o
"""),
    # several workspace files
    Program("helper_module_from_import", "layer-norm", "import torch\nfrom helpers import center, rms\n\n\n"
            "def layer_norm(x, eps=1e-5):\n    c = center(x)\n    return c / rms(c, eps)\n",
            {"helpers": "import torch\n\n\ndef center(x):\n    return x - x.mean(-1, keepdim=True)\n\n\n"
                        "def rms(c, eps):\n    return torch.sqrt((c * c).mean(-1, keepdim=True) + eps)\n"}),
    Program("helper_module_import_as", "gelu", "import torch\nimport mathbits as mb\n\n\n"
            "def gelu(x):\n    print('constant', mb.K)\n    return 0.5 * x * (1 + torch.tanh(mb.K * (x + 0.044715 * x ** 3)))\n",
            {"mathbits": "import math\n\nK = math.sqrt(2 / math.pi)\n"}),
    Program("helper_chain_of_modules", "attention", "import torch\nfrom heads import split, merge\nfrom scores import weights\n\n\n"
            "def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):\n"
            "    q, k, v = (split(x @ w, num_heads) for w in (w_q, w_k, w_v))\n"
            "    return merge(weights(q, k, causal) @ v) @ w_o\n",
            {"heads": "def split(t, n):\n    N, T, d = t.shape\n    return t.view(N, T, n, d // n).transpose(1, 2)\n\n\n"
                      "def merge(t):\n    N, n, T, h = t.shape\n    return t.transpose(1, 2).reshape(N, T, n * h)\n",
             "scores": "import math\nimport torch\nfrom masks import causal_mask\n\n\n"
                       "def weights(q, k, causal):\n    s = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])\n"
                       "    if causal:\n        s = s.masked_fill(~causal_mask(s.shape[-1]), float('-inf'))\n"
                       "    return torch.softmax(s, dim=-1)\n",
             "masks": "import torch\n\n\ndef causal_mask(T):\n    print('mask', T)\n    return torch.ones(T, T, dtype=torch.bool).tril()\n"}),
    Program("helper_with_dataclass", "layer-norm", "import torch\nfrom config import Settings\n\n\n"
            "def layer_norm(x, eps=1e-5):\n    s = Settings(eps)\n    print(s)\n    m = x.mean(-1, keepdim=True)\n"
            "    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + s.eps)\n",
            {"config": "from dataclasses import dataclass\n\n\n@dataclass\nclass Settings:\n    eps: float\n"}),
    Program("unused_helper_file_beside", "gelu", gelu(), {"notes": "# scratch work, never imported\nx = 1\n"}),
    Program("docstrings_and_comments", "layer-norm", ln(before='"""My layer norm, with notes."""\n# biased variance'),),
    Program("main_guard", "gelu", gelu() + "\n\nif __name__ == '__main__':\n    print(gelu(torch.ones(2)))\n"),
]
PROGRAMS += [
    Program("sample_inverse_cdf_printing", "sample", """import torch


def sample(probs, generator):
    cdf = probs.double().cumsum(-1)
    u = torch.rand(probs.shape[0], 1, generator=generator, dtype=torch.float64) * cdf[:, -1:]
    out = torch.searchsorted(cdf, u, right=True).squeeze(-1).clamp(max=probs.shape[-1] - 1)
    print("drew", out[:3])
    return out
"""),
    Program("top_k_with_helpers", "top-k", """import torch


def _keep(s, k):
    kth = s.topk(k, dim=-1).values[..., -1:]
    return s.masked_fill(s < kth, float("-inf"))


def top_k_probs(logits, temperature, k):
    s = logits / temperature
    p = torch.softmax(_keep(s, k), dim=-1)
    print(f"top-{k} at T={temperature}: {p.shape}")
    return p
"""),
]
