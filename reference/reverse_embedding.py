"""Hidden reference for reverse-embedding: a tied output head, its cases, the judge of
what the probe found out (parameters, output, in-place edits, one shared parameter,
gradients from both uses) and the known mistakes in the output itself."""

import math

import torch
from torch import nn

from grader.cases import Case, generator, randint, randn
from grader.compare import Comparison, close, compare_tensors
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
        _case(seed, "float64", "keep the dtype", 25, 10, (2, 4), dtype=torch.float64),
        _case(seed, "larger (V=1000, d=64)", "a realistic vocabulary", 1000, 64, (1, 3)),
    ]


# --------------------------------------------------------------------------- judge
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


def _shape(s):
    return "(" + ", ".join(str(n) for n in s) + ("," if len(s) == 1 else "") + ")"


def judge(case, value, tol):
    if "error" in value:
        return Comparison(False, str(value["error"]))
    inputs = case.pristine_inputs()
    W, hidden = inputs["weight"], inputs["hidden"]
    V, d = W.shape
    verdicts = []

    own = [p for p in value.get("params") or [] if not p.get("is_weight")]
    if own:
        p = own[0]
        if p.get("shares_storage"):
            verdicts.append(Comparison(False, f"the module registers its own parameter `{p['name']}` of shape "
                            f"{_shape(p['shape'])}: it shares the embedding's memory but is a different Parameter object "
                            "(nn.Parameter(...) of the weight or of its .data makes a new one), so an optimizer sees two "
                            "parameters and the head's gradient goes to it, not to embedding.weight"))
        else:
            verdicts.append(Comparison(False, f"the module registers its own parameter `{p['name']}` of shape "
                            f"{_shape(p['shape'])}, a new tensor, not embedding.weight: every parameter a tied head "
                            "exposes must be the embedding's weight object itself (or it exposes none)"))

    expected = hidden @ W.T
    verdicts.append(compare_tensors(expected, value.get("output"), *tol))

    after = value.get("output_after_edit")
    edited = compare_tensors(hidden @ (W + inputs["delta"]).T, after, *tol, label="output after editing the embedding")
    if not edited.passed and close(expected, after, *tol):
        edited = Comparison(False, "the head owns a copy of the weight: changing the embedding did not change the "
                            "head (after `embedding.weight.add_(delta)` in place, your output was the old one)")
    verdicts.append(edited)

    shapes = value.get("model_params") or []
    if len(shapes) != 1:
        verdicts.append(Comparison(False, f"a model holding the embedding and your head has {len(shapes)} distinct "
                        f"parameters ({', '.join(_shape(s) for s in shapes)}); with tied weights it has exactly one, "
                        f"the embedding's {_shape((V, d))} weight"))

    both, embedding_only = expected_uses(inputs)
    grad = value.get("grad")
    if grad is None:
        verdicts.append(Comparison(False, "no gradient reached the embedding's weight at all"))
    elif type(grad) is torch.Tensor and grad.shape == both.shape and not close(both, grad, *tol) \
            and close(embedding_only, grad, *tol):
        verdicts.append(Comparison(False, "no gradient reached the embedding through the head: the weight was "
                                   "detached (.detach() or .data cuts it out of autograd); its gradient must be "
                                   "the sum of both uses"))
    else:
        verdicts.append(compare_tensors(both, grad, *tol, label="the embedding weight's gradient (from both uses)"))
    return verdicts


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
