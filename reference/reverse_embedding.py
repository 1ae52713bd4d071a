"""Hidden reference for reverse-embedding: a tied output head, its cases, the expected
values for the public judge (problems/reverse-embedding/judge.py judges what the probe
found out: parameters, output, in-place edits, one shared parameter, gradients from both
uses) and the known mistakes in the output itself."""

import math

import torch
from torch import nn

from grader.cases import Case, generator, non_contiguous, randint, randn
from grader.mistakes import Mistake


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding  # a submodule: its weight is the one parameter, shared

    def forward(self, hidden):
        return hidden @ self.embedding.weight.T  # (..., d) -> (..., V)


# --------------------------------------------------------------------------- cases
def _case(seed, name, about, V, d, hidden_shape, dtype=torch.float32):
    g = generator(seed, name)
    inputs = {
        "weight": randn(g, V, d, dtype=dtype),
        "hidden": randn(g, *hidden_shape, d, dtype=dtype),
        "delta": randn(g, V, d, dtype=dtype, scale=0.5),  # the in-place edit of the embedding
        "ids": randint(g, V, 2, 4),
        "mix": randn(g, d, d, dtype=dtype, scale=d ** -0.5),  # between the two uses
        "grad_out": randn(g, 2, 4, V, dtype=dtype),
    }
    return Case(name, inputs, about)


def cases(seed: int) -> list[Case]:
    return [
        _case(seed, "typical (V=50, d=16), hidden (2, 5, 16)", "a batch of sequences", 50, 16, (2, 5)),
        _case(seed, "hidden (N, d)", "two-dimensional hidden states", 30, 8, (7,)),
        _case(seed, "1-D hidden (d,)", "one vector", 12, 6, ()),
        _case(seed, "V < d", "fewer tokens than features", 6, 20, (3, 2)),
        _case(seed, "square weight (V = d)", "where a missing transpose still runs", 12, 12, (2, 3)),
        non_contiguous(_case(seed, "non-contiguous hidden (3, 4, 16)", "hidden in another memory layout (a "
                             "transposed view): `.view` raises, `reshape` works", 40, 16, (3, 4)), "hidden"),
        _case(seed, "float64", "keep the dtype", 25, 10, (2, 4), dtype=torch.float64),
        _case(seed, "larger (V=1000, d=64)", "a realistic vocabulary", 1000, 64, (1, 3)),
    ]


# --------------------------------------------------------------------------- expected (for the public judge)
def expected_uses(inputs):
    """The embedding weight's gradient from a loss using the embedding on input and the
    tied head on output: (from both uses, from the embedding use only)."""
    W = (inputs["weight"] + inputs["delta"]).requires_grad_(True)

    def loss(head_weight):
        x = W[inputs["ids"]] @ inputs["mix"]
        return ((x @ head_weight.T) * inputs["grad_out"]).sum()

    both, = torch.autograd.grad(loss(W), W)
    embedding_only, = torch.autograd.grad(loss(W.detach()), W)
    return both, embedding_only


def expected_head_only(inputs):
    """The same gradient when nothing flows back through the head's input (the hidden states
    cut from autograd): the head's use of the weight alone."""
    W = (inputs["weight"] + inputs["delta"]).requires_grad_(True)
    x = W.detach()[inputs["ids"]] @ inputs["mix"]
    head_only, = torch.autograd.grad(((x @ W.T) * inputs["grad_out"]).sum(), W)
    return head_only


def expected(case):
    """What problems/reverse-embedding/judge.py compares the probe's findings with, from the
    case's inputs alone: the logits before and after the in-place edit of the embedding, and
    the embedding weight's gradient from both uses and from the embedding use only."""
    inputs = case.pristine_inputs()
    W, hidden = inputs["weight"], inputs["hidden"]
    both, embedding_only = expected_uses(inputs)
    return {"output": hidden @ W.T, "output_after_edit": hidden @ (W + inputs["delta"]).T,
            "grad": both, "grad_embedding_only": embedding_only, "grad_head_only": expected_head_only(inputs)}


# --------------------------------------------------------------------------- known mistakes (in the output)
def _output_mistake(fn):
    def run(weight, hidden, **_):
        return fn(hidden, weight)

    return run


MISTAKES = [
    Mistake("weight used without transposing", _output_mistake(lambda h, W: h @ W),
            "The head multiplies by the (V, d) weight as stored: h @ W, or F.linear(h, W.T). That only runs when "
            "V == d, and then it mixes the wrong entries.",
            "The embedding weight is (V, d); the head maps d -> V, so it is hidden @ weight.T (F.linear(h, weight))."),
    Mistake("scaled by 1/sqrt(d_model)", _output_mistake(lambda h, W: h @ W.T / math.sqrt(W.shape[1])),
            "The logits are divided by sqrt(d_model), as T5 rescales before its tied head; this contract's head is "
            "the plain product.",
            "Return hidden @ weight.T with no scale."),
    Mistake("scaled by sqrt(d_model)", _output_mistake(lambda h, W: h @ W.T * math.sqrt(W.shape[1])),
            "The logits are multiplied by sqrt(d_model), the scale some models apply to the embedding on input.",
            "Return hidden @ weight.T with no scale."),
    Mistake("softmax applied", _output_mistake(lambda h, W: torch.softmax(h @ W.T, dim=-1)),
            "The head returns probabilities; it should return the logits (losses and samplers apply the softmax).",
            "Drop the softmax."),
    Mistake("log-softmax applied", _output_mistake(lambda h, W: torch.log_softmax(h @ W.T, dim=-1)),
            "The head returns log-probabilities; it should return the raw logits.",
            "Drop the log_softmax."),
]
