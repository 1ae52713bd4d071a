"""How causal-lm runs your function (public; it runs inside the sandbox).

Once on the case's inputs, as usual. Then, for cases with a `causality` position t, a
second time on copies of the inputs whose tokens at positions >= t are all replaced by
other tokens. A causal model's logits at positions < t cannot change: they depend on
tokens 0..t-1 only. The grader compares the two runs position by position.
"""

import torch


def changed_future(input_ids, t, vocab_size):
    """Every token at position >= t replaced by a different one (deterministically)."""
    ids = input_ids.clone()
    shift = 1 + torch.arange(ids.shape[1] - t) % max(vocab_size - 1, 1)
    ids[:, t:] = (ids[:, t:] + shift) % vocab_size
    return ids


def probe(entry, inputs, ctx):
    output = ctx.call(entry, **inputs)
    result = {"output": output, "inputs_after": {k: v for k, v in inputs.items() if type(v) is torch.Tensor}}
    t = ctx.options.get("causality")
    if t is not None:
        copies = {k: v.clone() if type(v) is torch.Tensor else v for k, v in inputs.items()}
        copies["input_ids"] = changed_future(copies["input_ids"], t, copies["w_emb"].shape[0])
        result["changed_future_output"] = ctx.call(entry, **copies)
    return result
