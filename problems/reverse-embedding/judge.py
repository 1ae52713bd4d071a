"""Public judge for reverse-embedding (runs in the grader's process, not the sandbox; shipped
in the learner's bundle). The probe reports plain facts about the learner's head built on a
real nn.Embedding; this judges them against `expected`: the logits and gradients the hidden
side computed from the case's inputs alone (reference `expected(case)`, or fixtures.pt)."""

import torch

from grader.compare import Comparison, close, compare_tensors


# The rule the two gradient readings test: each is an exact match with the gradient of one use alone.
BOTH_USES = "the embedding weight's gradient is the sum of its two uses: the lookup on input and the tied head on output"


def _shape(s):
    return "(" + ", ".join(str(n) for n in s) + ("," if len(s) == 1 else "") + ")"


def judge(case, value, tol, expected):
    """What the probe found out (parameters, output, output after an in-place edit, one shared
    parameter, gradient from both uses) against `expected`, the reference's values computed
    from the case's inputs (reference `expected(case)`, or fixtures.pt in a learner's bundle)."""
    if "error" in value:
        return Comparison(False, str(value["error"]))
    V, d = case.inputs["weight"].shape
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

    output = expected["output"]
    verdicts.append(compare_tensors(output, value.get("output"), *tol))

    after = value.get("output_after_edit")
    edited = compare_tensors(expected["output_after_edit"], after, *tol, label="output after editing the embedding")
    if not edited.passed and close(output, after, *tol):
        edited = Comparison(False, "the head owns a copy of the weight: changing the embedding did not change the "
                            "head (after `embedding.weight.add_(delta)` in place, your output was the old one)")
    verdicts.append(edited)

    shapes = value.get("model_params") or []
    if len(shapes) != 1:
        verdicts.append(Comparison(False, f"a model holding the embedding and your head has {len(shapes)} distinct "
                        f"parameters ({', '.join(_shape(s) for s in shapes)}); with tied weights it has exactly one, "
                        f"the embedding's {_shape((V, d))} weight"))

    both, embedding_only = expected["grad"], expected["grad_embedding_only"]
    grad = value.get("grad")
    if "grad_skipped" in value:  # the head's output had the wrong shape or dtype: the output's verdict says so
        pass
    elif grad is None:
        verdicts.append(Comparison(False, "no gradient reached the embedding's weight at all"))
    elif type(grad) is torch.Tensor and grad.shape == both.shape and not close(both, grad, *tol) \
            and close(embedding_only, grad, *tol):
        verdicts.append(Comparison(False, "no gradient reached the embedding through the head: the weight was cut "
                                   "out of autograd there (.detach(), .data and torch.no_grad() all do that); its "
                                   "gradient must be the sum of both uses", rule=BOTH_USES))
    elif type(grad) is torch.Tensor and expected.get("grad_head_only") is not None \
            and grad.shape == both.shape and not close(both, grad, *tol) and close(expected["grad_head_only"], grad, *tol):
        verdicts.append(Comparison(False, "no gradient flows back through the hidden states your head receives: the "
                                   "embedding weight's gradient equals the one from the head's use of the weight alone "
                                   "(the embedding lookup that made the hidden states got none); the gradient must be "
                                   "the sum of both uses", rule=BOTH_USES))
    else:
        verdicts.append(compare_tensors(both, grad, *tol, label="the embedding weight's gradient (from both uses)"))
    return verdicts
