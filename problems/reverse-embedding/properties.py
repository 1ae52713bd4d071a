"""What every right tied head satisfies (grader/evidence/properties.py), read from the facts the
problem's own probe reports about a head built on a real nn.Embedding (so the whole report
is read, not one output):

- it exposes no parameter but the embedding's weight object itself (no copy, no second
  Parameter over the same memory, no bias);
- an in-place edit of the embedding's weight shows in its very next output (no copy);
- the embedding's gradient is the sum of both uses (the head's use is not detached);
- its output is hidden @ weight.T exactly: no scale, no offset, in hidden's dtype.

Most telling first: a tying slip (copy, second Parameter, detach) usually leaves the first
output right, so the output's own identity comes last."""

import torch

from grader.cases import generator, randint, randn
from grader.common_props import keeps_dtype
from grader.properties import HELD, Broken, Property
from grader.propkit import near, show, tensor


def _facts(outs):
    value = outs[0]
    return value if isinstance(value, dict) and "error" not in value else None


def only_the_weight(outs, trials):
    """Every exposed parameter is `embedding.weight` itself."""
    facts = _facts(outs)
    if facts is None or not isinstance(facts.get("params"), list):
        return None
    own = [p for p in facts["params"] if not p.get("is_weight")]
    if not own:
        return HELD
    V, d = trials[0]["weight"].shape
    p = own[0]
    seen = f"the head exposes `{p['name']}` of shape {tuple(p['shape'])}, which is not embedding.weight"
    if tuple(p["shape"]) == (V,):
        return Broken(seen, "the head has a bias (a parameter of its own, of shape (V,))",
                      "A tied head is hidden @ weight.T and nothing else: nn.Linear(d, V) keeps its own bias "
                      "unless bias=False.", isolated=True)
    if p.get("shares_storage"):
        return Broken(seen + " but shares its memory", "the head registers its own parameter, a second "
                      "Parameter over the embedding's memory (nn.Parameter(weight)): the head's gradient goes to it, "
                      "not to the embedding")
    return Broken(seen + " and has memory of its own", "the head registers its own parameter, a copy of the "
                  "weight: it is not tied (an optimizer updates the two apart)")


def follows_edits(outs, trials):
    """After `embedding.weight.add_(delta)` the output is hidden @ (W + delta).T."""
    facts = _facts(outs)
    if facts is None:
        return None
    t = trials[0]
    before, after = tensor(facts.get("output")), tensor(facts.get("output_after_edit"))
    want = t["hidden"].double() @ (t["weight"] + t["delta"]).double().T
    if before is None or after is None or before.shape != want.shape:
        return None
    if near(after, want, 1e-4, 1e-4):
        return HELD
    if near(after, before, 1e-6, 1e-6):
        return Broken("after an in-place edit of embedding.weight the head's output did not change at all",
                      "the head keeps a copy of the weight: an in-place edit of the embedding (an optimizer step) "
                      "does not reach it", isolated=True)
    return None  # it moved, but not as expected: the output identity below says what it is


def gradient_from_both(outs, trials):
    """The embedding's gradient is the one of both uses, not only of the input use."""
    facts = _facts(outs)
    if facts is None or not isinstance(facts.get("params"), list):
        return None
    t = trials[0]
    W = (t["weight"] + t["delta"]).double().requires_grad_(True)

    def loss(head_weight):
        x = W[t["ids"]] @ t["mix"].double()
        return ((x @ head_weight.T) * t["grad_out"].double()).sum()

    both, = torch.autograd.grad(loss(W), W)
    embedding_only, = torch.autograd.grad(loss(W.detach()), W)
    grad = facts.get("grad")
    if grad is None:
        return Broken("after backward() the embedding's weight had no gradient at all",
                      "no gradient reaches the embedding's weight")
    grad = tensor(grad, both.shape)
    if grad is not None and near(grad, both, 1e-4, 1e-4):
        return HELD
    if grad is None or not near(grad, embedding_only, 1e-4, 1e-4):
        return None  # neither answer: the other properties say what it is
    if any(p.get("shares_storage") and not p.get("is_weight") for p in facts["params"]):
        return None  # a second Parameter: said more precisely by `only_the_weight`
    return Broken("the embedding's gradient is the one of the input use alone; nothing came through the head",
                  "no gradient reaches the embedding through the head's use of the weight: it is cut out of "
                  "autograd there (.detach(), .data or torch.no_grad() all do that)", isolated=True)


def plain_product(outs, trials):
    """The output is hidden @ W.T: a fitted scale or a constant offset per vocabulary entry is named."""
    facts = _facts(outs)
    if facts is None:
        return None
    t = trials[0]
    want = t["hidden"].double() @ t["weight"].double().T
    got = tensor(facts.get("output"))
    if got is None or got.shape != want.shape or near(got, want, 1e-4, 1e-4):
        return None
    seen = f"hidden @ weight.T = {show(want)}, the head gave {show(got)}"
    offset = (got - want).reshape(-1, want.shape[-1])
    if near(offset, offset[:1].expand_as(offset), 1e-4, 1e-4):
        return Broken(seen, "the head adds a bias (the same offset for every row)", isolated=True)
    scale = float((got * want).sum() / (want * want).sum())
    if near(got, want * scale, 1e-4, 1e-4):
        return Broken(seen, f"the logits are scaled by {scale:.4g}", isolated=True)
    w = t["weight"].double()
    if near(got, t["hidden"].double() @ w.reshape(w.shape[1], w.shape[0]), 1e-4, 1e-4):
        return Broken(seen, "the weight is reshaped to (d, V) (view or reshape), not transposed: a reshape re-reads "
                      "the same memory in order, so its columns are not the embedding's rows; use weight.T",
                      "Your output equals hidden @ weight.reshape(d, V) exactly.")
    return Broken(seen, "the output is not hidden @ weight.T")


def properties(seed: int) -> list[Property]:
    g = generator(seed, "properties: reverse-embedding")
    V, d = 11, 7
    t = {"weight": randn(g, V, d), "hidden": randn(g, 3, 2, d), "delta": randn(g, V, d, scale=0.5),
         "ids": randint(g, V, 2, 4), "mix": randn(g, d, d, scale=d ** -0.5), "grad_out": randn(g, 2, 4, V)}
    return [
        Property("exposing no parameter but the embedding's weight itself", (t,), only_the_weight,
                 "the head has a parameter of its own", "a head built on an nn.Embedding(11, 7), its parameters "
                 "listed", "Keep the embedding (or its weight Parameter itself) and use embedding.weight in "
                 "forward; never clone, re-wrap or add a bias.", key=None),
        Property("following in-place edits of the embedding's weight", (t,), follows_edits,
                 "the head does not follow edits of the embedding", "embedding.weight.add_(delta) in place, then "
                 "the head called again", "Read embedding.weight in forward, not a tensor saved in __init__.",
                 key=None),
        Property("passing gradient to the embedding through the output", (t,), gradient_from_both,
                 "no gradient reaches the embedding through the head", "a loss using the embedding on input and "
                 "the head on output, then backward()", "Use embedding.weight itself, never .detach(), .data or torch.no_grad().",
                 key=None),
        Property("returning hidden @ weight.T", (t,), plain_product, "the output is not hidden @ weight.T",
                 "hidden of shape (3, 2, 7) through a head on an (11, 7) weight", "logits = hidden @ weight.T: "
                 "no scale, no bias, no softmax.", key=None),
        keeps_dtype(t, "hidden and the weight"),
    ]
