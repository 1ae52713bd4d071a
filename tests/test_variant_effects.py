"""A reference may put its own words on what one automatic edit does to the data
(`# effect: <edit> => <its effect>`): a learner who reaches the same output another way
(here: the head size passed where the head count goes) reads the effect, not a line of the
reference they never wrote ("arguments 3 and 4 of `view` swapped")."""

from __future__ import annotations

from grader.course.loader import Course
from grader.evidence.variants import single_variants, solution_units


def descriptions(slug: str) -> list[str]:
    problem = Course().get(slug)
    return [v.description for v in single_variants(solution_units(problem.reference, problem.entry))]


def test_the_effect_replaces_the_edit_phrase_on_its_line_only():
    found = descriptions("transformer-block")
    assert any(d.startswith("the head count and the head size exchanged") and d.endswith("in splitting the heads")
               for d in found), found
    assert not any("arguments 3 and 4 of `view` swapped" in d for d in found), found
    # the line's other edits keep their own phrases
    assert "arguments 2 and 3 of `view` swapped in splitting the heads" in found, found


HEAD_SIZE_AS_COUNT = """
import math
import torch

def _ln(x, eps=1e-5):
    m = x.mean(-1, keepdim=True)
    return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)

def _gelu(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))

def pre_ln_block(x, block_weights, num_heads, causal=False):
    w_q, w_k, w_v, w_o, w1, w2 = block_weights
    N, T, d = x.shape
    size = d // num_heads
    heads = size            # meant: the number of heads
    h = _ln(x)
    q, k, v = [(h @ w).reshape(N, T, heads, d // heads).permute(0, 2, 1, 3) for w in (w_q, w_k, w_v)]
    s = q @ k.transpose(-1, -2) / math.sqrt(d // heads)
    if causal:
        s = s.masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), float("-inf"))
    a = (s.softmax(-1) @ v).permute(0, 2, 1, 3).reshape(N, T, d)
    x = x + a @ w_o
    return x + _gelu(_ln(x) @ w1) @ w2
"""


def test_the_head_size_used_as_the_head_count_is_told_as_the_exchange_not_a_view_line(grade):
    report = grade("transformer-block", HEAD_SIZE_AS_COUNT)
    assert not report.passed
    d = report.diagnosis or {}
    said = d.get("name", "") + " " + d.get("explanation", "")
    assert "head count and the head size exchanged" in said, d
    assert "of `view` swapped" not in said, d
