"""Learner files the static scan must leave alone, and attacks it must flag.

Each case is a small workspace: the problem whose bans apply, the files in it and which
one is checked. `ALLOWED` are solutions in the styles learners write; `ATTACKS` are ways
a determined learner could try to reach a banned API or blind the run-time guard (each
was seen to get past the older scan, or is a close variant of one that did).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScanCase:
    name: str
    problem: str  # slug whose banned list applies
    source: str  # the checked file
    extra: dict[str, str] = field(default_factory=dict)  # other workspace files by name

    @property
    def text(self) -> str:
        return textwrap.dedent(self.source).lstrip("\n")


def _case(name, problem, source, **extra):
    """`extra`: workspace files, `helpers__py="..."` for helpers.py or {"pkg/mod.py": "..."}."""
    files = {(k[: -len("__py")] + ".py" if k.endswith("__py") else k): textwrap.dedent(v) for k, v in extra.items()}
    return ScanCase(name, problem, source, files)


LAYER_NORM_FILE = """
import torch

def layer_norm(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    v = ((x - m) ** 2).mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(v + eps)
"""
GELU_FILE = """
import math
import torch

def gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
"""
ATTENTION_FILE = """
import math
import torch

def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q, k, v = [(x @ w).view(N, T, num_heads, dh).transpose(1, 2) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        s = s.masked_fill(~torch.tril(torch.ones(T, T, dtype=torch.bool)), float("-inf"))
    return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
"""

ALLOWED = [
    _case("einsum attention", "attention", """
        import math
        import torch

        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            N, T, d = x.shape
            dh = d // num_heads
            q = (x @ w_q).view(N, T, num_heads, dh)
            k = (x @ w_k).view(N, T, num_heads, dh)
            v = (x @ w_v).view(N, T, num_heads, dh)
            s = torch.einsum("nqhd,nkhd->nhqk", q, k) / math.sqrt(dh)
            if causal:
                s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
            p = torch.softmax(s, dim=-1)
            return torch.einsum("nhqk,nkhd->nqhd", p, v).reshape(N, T, d) @ w_o
    """),
    _case("loops layer norm", "layer-norm", """
        import torch

        def layer_norm(x, eps=1e-5):
            out = torch.empty_like(x)
            rows = x.reshape(-1, x.shape[-1])
            flat = out.view(-1, x.shape[-1])
            for i in range(rows.shape[0]):
                r = rows[i]
                total = 0.0
                for value in r.tolist():
                    total += value
                mean = total / len(r)
                flat[i] = (r - mean) / torch.sqrt(((r - mean) ** 2).mean() + eps)
            return out
    """),
    _case("list comprehension heads", "attention", """
        import torch

        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            d = x.shape[-1]
            dh = d // num_heads
            q, k, v = x @ w_q, x @ w_k, x @ w_v
            heads = [torch.softmax(q[..., h*dh:(h+1)*dh] @ k[..., h*dh:(h+1)*dh].mT / dh ** 0.5, -1)
                     @ v[..., h*dh:(h+1)*dh] for h in range(num_heads)]
            return torch.cat(heads, dim=-1) @ w_o
    """),
    _case("nn.Module subclass", "reverse-embedding", """
        import torch
        import torch.nn as nn

        class ReverseEmbedding(nn.Module):
            def __init__(self, embedding: nn.Embedding):
                super().__init__()
                self.embedding = embedding

            def forward(self, hidden):
                return hidden @ self.embedding.weight.T
    """),
    _case("nn.Parameter shared", "reverse-embedding", """
        import torch

        class ReverseEmbedding(torch.nn.Module):
            def __init__(self, embedding):
                torch.nn.Module.__init__(self)
                self.weight = embedding.weight
                assert isinstance(self.weight, torch.nn.Parameter)

            def forward(self, hidden):
                return torch.matmul(hidden, self.weight.t())
    """),
    _case("helper in another workspace file", "gelu", """
        from activations import tanh_gelu

        def gelu(x):
            return tanh_gelu(x)
    """, activations__py="""
        import math
        import torch

        def tanh_gelu(x):
            return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    """),
    _case("block from earlier solutions", "transformer-block", """
        from layer_norm import layer_norm
        from gelu import gelu
        from attention import multi_head_attention
        import attention

        def pre_ln_block(x, block_weights, num_heads, causal=False):
            w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = block_weights
            x = x + multi_head_attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
            assert attention.multi_head_attention is multi_head_attention
            return x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    """, layer_norm__py=LAYER_NORM_FILE, gelu__py=GELU_FILE, attention__py=ATTENTION_FILE),
    _case("dataclass config", "causal-lm", """
        from dataclasses import dataclass
        import torch
        from layer_norm import layer_norm

        @dataclass(frozen=True)
        class Shape:
            n: int
            t: int
            d: int

        def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
            s = Shape(*input_ids.shape, w_emb.shape[1])
            x = w_emb[input_ids] + pos_embed[: s.t]
            return layer_norm(x) @ w_emb.T
    """, layer_norm__py=LAYER_NORM_FILE),
    _case("functools.partial and reduce", "transformer-block", """
        import functools
        import operator
        import torch
        from layer_norm import layer_norm

        norm = functools.partial(layer_norm, eps=1e-5)

        def pre_ln_block(x, block_weights, num_heads, causal=False):
            scale = functools.reduce(operator.mul, [1.0, 1.0])
            return x + norm(x) * scale
    """, layer_norm__py=LAYER_NORM_FILE),
    _case("float64 inside", "layer-norm", """
        import torch

        def layer_norm(x, eps=1e-5):
            y = x.to(torch.float64)
            m = y.mean(dim=-1, keepdim=True)
            v = y.var(dim=-1, keepdim=True, unbiased=False)
            return ((y - m) * torch.rsqrt(v + eps)).to(x.dtype)
    """),
    _case("math constants", "gelu", """
        import math
        from math import sqrt, pi
        import torch

        C = math.sqrt(2.0 / math.pi)

        def gelu(x):
            assert abs(C - sqrt(2 / pi)) < 1e-12 and math.isfinite(C) and math.inf > 0
            return 0.5 * x * (1.0 + torch.tanh(C * (x + 0.044715 * torch.pow(x, 3))))
    """),
    _case("numpy constants", "gelu", """
        import numpy as np
        import torch

        K = float(np.sqrt(2 / np.pi))

        def gelu(x):
            table = np.asarray([0.5, 0.044715], dtype=np.float64)
            return table[0] * x * (1 + torch.tanh(K * (x + float(table[1]) * x ** 3)))
    """),
    _case("finfo min mask", "attention", """
        import torch

        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            T = x.shape[1]
            s = (x @ w_q) @ (x @ w_k).transpose(-1, -2)
            if causal:
                mask = torch.tril(torch.ones(T, T)).bool()
                s = s.masked_fill(~mask, torch.finfo(x.dtype).min)
            return s.softmax(dim=-1) @ (x @ w_v) @ w_o
    """),
    _case("F.softmax and other allowed F", "attention", """
        import torch
        import torch.nn.functional as F
        from torch.nn import functional

        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            s = (x @ w_q) @ (x @ w_k).mT
            p = F.softmax(s, dim=-1)
            p = F.dropout(p, p=0.0, training=False)
            y = functional.linear(p @ (x @ w_v), w_o.T)
            return F.pad(y, (0, 0))
    """),
    _case("transposes and matmul", "mlm-tied-head", """
        import torch

        def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
            x = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
            x = x[mask_indicator > 0.5]
            return x @ w_emb.T + 0 * (x @ w_emb.mT) + 0 * torch.matmul(x, w_emb.transpose(0, 1))
    """),
    _case("builtins type isinstance len range zip enumerate", "top-k", """
        import torch

        def top_k_probs(logits, temperature, k):
            assert type(logits) is torch.Tensor and isinstance(k, int) and len(logits.shape) >= 1
            scaled = logits / temperature
            values, idx = torch.topk(scaled, k, dim=-1)
            out = torch.zeros_like(scaled)
            for i, (a, b) in enumerate(zip(range(3), range(3))):
                assert a == b == i
            return out.scatter(-1, idx, torch.softmax(values, dim=-1))
    """),
    _case("no_grad context and decorator", "top-p", """
        import torch

        @torch.no_grad()
        def helper(p):
            return p.cumsum(-1)

        def top_p_probs(logits, temperature, p):
            with torch.no_grad():
                probs = torch.softmax(logits / temperature, -1)
            sorted_probs, order = probs.sort(dim=-1, descending=True)
            above = helper(sorted_probs) - sorted_probs
            kept = sorted_probs * (above < p)
            kept = kept / kept.sum(-1, keepdim=True)
            return torch.zeros_like(probs).scatter(-1, order, kept)
    """),
    _case("own private cache", "kv-cache", """
        import torch

        class _Cache:
            _instances = 0

            def __init__(self, size):
                self._store = {}
                self._size = size
                _Cache._instances += 1

            def get(self, key):
                return self._store.get(key)

            def _evict(self):
                self._store.clear()

        _helper_cache = _Cache(3)

        def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
            _helper_cache._evict()
            return w_emb[token_ids] @ w_emb.T, cache
    """),
    _case("dunder definitions", "gelu", """
        import math
        import torch

        class TanhGelu:
            def __init__(self, c=math.sqrt(2 / math.pi)):
                self.c = c

            def __call__(self, x):
                return 0.5 * x * (1 + torch.tanh(self.c * (x + 0.044715 * x ** 3)))

            def __repr__(self):
                return f"{type(self).__name__}(c={self.c})"

        _impl = TanhGelu()

        def gelu(x):
            return _impl(x)
    """),
    _case("super().forward", "reverse-embedding", """
        import torch
        from torch import nn

        class Base(nn.Module):
            def forward(self, hidden):
                return hidden @ self.embedding.weight.T

        class ReverseEmbedding(Base):
            def __init__(self, embedding):
                super().__init__()
                self.embedding = embedding

            def forward(self, hidden):
                return super().forward(hidden) + 0 * Base.forward(self, hidden)
    """),
    _case("sampling from the generator", "sample", """
        import torch

        def sample(probs, generator):
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
            cdf = probs.cumsum(dim=-1)
            idx = torch.searchsorted(cdf, u * cdf[:, -1:], right=True).squeeze(-1)
            return idx.clamp(max=probs.shape[-1] - 1)
    """),
    _case("gumbel sampling", "sample", """
        import torch

        def sample(probs, generator):
            e = torch.empty_like(probs).exponential_(generator=generator)
            return (probs.log() - e.log()).argmax(dim=-1)
    """),
    _case("generate from earlier files", "generate", """
        import torch
        from top_k import top_k_probs
        from sample import sample

        def generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights,
                     num_heads, temperature=0.0, top_k=None, generator=None):
            ids = prompt_ids
            for _ in range(max_new_tokens):
                logits = w_emb[ids[:, -1]] @ w_emb.T
                if temperature == 0:
                    nxt = logits.argmax(-1)
                else:
                    probs = top_k_probs(logits, temperature, top_k) if top_k else (logits / temperature).softmax(-1)
                    nxt = sample(probs, generator)
                ids = torch.cat([ids, nxt[:, None]], dim=1)
            return ids
    """, top_k__py="""
        import torch

        def top_k_probs(logits, temperature, k):
            v, i = (logits / temperature).topk(k, dim=-1)
            return torch.zeros_like(logits).scatter(-1, i, v.softmax(-1))
    """, sample__py="""
        import torch

        def sample(probs, generator):
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
            return (probs.cumsum(-1) <= u).sum(-1).clamp(max=probs.shape[-1] - 1)
    """),
    _case("main guard and prints", "gelu", """
        import torch

        def gelu(x):
            return x * torch.sigmoid(1.702 * x)

        if __name__ == "__main__":
            print(gelu(torch.randn(3)), __name__, gelu.__name__)
    """),
    _case("typing annotations", "attention", """
        from __future__ import annotations
        from typing import Optional, Tuple
        import torch

        def split(x: torch.Tensor, h: int) -> Tuple[torch.Tensor, ...]:
            return tuple(x.chunk(h, dim=-1))

        def multi_head_attention(x: torch.Tensor, w_q, w_k, w_v, w_o, num_heads: int,
                                 causal: bool = False, mask: Optional[torch.Tensor] = None):
            outs = [torch.softmax(q @ k.mT, -1) @ v for q, k, v in
                    zip(split(x @ w_q, num_heads), split(x @ w_k, num_heads), split(x @ w_v, num_heads))]
            return torch.cat(outs, -1) @ w_o
    """),
    _case("collections and itertools", "mlm-forward", """
        import itertools
        from collections import OrderedDict, namedtuple
        import torch

        Weights = namedtuple("Weights", "w_q w_k w_v w_o w_mlp1 w_mlp2")

        def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
            seen = OrderedDict()
            for a, b in itertools.product(range(2), range(2)):
                seen[(a, b)] = a * b
            x = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
            for block in blocks_weights:
                w = Weights(*block)
                x = x + (x @ w.w_v) @ w.w_o
            return x[mask_indicator > 0.5] @ w_head
    """),
    _case("constant getattr and hasattr on own objects", "gelu", """
        import torch

        class Config:
            scale = 0.5

        cfg = Config()

        def gelu(x):
            s = getattr(cfg, "scale", 0.5)
            if hasattr(x, "dtype"):
                s = s * 1.0
            return s * x * (1 + torch.tanh(0.7978845608 * (x + 0.044715 * x ** 3)))
    """),
    _case("exceptions and lambdas", "top-k", """
        import torch

        def top_k_probs(logits, temperature, k):
            try:
                k = int(k)
            except (TypeError, ValueError) as e:
                raise ValueError(f"bad k: {e}") from e
            keep = lambda t: t.topk(k, dim=-1)
            v, i = keep(logits / temperature)
            return torch.zeros_like(logits).scatter(-1, i, torch.softmax(v, -1))
    """),
    _case("new_zeros and tensor methods", "kv-cache", """
        import torch

        def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
            x = w_emb[token_ids] + pos_embed[index]
            scratch = x.new_zeros(x.shape)
            cache = cache.clone()
            cache[:, 0, :, :, index] = scratch.new_ones(1).sum()
            return x @ w_emb.T, cache
    """),
    _case("static and property methods, enum", "top-p", """
        import enum
        import torch

        class Mode(enum.Enum):
            NUCLEUS = "nucleus"

        class Nucleus:
            mode = Mode.NUCLEUS

            @staticmethod
            def probs(logits, temperature):
                return torch.softmax(logits / temperature, dim=-1)

            @property
            def name(self):
                return self.mode.value

        def top_p_probs(logits, temperature, p):
            probs = Nucleus.probs(logits, temperature)
            s, order = torch.sort(probs, dim=-1, descending=True)
            kept = s * ((s.cumsum(-1) - s) < p)
            return torch.zeros_like(probs).scatter(-1, order, kept / kept.sum(-1, keepdim=True))
    """),
    _case("own method called gelu on self", "transformer-block", """
        import math
        import torch
        from layer_norm import layer_norm

        class Block:
            def gelu(self, x):
                return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

            def mlp(self, x, w1, w2):
                return self.gelu(layer_norm(x) @ w1) @ w2

        def pre_ln_block(x, block_weights, num_heads, causal=False):
            return x + Block().mlp(x, block_weights[4], block_weights[5])
    """, layer_norm__py=LAYER_NORM_FILE),
    _case("module import of own helper with banned name", "causal-lm", """
        import layer_norm as ln
        import torch

        def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
            x = w_emb[input_ids] + pos_embed[: input_ids.shape[1]]
            return ln.layer_norm(x) @ w_emb.T
    """, layer_norm__py=LAYER_NORM_FILE),
    _case("torch.random and manual_seed outside sample", "top-k", """
        import torch

        def top_k_probs(logits, temperature, k):
            g = torch.Generator().manual_seed(0)
            _ = torch.randn(1, generator=g)
            v, i = torch.topk(logits / temperature, k)
            return torch.zeros_like(logits).scatter(-1, i, v.softmax(-1))
    """),
    _case("nn.Module bookkeeping and own method names", "reverse-embedding", """
        import torch
        from torch import nn

        class ReverseEmbedding(nn.Module):
            def __init__(self, embedding):
                super().__init__()
                self.embedding = embedding
                assert all(p is embedding.weight for p in self.parameters())
                assert len(list(self.modules())) == 2

            def compile(self):  # the learner's own method, named like torch.compile
                return self

            def forward(self, hidden):
                w = self.compile().embedding.weight
                assert w.dtype == hidden.dtype and w.device == hidden.device and w.shape[1] == hidden.shape[-1]
                return hidden @ w.T
    """),
    _case("autograd Function, init and tensor attributes", "gelu", """
        import abc
        import math
        from dataclasses import dataclass, field, replace
        from typing import NamedTuple
        import numpy as np
        import torch

        class Constants(NamedTuple):
            c: float = math.sqrt(2 / math.pi)

        @dataclass
        class Log:
            lines: list = field(default_factory=list)

        class Base(abc.ABC):
            @abc.abstractmethod
            def apply(self, x): ...

        class TanhGelu(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return 0.5 * x * (1 + torch.tanh(Constants().c * (x + 0.044715 * x ** 3)))

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.note = "saved"
                ctx.scale = 1.0

            @staticmethod
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return g

        def gelu(x):
            log = replace(Log(), lines=[x.shape, x.dtype, x.is_floating_point(), np.finfo(np.float64).eps, np.inf])
            w = torch.empty(2, 2)
            torch.nn.init.zeros_(w)
            y = TanhGelu.apply(x)
            w.grad = None
            w.requires_grad = False
            w.data = w.data * 1
            assert y.grad is None and not y.data.requires_grad and y.ndim == x.ndim
            return y + 0 * torch.special.expit(x) * torch.linalg.norm(w) * len(log.lines)
    """),
    _case("helpers module constants and classes", "attention", """
        import helpers
        from helpers import SCALE, Shapes

        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            s = Shapes.of(x)
            q = (x @ w_q) * SCALE * helpers.SCALE
            return helpers.attend(q, x @ w_k, x @ w_v, causal) @ w_o + 0 * s.d
    """, helpers__py="""
        import torch

        SCALE = 1.0

        class Shapes:
            def __init__(self, d):
                self.d = d

            @classmethod
            def of(cls, x):
                return cls(x.shape[-1])

        def attend(q, k, v, causal):
            s = q @ k.mT / q.shape[-1] ** 0.5
            if causal:
                T = s.shape[-1]
                s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
            return s.softmax(-1) @ v
    """),
    _case("private state and internal-sounding names on own objects", "top-p", """
        import torch
        from torch import nn

        class Steps(nn.ModuleList):
            def __init__(self):
                super().__init__()
                self._calls = 0
                self.code = "nucleus"
                self.types = ("float32", "float64")

            def run(self, probs):
                self._calls += 1
                return probs

        steps = Steps()

        def top_p_probs(logits, temperature, p):
            probs = steps.run(torch.softmax(logits / temperature, -1))
            assert steps.code and steps.types and steps._calls
            s, order = probs.sort(-1, descending=True)
            kept = s * ((s.cumsum(-1) - s) < p)
            return torch.zeros_like(probs).scatter(-1, order, kept / kept.sum(-1, keepdim=True))
    """),
    _case("long but ordinary expression", "gelu", """
        import torch

        def gelu(x):
            c = (1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 + 10 + 11 + 12 + 13 + 14 + 15 + 16 + 17 + 18 + 19 + 20
                 + 21 + 22 + 23 + 24 + 25 + 26 + 27 + 28 + 29 + 30 + 31 + 32 + 33 + 34 + 35 + 36 + 37 + 38) * 0
            return 0.5 * x * (1 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))) + c
    """),
]

DEEP_SUM = "def f():\n    return " + "1+(" * 5000 + "1" + ")" * 5000 + "\n"
DEEP_LIST = "X = " + "[" * 5000 + "]" * 5000 + "\n"
DEEP_PLUS = "def f():\n    return " + "1+" * 5000 + "1\n"
DEEP_CHAIN = "import torch\ndef f(x):\n    return x" + ".abs()" * 3000 + "\n"

ATTACKS = [
    _case("dunder class on a parameter", "gelu", """
        def gelu(x):
            return x.__class__.__base__
    """),
    _case("torch._C through a default parameter", "gelu", """
        import torch

        def gelu(x, t=torch):
            with t._C.DisableTorchFunction():
                return x
    """),
    _case("gc through a parameter", "gelu", """
        import torch

        def gelu(x, t=torch):
            for obj in t.serialization.gc.get_objects():
                pass
            return x
    """),
    _case("sys.modules through a parameter", "gelu", """
        import torch

        def gelu(x, t=torch):
            guard = t.sys.modules["grader.policy.guard"]
            return x
    """),
    _case("inspect frames through a module attribute", "gelu", """
        import torch

        def gelu(x, m=torch.nn.functional):
            frame = m.inspect.currentframe()
            return x
    """),
    _case("torch._refs through a subscript", "gelu", """
        import torch

        def gelu(x):
            return [torch][0]._refs.nn.functional.gelu(x)
    """),
    _case("private SDPA kernel through a parameter", "attention", """
        import torch

        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False, t=torch):
            q = (x @ w_q)[:, None]
            return t._scaled_dot_product_flash_attention_for_cpu(q, q, q)[0][:, 0] @ w_o
    """),
    _case("torch._C._nn.gelu through a tuple", "gelu", """
        import torch

        def gelu(x):
            return (torch,)[0]._C._nn.gelu(x)
    """),
    _case("random through torch.sys.modules", "sample", """
        import torch

        def sample(probs, generator):
            rng = torch.sys.modules["random"]
            return probs.argmax(-1)
    """),
    _case("numpy.random through a subscript", "sample", """
        import numpy as np

        def sample(probs, generator):
            r = [np][0].random.rand()
            return probs.argmax(-1)
    """),
    _case("workspace sys.py makes import sys look local", "gelu", """
        import sys

        def gelu(x):
            sys.modules["grader.policy.guard"].Guard.hit = lambda *a: None
            return x
    """, sys__py="\n"),
    _case("workspace os.py makes import os look local", "gelu", """
        import os

        def gelu(x):
            os._exit(0)
    """, os__py="\n"),
    _case("workspace torch.py shadows torch", "gelu", """
        import torch

        def gelu(x):
            return x
    """, torch__py="x = 1\n"),
    _case("banned function through a list", "gelu", """
        import torch.nn.functional as F

        def gelu(x):
            return [F][0].gelu(x)
    """),
    _case("banned function through a tuple", "gelu", """
        import torch.nn.functional as F

        def gelu(x):
            return (F,)[0].gelu(x, approximate="tanh")
    """),
    _case("banned Tensor method on a parameter", "sample", """
        def sample(probs, generator):
            return probs.multinomial(1, generator=generator).squeeze(-1)
    """),
    _case("banned method on a new tensor", "sample", """
        def sample(probs, generator):
            return probs.new_tensor(probs).multinomial(1, generator=generator)[:, 0]
    """),
    _case("banned function through a parameter", "attention", """
        import torch.nn.functional as F

        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False, f=F):
            q = x @ w_q
            return f.scaled_dot_product_attention(q, x @ w_k, x @ w_v, is_causal=causal) @ w_o
    """),
    _case("banned function through a lambda result", "sample", """
        import torch

        def sample(probs, generator):
            return (lambda: torch)().distributions.Categorical(probs=probs).sample()
    """),
    _case("layer_norm through a subscript", "layer-norm", """
        import torch

        def layer_norm(x, eps=1e-5):
            return [torch.nn.functional][0].layer_norm(x, x.shape[-1:], eps=eps)
    """),
    _case("deeply nested arithmetic", "gelu", DEEP_SUM),
    _case("deeply nested lists", "gelu", DEEP_LIST),
    _case("deep method chain", "gelu", DEEP_CHAIN),
    _case("long unparenthesised sum", "gelu", DEEP_PLUS),
    _case("in-place aten variant through a parameter", "gelu", """
        import torch

        def gelu(x, t=torch):
            y = x.clone()
            t.ops.aten.gelu_(y)
            return y
    """),
    _case("match class pattern reads an attribute", "gelu", """
        import torch.nn.functional as F

        def gelu(x):
            match F:
                case object(gelu=g):
                    return g(x)
    """),
    _case("constant getattr on an unresolved object", "gelu", """
        import torch.nn.functional as F

        def gelu(x):
            return getattr([F][0], "gelu")(x)
    """),
    _case("patching a torch function", "gelu", """
        import torch
        import torch.nn.functional as F

        F.softmax = lambda x, dim=None: x

        def gelu(x):
            return x
    """),
    _case("defining __torch_function__", "gelu", """
        import torch

        class Sneaky(torch.Tensor):
            @classmethod
            def __torch_function__(cls, func, types, args=(), kwargs=None):
                return super().__torch_function__(func, types, args, kwargs)

        def gelu(x):
            return x
    """),
    _case("torch.utils.cpp_extension", "gelu", """
        import torch.utils.cpp_extension

        def gelu(x):
            return x
    """),
    _case("attrgetter through a parameter", "gelu", """
        import operator
        import torch

        def gelu(x, o=operator):
            return o.attrgetter("_C._nn.gelu")(torch)(x)
    """),
    _case("numpy ctypeslib", "gelu", """
        import numpy as np

        def gelu(x):
            lib = np.ctypeslib
            return x
    """),
    _case("torch.load runs pickles", "gelu", """
        import torch

        def gelu(x):
            return torch.load("weights.pt", weights_only=False)
    """),
    _case("traceback frame", "gelu", """
        def gelu(x):
            try:
                1 / 0
            except ZeroDivisionError as e:
                return e.__traceback__.tb_frame.f_back.f_globals
    """),
    _case("generator frame", "gelu", """
        def gelu(x):
            g = (i for i in range(1))
            return g.gi_frame.f_back
    """),
    _case("own class dict", "gelu", """
        class A:
            def __init__(self):
                self.__dict__["x"] = 1

        def gelu(x):
            return x
    """),
    _case("subclasses from type", "gelu", """
        def gelu(x):
            return type(x).__mro__[-1].__subclasses__()
    """),
    _case("builtins name", "gelu", """
        def gelu(x):
            return __builtins__
    """),
    _case("from torch import _C", "gelu", """
        from torch import _C

        def gelu(x):
            return x
    """),
    _case("builtins module through an attribute", "gelu", """
        import torch

        def gelu(x, t=torch):
            return t.nn.functional.builtins.getattr
    """),
    _case("private attribute of self reaches torch._C", "gelu", """
        import torch

        class A:
            def __init__(self):
                self._C = None

            def grab(self):
                return self._C

        def gelu(x):
            C = A.grab(torch)
            return x
    """),
    _case("private attribute of a tensor", "gelu", """
        def gelu(x):
            return x._make_subclass
    """),
    _case("threading through an attribute", "gelu", """
        import torch

        def gelu(x, t=torch):
            return t.multiprocessing
    """),
    _case("torch's F imported from a workspace file", "gelu", """
        from helpers import F

        def gelu(x):
            return F.gelu(x)
    """, helpers__py="import torch.nn.functional as F\n"),
    _case("banned method on self in a Tensor subclass", "sample", """
        import torch

        class Probs(torch.Tensor):
            def draw(self):
                return self.multinomial(1)

        def sample(probs, generator):
            return probs.as_subclass(Probs).draw()[:, 0]
    """),
    _case("get_type_hints evaluates an annotation string", "gelu", """
        import typing

        def hole(x: "__import__('sys').modules"):
            pass

        def gelu(x):
            return typing.get_type_hints(hole)
    """),
    _case("singledispatch evaluates annotations", "gelu", """
        from functools import singledispatch

        def gelu(x):
            return x
    """),
    _case("torch.compile hides kernels", "gelu", """
        import torch

        def gelu(x):
            return torch.compile(lambda y: y)(x)
    """),
    _case("torch.jit.fork through a parameter", "gelu", """
        import torch

        def gelu(x, t=torch):
            return t.jit.wait(t.jit.fork(torch.tanh, x))
    """),
    _case("numpy.load under another path", "gelu", """
        import numpy as np

        def gelu(x):
            return np.lib.npyio.load("w.npy", allow_pickle=True)
    """),
    _case("walrus alias of F", "gelu", """
        import torch.nn.functional as F

        def gelu(x):
            return (G := F).gelu(x)
    """),
    _case("fullwidth letters in a dunder", "gelu", """
        def gelu(x):
            return x.__\uff43lass__
    """),
    _case("patching torch through a parameter", "gelu", """
        import torch

        def gelu(x, t=torch):
            t.tanh = lambda y: y
            return x
    """),
    _case("own method called with F as self", "gelu", """
        import torch.nn.functional as F

        class Holder:
            def gelu(self, x):
                return x

            def pick(self):
                return self.gelu

        def gelu(x):
            return Holder.pick(F)(x)
    """),
    _case("own method through type() with F as self", "gelu", """
        import torch.nn.functional as F

        class Holder:
            def gelu(self, x):
                return x

            def pick(self):
                return self.gelu

        def gelu(x):
            return type(Holder()).pick(F)(x)
    """),
    _case("own method taken unbound and passed F", "gelu", """
        import functools
        import torch.nn.functional as F

        class Holder:
            def __init__(self):
                self.sys = None

            def gelu(self, x):
                return x

            def pick(self):
                return self.gelu

        def gelu(x):
            return functools.partial(Holder.pick, F)()(x)
    """),
    _case("module of a workspace package goes unscanned", "gelu", """
        import helpers.inner

        def gelu(x):
            return helpers.inner.act(x)
    """, **{"helpers/__init__.py": "\n", "helpers/inner.py": "import torch.nn.functional as F\nact = F.gelu\n"}),
    _case("Python's random through statistics", "sample", """
        import statistics
        import torch

        def sample(probs, generator):
            u = statistics.NormalDist().samples(probs.shape[0])
            return torch.tensor(u).argmax().expand(probs.shape[0])
    """),
    _case("torch.fx reaches attributes by name", "gelu", """
        import torch.fx

        def gelu(x):
            return x
    """),
    _case("nn.Module.compile inherited on self", "reverse-embedding", """
        import torch

        class ReverseEmbedding(torch.nn.Module):
            def __init__(self, embedding):
                super().__init__()
                self.embedding = embedding
                self.compile()

            def forward(self, hidden):
                return hidden @ self.embedding.weight.T
    """),
    _case("parameter named like an import", "gelu", """
        import torch
        import torch.nn.functional as F

        def act(torch, x):
            return torch.gelu(x)

        def gelu(x):
            return act(F, x)
    """),
    _case("class built by type() with a torch function override", "gelu", """
        import torch

        def hook(cls, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

        Sneaky = type("Sneaky", (torch.Tensor,), {"__torch_" + "function__": classmethod(hook)})

        def gelu(x):
            return x
    """),
    _case("torch.overrides function re-exported by F", "gelu", """
        import torch.nn.functional as F

        def gelu(x):
            return F.handle_torch_function
    """),
    _case("a decorator swaps a function for F", "gelu", """
        import torch.nn.functional as F

        def swap(f):
            return F

        @swap
        def act():
            pass

        def gelu(x):
            return act.gelu(x)
    """),
    _case("a metaclass makes an instance torch", "gelu", """
        import torch

        class Meta(type):
            def __call__(cls):
                return torch

        class Box(metaclass=Meta):
            def __init__(self):
                self.sys = None

        def gelu(x):
            return Box().sys.modules if False else x

        box = Box()
        mods = box.sys
    """),
    _case("numpy as_strided reads memory", "gelu", """
        import numpy as np

        def gelu(x):
            a = np.zeros(1)
            return np.lib.stride_tricks.as_strided(a, shape=(10**6,), strides=(8,))
    """),
    _case("import of a module outside the allow-list", "gelu", """
        import shelve

        def gelu(x):
            return x
    """),
]


# Attribute reads hidden in constructs the older scan did not judge (issue 16, class 1):
# class patterns whose positional sub-patterns read `__match_args__` names on any object
# that isinstance can be made to accept, format-string field paths, classes built at run
# time, decorators that hand back something else. The first 24 were written before the
# closed-world policy (6 flagged by the older scan); three more (functional Enum, format
# through getattr, a workspace file's `dataclass`) were found while writing it (0 flagged
# before). `python benchmarks/static_policy_figures.py` prints the figures.
CONSTRUCT_ATTACKS = [
    _case("class pattern: ABCMeta-built class registered on the module type", "gelu", """
        import abc
        import torch

        Probe = abc.ABCMeta("Probe", (), {"__match" + "_args__": ("sys",)})
        Probe.register(type(torch))
        Mods = abc.ABCMeta("Mods", (), {"__match_args__": ("modules",)})

        def gelu(x):
            match torch:
                case Probe(s):
                    match s:
                        case Mods(m):
                            m["grader.policy.guard"].Guard.hit = lambda *a: None
            return x
    """),
    _case("class pattern: dataclass on an ABC reads sys.argv", "gelu", """
        from abc import ABC
        from dataclasses import dataclass
        import torch

        @dataclass
        class Holder(ABC):
            sys: object = None

        @dataclass
        class Args(ABC):
            argv: object = None

        Holder.register(type(torch))
        Args.register(type(torch))

        def gelu(x):
            match torch:
                case Holder(s):
                    match s:
                        case Args(argv):
                            return x + len(argv)
            return x
    """),
    _case("class pattern: __subclasshook__ accepts every object", "gelu", """
        from abc import ABC
        from dataclasses import dataclass
        import torch.nn.functional as F

        class Anything(ABC):
            @classmethod
            def __subclasshook__(cls, other):
                return True

        @dataclass
        class Act(Anything):
            gelu: object = None

        def gelu(x):
            match F:
                case Act(g):
                    return g(x)
    """),
    _case("class pattern: a metaclass __instancecheck__ says yes", "gelu", """
        from dataclasses import dataclass
        import torch.nn.functional as F

        class Yes(type):
            def __instancecheck__(cls, obj):
                return True

        @dataclass
        class Act(metaclass=Yes):
            gelu: object = None

        def gelu(x):
            match F:
                case Act(g):
                    return g(x)
    """),
    _case("class pattern: make_dataclass builds the class at run time", "gelu", """
        import dataclasses
        from abc import ABC
        import torch.nn.functional as F

        Act = dataclasses.make_dataclass("Act", ["gelu"], bases=(ABC,))
        Act.register(type(F))

        def gelu(x):
            match F:
                case Act(g):
                    return g(x)
    """),
    _case("class pattern: a class from a workspace file, registered there", "sample", """
        import torch
        from shapes import Pair

        def sample(probs, generator):
            match torch:
                case Pair(dist):
                    return dist.Categorical(probs=probs).sample()
    """, shapes__py="""
        from abc import ABC
        from dataclasses import dataclass
        import torch

        @dataclass
        class Pair(ABC):
            distributions: object = None

        Pair.register(type(torch))
    """),
    _case("class built by type() through a starred argument", "gelu", """
        import torch

        def hook(cls, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

        parts = ("Sneaky", (torch.Tensor,), {"__torch_function__": classmethod(hook)})
        Sneaky = type(*parts)

        def gelu(x):
            return x
    """),
    _case("format field path reads sys.argv", "gelu", """
        import torch

        def gelu(x):
            seed = "{0.sys.argv}".format(torch)
            return x + len(seed)
    """),
    _case("format_map field path", "gelu", """
        import torch

        def gelu(x):
            return x + len("{t.sys.modules[grader.policy.guard]}".format_map({"t": torch}))
    """),
    _case("str.format with a computed template", "gelu", """
        import torch

        def gelu(x):
            template = "{0." + "sys.argv}"
            return x + len(str.format(template, torch))
    """),
    _case("format method taken as a value", "gelu", """
        import torch

        read = "{0.sys.argv}".format

        def gelu(x):
            return x + len(read(torch))
    """),
    _case("nested field in a format spec", "gelu", """
        import torch

        def gelu(x):
            return x + float("{0:.{1.sys.flags.optimize}f}".format(1.5, torch))
    """),
    _case("format field path through a function's globals", "gelu", """
        import torch.nn.functional as F

        def gelu(x):
            return x + len("{0.__globals__[torch].sys.argv}".format(F.relu))
    """),
    _case("format call nested in an f-string spec", "gelu", """
        import torch

        def gelu(x):
            return f"{x.sum().item():.{len('{0.sys.argv}'.format(torch))}f}"
    """),
    _case("functional Enum API injects a __torch_function__", "gelu", """
        import enum
        import torch

        def hook(cls, func, types, args=(), kwargs=None):
            return func(*args, **(kwargs or {}))

        Hook = enum.Enum("Hook", {"__torch_" + "function__": classmethod(hook), "ON": 1})

        def gelu(x):
            return torch.add(x, Hook.ON) - 1
    """),
    _case("format method reached by a constant getattr", "gelu", """
        import torch

        def gelu(x):
            return x + len(getattr("{0.sys.argv}", "format")(torch))
    """),
    _case("a workspace file's decorator named dataclass returns F", "gelu", """
        from helpers import dataclass

        @dataclass
        def act(x):
            return x

        def gelu(x):
            return act.gelu(x)
    """, helpers__py="""
        import torch.nn.functional as F

        def dataclass(f):
            return F
    """),
    _case("own decorator named like a faithful one returns F", "gelu", """
        import torch.nn.functional as F

        def cache(f):
            return F

        @cache
        def act(x):
            return x

        def gelu(x):
            return act.gelu(x)
    """),
    _case("functools.wraps copies F's namespace onto an own function", "gelu", """
        import functools
        import torch.nn.functional as F

        @functools.wraps(F)
        def act(x):
            return x

        def gelu(x):
            return act.gelu(x)
    """),
    _case("functools.update_wrapper copies F's namespace", "gelu", """
        import functools
        import torch.nn.functional as F

        def box():
            pass

        functools.update_wrapper(box, F, assigned=(), updated=("__dict__",))

        def gelu(x):
            return box.gelu(x)
    """),
    _case("setter-named decorator on an own object returns F", "gelu", """
        import torch.nn.functional as F

        class Swap:
            def setter(self, f):
                return F

        swap = Swap()

        @swap.setter
        def act(x):
            return x

        def gelu(x):
            return act.gelu(x)
    """),
    _case("__class_getitem__ hands back F", "gelu", """
        import torch.nn.functional as F

        class Pick:
            def __class_getitem__(cls, item):
                return F

        def gelu(x):
            return Pick[0].gelu(x)
    """),
    _case("__init_subclass__ receives torch through class keywords", "gelu", """
        import torch

        class Base:
            def __init_subclass__(cls, lib=None):
                cls.lib = lib

        class Child(Base, lib=torch):
            pass

        def gelu(x):
            return Child.lib.nn.functional.gelu(x)
    """),
    _case("walrus in a comprehension rebinds an own name to F", "gelu", """
        import torch.nn.functional as F

        def act(x):
            return x

        def gelu(x):
            [act := f for f in [F]]
            return act.gelu(x)
    """),
    _case("del on a library function through a parameter", "gelu", """
        import torch.nn.functional as F

        def gelu(x, f=F):
            del f.softmax
            return x
    """),
    _case("augmented assignment patches a library attribute", "gelu", """
        import torch

        def gelu(x, t=torch):
            t.nn.functional.softmax += 0
            return x
    """),
    _case("star-unpacking a module's namespace", "gelu", """
        import torch.nn.functional as F

        def gelu(x):
            return dict(**F.__dict__)["gelu"](x)
    """),
]


# Allowed styles around the same constructs: match statements on learner data, f-strings
# with format specs, constant format strings with simple fields, dataclasses, typing,
# caches on the learner's own functions. None may be flagged.
CONSTRUCT_ALLOWED = [
    _case("match on a shape tuple", "layer-norm", """
        import torch

        def layer_norm(x, eps=1e-5):
            match x.shape:
                case (n,):
                    rows = x[None]
                case (n, d):
                    rows = x
                case (*lead, d):
                    rows = x.reshape(-1, d)
            m = rows.mean(-1, keepdim=True)
            v = ((rows - m) ** 2).mean(-1, keepdim=True)
            return ((rows - m) / torch.sqrt(v + eps)).reshape(x.shape)
    """),
    _case("match on builtin class patterns", "gelu", """
        import math
        import torch

        def gelu(x, approximate="tanh"):
            match approximate:
                case str(mode) if mode in ("tanh", "none"):
                    pass
                case int() | float():
                    raise TypeError("approximate is a string")
                case None:
                    pass
            return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    """),
    _case("match with a mapping and sequence pattern", "top-k", """
        import torch

        SETTINGS = {"mode": "mask", "fill": float("-inf")}

        def top_k_probs(logits, temperature, k):
            match SETTINGS:
                case {"mode": "mask", "fill": fill}:
                    pass
                case {"mode": other, **rest}:
                    raise ValueError(other)
            scaled = logits / temperature
            match [k, scaled.shape[-1]]:
                case [kk, vocab] if kk >= vocab:
                    return torch.softmax(scaled, -1)
                case [kk, _]:
                    kth = scaled.topk(kk, dim=-1).values[..., -1:]
            return torch.softmax(scaled.masked_fill(scaled < kth, fill), -1)
    """),
    _case("match on an own dataclass with positional fields", "layer-norm", """
        from dataclasses import dataclass
        import torch

        @dataclass
        class Stats:
            mean: torch.Tensor
            var: torch.Tensor

        def stats(x):
            m = x.mean(-1, keepdim=True)
            return Stats(m, ((x - m) ** 2).mean(-1, keepdim=True))

        def layer_norm(x, eps=1e-5):
            match stats(x):
                case Stats(m, v):
                    return (x - m) / torch.sqrt(v + eps)
    """),
    _case("match on an own NamedTuple and keyword patterns", "layer-norm", """
        from typing import NamedTuple
        import torch

        class Moments(NamedTuple):
            mean: torch.Tensor
            var: torch.Tensor

        def layer_norm(x, eps=1e-5):
            m = x.mean(-1, keepdim=True)
            match Moments(m, x.var(-1, unbiased=False, keepdim=True)):
                case Moments(mean, var=v):
                    return (x - mean) / (v + eps).sqrt()
    """),
    _case("match class pattern on torch.Tensor without positional fields", "gelu", """
        import math
        import torch

        def gelu(x):
            match x:
                case torch.Tensor(dtype=torch.float64):
                    c = math.sqrt(2 / math.pi)
                case torch.Tensor():
                    c = 0.7978845608028654
                case _:
                    x = torch.as_tensor(x)
                    c = 0.7978845608028654
            return 0.5 * x * (1 + torch.tanh(c * (x + 0.044715 * x ** 3)))
    """),
    _case("f-strings with format specs and conversions", "layer-norm", """
        import torch

        def layer_norm(x, eps=1e-5):
            m = x.mean(-1, keepdim=True)
            v = ((x - m) ** 2).mean(-1, keepdim=True)
            width = 8
            note = f"{m.mean().item():.3f} {v.mean().item():>{width}.2e} {tuple(x.shape)!r} {eps!s:>6}"
            assert note, f"{x.dtype=} {'empty':^{width}}"
            return (x - m) / torch.sqrt(v + eps)
    """),
    _case("constant format strings with simple fields", "gelu", """
        import math
        import torch

        def describe(x):
            head = "{:.2f} {} {!r:>10}".format(x.mean().item(), x.dtype, tuple(x.shape))
            tail = "{name}: {value:{width}.{prec}f}".format(name="max", value=x.max().item(), width=8, prec=3)
            return head + tail + "{0} {1:>{2}}".format(1, 2, 3) + "{k}".format_map({"k": 1}) + str.format("{}", 4)

        def gelu(x):
            if x.numel() > 10 ** 9:
                raise ValueError("too big: {}".format(describe(x)))
            return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
    """),
    _case("percent formatting with a mapping", "gelu", """
        import torch

        def gelu(x):
            info = "%(n)d elements, %(dt)s" % {"n": x.numel(), "dt": x.dtype}
            assert info
            return 0.5 * x * (1 + torch.tanh(0.7978845608028654 * (x + 0.044715 * x ** 3)))
    """),
    _case("dataclass config with field defaults", "attention", """
        import math
        from dataclasses import dataclass, field
        import torch

        @dataclass(frozen=True)
        class Heads:
            num_heads: int
            causal: bool = False
            scale: float = field(default=0.0)

            def split(self, t):
                N, T, d = t.shape
                return t.view(N, T, self.num_heads, d // self.num_heads).transpose(1, 2)

        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            h = Heads(num_heads, causal)
            N, T, d = x.shape
            q, k, v = (h.split(x @ w) for w in (w_q, w_k, w_v))
            s = q @ k.transpose(-2, -1) / math.sqrt(d // h.num_heads)
            if h.causal:
                s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
            return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
    """),
    _case("typing annotations, Protocol and TypeVar", "gelu", """
        from typing import Callable, Protocol, TypeVar, Union
        import torch

        T = TypeVar("T", bound=torch.Tensor)

        class Activation(Protocol):
            def __call__(self, x: torch.Tensor) -> torch.Tensor: ...

        def compose(f: Callable[[T], T], g: Callable[[T], T]) -> Callable[[T], T]:
            return lambda x: f(g(x))

        def cube(x: Union[torch.Tensor, float]) -> torch.Tensor:
            return x * x * x

        def gelu(x: torch.Tensor) -> torch.Tensor:
            inner: Activation = compose(torch.tanh, lambda y: 0.7978845608028654 * (y + 0.044715 * cube(y)))
            return 0.5 * x * (1 + inner(x))
    """),
    _case("lru_cache and wraps on own functions", "attention", """
        import functools
        import math
        import torch

        @functools.lru_cache(maxsize=None)
        def causal_mask(T):
            return torch.ones(T, T, dtype=torch.bool).triu(1)

        def scaled(f):
            @functools.wraps(f)
            def inner(q, k):
                return f(q, k) / math.sqrt(q.shape[-1])
            return inner

        @scaled
        def scores(q, k):
            return q @ k.transpose(-2, -1)

        def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
            N, T, d = x.shape
            q, k, v = [(x @ w).view(N, T, num_heads, d // num_heads).transpose(1, 2) for w in (w_q, w_k, w_v)]
            s = scores(q, k)
            if causal:
                s = s.masked_fill(causal_mask(T), float("-inf"))
            return (s.softmax(-1) @ v).transpose(1, 2).reshape(N, T, d) @ w_o
    """),
    _case("walrus, comprehensions and generators", "top-p", """
        import torch

        def chunks(n, size):
            for start in range(0, n, size):
                yield start, min(n, start + size)

        def top_p_probs(logits, temperature, p):
            probs = torch.softmax(logits / temperature, -1)
            s, order = probs.sort(-1, descending=True)
            kept = s * ((s.cumsum(-1) - s) < p)
            if (total := kept.sum(-1, keepdim=True)).min() > 0:
                kept = kept / total
            parts = {lo: kept[..., lo:hi] for lo, hi in chunks(kept.shape[-1], 64)}
            kept = torch.cat([parts[k] for k in sorted(parts)], -1)
            return torch.zeros_like(probs).scatter(-1, order, kept)
    """),
    _case("enum, property, try/except/finally and global counters", "layer-norm", """
        import enum
        import torch

        CALLS = 0

        class Axis(enum.IntEnum):
            LAST = -1

        class Norm:
            def __init__(self, eps):
                self._eps = eps

            @property
            def eps(self):
                return self._eps

            @eps.setter
            def eps(self, value):
                self._eps = float(value)

        def layer_norm(x, eps=1e-5):
            global CALLS
            CALLS += 1
            n = Norm(eps)
            n.eps = eps
            try:
                m = x.mean(Axis.LAST, keepdim=True)
            except RuntimeError as err:
                raise ValueError(f"bad input: {err}") from err
            finally:
                del n
            v = ((x - m) ** 2).mean(Axis.LAST, keepdim=True)
            return (x - m) / torch.sqrt(v + eps)
    """),
    _case("a descriptor with __set_name__ on an own module", "reverse-embedding", """
        import torch
        from torch import nn

        class Scale:
            def __set_name__(self, owner, name):
                self.name = name

            def __get__(self, obj, objtype=None):
                return 1.0

        class ReverseEmbedding(nn.Module):
            scale = Scale()

            def __init__(self, embedding):
                super().__init__()
                self.embedding = embedding

            def forward(self, hidden):
                match hidden.dim():
                    case 0:
                        raise ValueError(f"expected a hidden vector, got {hidden!r:.40}")
                    case d:
                        return hidden @ self.embedding.weight.T * self.scale
    """),
]


ATTACKS = ATTACKS + CONSTRUCT_ATTACKS
ALLOWED = ALLOWED + CONSTRUCT_ALLOWED

def write_workspace(case: ScanCase, directory, module_name: str):
    """Write the case's files into `directory`; return the checked file's path."""
    from pathlib import Path

    directory = Path(directory)
    for name, text in case.extra.items():
        (directory / name).parent.mkdir(parents=True, exist_ok=True)
        (directory / name).write_text(text)
    path = directory / f"{module_name}.py"
    path.write_text(case.text)
    return path


def scan_case(case: ScanCase, directory, course=None):
    """Scan the case as the grader would: (violations, error) where error is an escaped exception."""
    from grader.policy.banned import build_spec
    from grader.course.loader import Course
    from grader.policy.static import scan_file

    course = course or Course()
    problem = course.get(case.problem)
    path = write_workspace(case, directory, problem.module_name)
    spec = build_spec(course.banned_names(problem), course.banned_aten(problem))
    try:
        violations, syntax = scan_file(path, spec, directory)
    except Exception as exc:  # RecursionError from a deep file: the grader would crash
        return [], exc
    return violations, syntax


def tally() -> tuple[int, int]:
    """(attacks flagged, allowed files flagged), printed per case: the figures in the report."""
    import tempfile

    from grader.course.loader import Course

    course = Course()
    flagged_attacks = flagged_allowed = 0
    for label, cases in (("attack", ATTACKS), ("allowed", ALLOWED)):
        for case in cases:
            with tempfile.TemporaryDirectory() as d:
                violations, error = scan_case(case, d, course)
            hit = bool(violations)
            if label == "attack":
                flagged_attacks += hit
            else:
                flagged_allowed += hit
            mark = "FLAGGED" if hit else "syntax error" if isinstance(error, SyntaxError) else \
                f"CRASH {type(error).__name__}" if error is not None else "clean"
            print(f"{label:8} {mark:22} {case.name}" + ("".join(f"\n{'':31}{v.describe()} [{v.kind}]"
                                                                for v in violations[:2]) if hit else ""))
    print(f"attacks flagged: {flagged_attacks}/{len(ATTACKS)}; allowed flagged: {flagged_allowed}/{len(ALLOWED)}")
    return flagged_attacks, flagged_allowed


if __name__ == "__main__":
    import sys

    sys.setrecursionlimit(1000)
    tally()
