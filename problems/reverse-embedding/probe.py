"""reverse-embedding probe (runs in the sandbox): build your head on a real nn.Embedding
and find out what tying means for it. Every call into your class goes through ctx.call.

It reports plain facts; the parent judges them:
- the parameters your module exposes, and whether each is the embedding's weight
  object itself (`p is embedding.weight`) or shares its storage;
- its output on `hidden`, before and after an in-place edit of the embedding's weight;
- the distinct parameters of a model holding both the embedding and your head;
- the embedding weight's gradient when a loss uses the embedding on input and your head
  on output.
"""

import torch
from torch import nn


def _storage(t):
    return t.untyped_storage().data_ptr()


def probe(entry, inputs, ctx):
    weight = inputs["weight"]
    V, d = weight.shape
    embedding = nn.Embedding(V, d, dtype=weight.dtype)
    with torch.no_grad():
        embedding.weight.copy_(weight)
    head = ctx.call(entry, embedding)
    if not isinstance(head, nn.Module):
        return {"error": f"ReverseEmbedding(...) built a {type(head).__name__}; it must subclass torch.nn.Module"}

    named = ctx.call(lambda: list(head.named_parameters()))
    params = [{"name": str(name), "shape": list(p.shape), "is_weight": p is embedding.weight,
               "shares_storage": _storage(p) == _storage(embedding.weight)}
              for name, p in named]

    output = ctx.call(head, inputs["hidden"])
    with torch.no_grad():
        embedding.weight.add_(inputs["delta"])  # an optimizer step, in place
    output_after_edit = ctx.call(head, inputs["hidden"])

    model = nn.ModuleDict({"embedding": embedding, "head": head})
    model_params = ctx.call(lambda: [list(p.shape) for p in model.parameters()])

    facts = {"params": params, "output": output, "output_after_edit": output_after_edit,
             "model_params": model_params}
    # The head's output is checked BEFORE the probe uses it: an output of the wrong type or shape would make the
    # probe's own arithmetic raise, and that exception would read as one of the learner's code.
    x = embedding(inputs["ids"]) @ inputs["mix"]
    logits = ctx.call(head, x)
    want = tuple(inputs["grad_out"].shape)
    if type(logits) is not torch.Tensor or tuple(logits.shape) != want or logits.dtype != inputs["grad_out"].dtype:
        got = (f"shape {tuple(logits.shape)}, dtype {logits.dtype}" if type(logits) is torch.Tensor
               else type(logits).__name__)
        facts["grad_skipped"] = (f"the gradient was not measured: on hidden states of shape {tuple(x.shape)} your head "
                                 f"returned {got}, where shape {want}, dtype {inputs['grad_out'].dtype} is expected")
        return facts
    loss = (logits * inputs["grad_out"]).sum()  # the embedding on input, the head on output
    ctx.call(loss.backward)
    grad = embedding.weight.grad
    facts["grad"] = grad if grad is None else grad.detach().clone()
    return facts
