"""Shared by the language-model tests (mlm-forward, mlm-tied-head, causal-lm): the
building blocks as a learner writes them, a helper that makes a one-line bug out of a
correct solution, and a check that a problem's known mistakes can be told apart."""

import itertools
import textwrap

from grader.compare import close
from grader.judge import case_tolerance

# The earlier problems' pieces, as they would sit at the top of a learner's file.
BLOCKS = textwrap.dedent('''
    import math
    import torch


    def layer_norm(x, eps=1e-5):
        mean = x.mean(-1, keepdim=True)
        var = x.var(-1, keepdim=True, unbiased=False)
        return (x - mean) / torch.sqrt(var + eps)


    def gelu(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


    def attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
        N, T, d = x.shape
        d_head = d // num_heads
        q, k, v = [(x @ w).view(N, T, num_heads, d_head).transpose(1, 2) for w in (w_q, w_k, w_v)]
        scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
        if causal:
            allowed = torch.ones(T, T, dtype=torch.bool).tril()
            scores = scores.masked_fill(~allowed, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return (weights @ v).transpose(1, 2).reshape(N, T, d) @ w_o


    def block(x, weights, num_heads, causal=False):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = weights
        x = x + attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
        return x
''')


def variant(source: str, old: str, new: str) -> str:
    """`source` with one piece of code replaced; fails loudly if the piece is not there once."""
    assert source.count(old) == 1, f"expected exactly one {old!r} in the source"
    return source.replace(old, new)


def line_of(source: str, marker: str) -> int:
    """1-based line of the first line containing `marker`, as the grader numbers the file."""
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if marker in line)


ERF_GELU = ("return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))",
            "return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))")
D_MODEL_SCALE = ("/ math.sqrt(d_head)", "/ math.sqrt(d)")
POST_LN = ("""    x = x + attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2""",
           """    x = layer_norm(x + attention(x, w_q, w_k, w_v, w_o, num_heads, causal))
    x = layer_norm(x + gelu(x @ w_mlp1) @ w_mlp2)""")


def indistinguishable_pairs(problem, seeds=(0, 1)) -> list[tuple[str, str]]:
    """Pairs among the reference and the known mistakes whose outputs agree (within the
    case tolerance) on every case of some seed: diagnosis could not tell them apart."""
    ref = problem.reference
    found = []
    for seed in seeds:
        cases = ref.cases(seed)
        fns = {"reference": getattr(ref, problem.entry), **{m.name: m.fn for m in ref.MISTAKES}}
        outs = {name: [fn(**c.pristine_inputs()) for c in cases] for name, fn in fns.items()}
        for a, b in itertools.combinations(outs, 2):
            if all(close(x, y, *case_tolerance(problem, c)) for c, x, y in zip(cases, outs[a], outs[b])):
                found.append((a, b))
    return found
