"""What every right decoder satisfies (grader/evidence/properties.py):

- at temperature 0 the same call gives the same tokens, every time, whatever the global
  random seed (the probe seeds it differently for each of the three calls). Broken, it voids
  the ablation stages (a decoder that samples at temperature 0 would make them read like chance);
- when sampling, on a model whose next-token logits are known in closed form (no positions,
  blocks that are the identity: logits = layer_norm(w_emb[token]) @ w_emb.T), its rows draw
  independently, the draws' frequencies follow softmax(logits / T), with top_k no token
  outside the k most likely is ever drawn, and the kept ones follow top_k_probs(logits, T, k)
  (the temperature read back either way).

The sampling readings are made only when the same model's greedy tokens are the argmax of
those logits for every prompt token (else the model itself is wrong, and the ablation stages
say where): they never guess a sampling slip for a model slip.
"""

import torch

from grader.cases import generator, model_weights, randint, randn
from grader.common_props import repeatable
from grader.properties import Broken, Property
from grader.propkit import layer_norm, show

V, D, HEADS = 6, 8, 2
COPIES = 800  # rows of one prompt per sampling trial (and as many again with another generator seed)


def _model(seed: int) -> dict:
    """No positions and zero blocks (each block is the identity): the next token's logits are
    layer_norm(w_emb[last]) @ w_emb.T, computable here."""
    g = generator(seed, "properties: generate sampling")
    return {"w_emb": randn(g, V, D, dtype=torch.float64, scale=0.3), "pos_embed": torch.zeros(4, D, dtype=torch.float64),
            "blocks_weights": torch.zeros(1, 6, D, D, dtype=torch.float64), "num_heads": HEADS}


def _logits(w_emb: torch.Tensor) -> torch.Tensor:
    """Row t: the next token's logits after a prompt of the one token t."""
    return layer_norm(w_emb) @ w_emb.T


def _draws(value) -> torch.Tensor | None:
    """The new token of every row, both generator seeds together, or None."""
    if not isinstance(value, dict):
        return None
    got = [value.get("samples"), value.get("samples_other_seed")]
    if any(type(s) is not torch.Tensor or s.dim() != 2 or s.shape != (COPIES, 2) for s in got):
        return None
    return torch.cat([s[:, -1] for s in got]).long()


def _model_is_right(outs, trials) -> bool:
    """The greedy trial: every prompt token's next token is the argmax of the closed-form logits."""
    greedy = outs[0].get("output") if isinstance(outs[0], dict) else None
    if type(greedy) is not torch.Tensor or greedy.shape != (V, 2):
        return False
    return bool((greedy[:, -1] == _logits(trials[0]["w_emb"]).argmax(-1)).all())


def _fits(draws: torch.Tensor, p: torch.Tensor) -> bool:
    """Frequencies within 5 standard deviations (+ 1/n) of p."""
    n = draws.numel()
    freq = torch.bincount(draws.clamp(0, V - 1), minlength=V)[:V].double() / n
    return bool(((freq - p).abs() <= 5 * torch.sqrt(p * (1 - p) / n) + 1.0 / n).all())


def _freq(draws: torch.Tensor) -> str:
    return show(torch.bincount(draws.clamp(0, V - 1), minlength=V)[:V].double() / draws.numel(), n=V, digits=3)


def independent_rows(outs, trials):
    """Several generator seeds (two per sampling trial): a right sampler's rows never all agree."""
    draws = [_draws(o) for o in outs[1:]]
    if not _model_is_right(outs, trials) or any(d is None for d in draws):
        return None
    firsts = torch.cat([d.view(2, COPIES) for d in draws])
    if not bool((firsts == firsts[:, :1]).all()):
        return None
    t = trials[1]
    logits = _logits(t["w_emb"])[t["prompt_ids"][0, 0]]
    seen = (f"{COPIES} copies of one prompt, whose next token has probabilities "
            f"{show(torch.softmax(logits / t['temperature'], -1), n=V, digits=2)}, all drew the same token under "
            f"each of {firsts.shape[0]} generator seeds ({firsts[:, 0].tolist()})")
    if bool((firsts[:, 0] == int(logits.argmax())).all()):
        return Broken(seen, "every row takes the most likely token when sampling (argmax, not a random draw)")
    if len(set(firsts[:, 0].tolist())) == 1:
        # The same token under every seed: the random numbers do not reach the draw (a shared random number
        # would change with the seed), whatever the reason.
        return Broken(seen, f"every row drew token {int(firsts[0, 0])} under every generator seed: the random numbers "
                            "do not change the draw")
    return Broken(seen, "within one call every row drew the same token, and the token changed with the generator "
                        "seed: the rows of a call are not drawn independently of each other", isolated=True)


def _distribution(logits, temperature, top_k=None):
    """softmax(logits / temperature) over the top_k most likely tokens (all without top_k)."""
    scaled = logits / temperature
    if top_k is not None:
        scaled = scaled.masked_fill(scaled < scaled.topk(top_k).values[-1], float("-inf"))
    return torch.softmax(scaled, -1)


def temperature_read(outs, trials):
    """The temperature the draws follow, read back (with the trial's top_k, if any)."""
    draws = _draws(outs[1])
    if not _model_is_right(outs, trials) or draws is None:
        return None
    t = trials[1]
    logits, temp, k = _logits(t["w_emb"])[t["prompt_ids"][0, 0]], t["temperature"], t.get("top_k")
    right = _distribution(logits, temp, k)
    if _fits(draws, right):
        return None
    what = f"top_k_probs(logits, {temp:g}, {k})" if k is not None else f"softmax(logits / {temp:g})"
    seen = (f"{draws.numel()} draws at temperature {temp:g}{f' with top_k = {k}' if k else ''} gave frequencies "
            f"{_freq(draws)}; {what} is {show(right, n=V, digits=3)}")
    when = " when top_k is given" if k is not None else ""
    readings = [(1.0, f"the temperature is ignored when sampling{when} (the draws follow T = 1)"),
                (1 / temp, f"the logits are multiplied by the temperature instead of divided{when}"),
                (temp ** 2, f"the temperature is applied twice{when}")]
    fits = [name for scale, name in readings if _fits(draws, _distribution(logits, scale, k))]
    if len(fits) == 1 and fits[0].startswith("the temperature is applied twice") and abs(temp ** 2 - 2 * temp) < 1e-9:
        # At T = 2, T * T and 2 * T are both 4: the draws say the temperature, not which of them made it (logits
        # / (2 * T) was once told "the temperature is applied twice").
        return Broken(seen, f"the draws follow temperature {temp ** 2:g}, not {temp:g}{when} (at T = {temp:g}, "
                            f"T * T and 2 * T are both {temp ** 2:g})", isolated=True)
    if len(fits) == 1:
        return Broken(seen, fits[0], isolated=True)
    return None  # something else is wrong with the draws: other properties or the cases say it, not a guess


def top_k_kept(outs, trials):
    draws = _draws(outs[1])
    if not _model_is_right(outs, trials) or draws is None:
        return None
    t = trials[1]
    logits, k = _logits(t["w_emb"])[t["prompt_ids"][0, 0]], t["top_k"]
    allowed = torch.zeros(V, dtype=torch.bool)
    allowed[logits.topk(k).indices] = True
    outside = sorted({int(x) for x in draws[~allowed[draws.clamp(0, V - 1)]]})
    if not outside:
        return None
    seen = (f"with top_k = {k} the only possible tokens are {sorted(logits.topk(k).indices.tolist())}; the draws "
            f"included {outside} (frequencies {_freq(draws)})")
    if _fits(draws, torch.softmax(logits / t["temperature"], -1)):
        return Broken(seen, "top_k is ignored when sampling: the draws follow the whole softmax(logits / T)", isolated=True)
    p = torch.softmax(logits / t["temperature"], -1)
    n = draws.numel()
    freq = torch.bincount(draws.clamp(0, V - 1), minlength=V)[:V].double() / n
    if bool(((freq - p).abs() <= 5 * torch.sqrt(p * (1 - p) / n) + 1.0 / n)[allowed].all()):
        # The kept tokens come out with their softmax probabilities, not renormalised ones: the rest of the
        # mass went to tokens outside the top k.
        return Broken(seen, "the top-k probabilities are not renormalised before the draw: the kept tokens are drawn "
                      "with their plain softmax(logits / T) probabilities, and the missing mass lands on tokens outside "
                      "the top k (divide the kept probabilities by their sum)", isolated=True)
    ranked = torch.zeros(V, dtype=torch.float64)
    ranked[:k] = torch.softmax(logits.double().topk(k).values / t["temperature"], -1)
    if bool((draws < k).all()) and _fits(draws, ranked):
        # What the draws ARE: token id j drawn as often as the j-th most likely token should be.
        return Broken(seen + f"; every draw is an id below {k}, and id j comes out as often as the top-k token of "
                             f"rank j should ({show(ranked[:k], n=k, digits=3)})",
                      "the drawn position in the top-k list is returned as the token id: it is never mapped back "
                      "through top-k's indices to the token it stands for")
    return Broken(seen, "tokens outside the top k are drawn")


def _sampling(seed: int, model: dict, g, **kw) -> tuple[tuple[dict, ...], tuple[dict, ...]]:
    """(greedy trial, sampling trial, the same sampling trial) and their probe options: the
    last two with different generator seeds."""
    greedy = {"prompt_ids": torch.arange(V)[:, None], "max_new_tokens": 1, "end_token_id": -1, **model,
              "temperature": 0.0}
    token = int(randint(g, V, 1))
    sampling = dict(greedy, prompt_ids=torch.full((COPIES, 1), token), **kw)
    opts = [{"sampling": True, "seed": 5000 + 10 * i + seed, "other_seed": 6000 + 10 * i + seed,
             "global_seeds": [17 + seed, 19 + seed]} for i in range(2)]
    return (greedy, sampling, sampling), ({}, *opts)


def properties(seed: int) -> list:
    g = generator(seed, "properties: generate")
    inputs = {"prompt_ids": randint(g, 16, 4, 3), "max_new_tokens": 5, "end_token_id": -1,
              **model_weights(g, 16, 16, 8, 1, scale=0.3), "num_heads": 4, "temperature": 0.0}
    model = _model(seed)
    plain_trials, plain_opts = _sampling(seed, model, g, temperature=2.0, top_k=None)
    k_trials, k_opts = _sampling(seed, model, g, temperature=1.5, top_k=2)
    cold_trials, cold_opts = _sampling(seed, model, g, temperature=0.6, top_k=3)
    return [
        repeatable(inputs, options=tuple({"global_seed": 11 + i} for i in range(3))),
        Property("drawing the rows independently when sampling", plain_trials, independent_rows,
                 "the rows are not drawn independently", f"{COPIES} copies of one prompt, temperature 2, four "
                 "generator seeds", "One uniform number per row: torch.rand(N, 1, generator=generator).",
                 options=plain_opts, key=None),
        Property("sampling from softmax(logits / T)", plain_trials[:2], temperature_read,
                 "the draws do not follow softmax(logits / T)", f"{COPIES} x 2 draws at temperature 2 on a model "
                 "whose logits are known (no positions, identity blocks)", "Divide the logits by the temperature "
                 "before the softmax.", options=plain_opts[:2], key=None),
        Property("drawing only among the top_k tokens", k_trials[:2], top_k_kept, "tokens outside the top k are drawn",
                 f"{COPIES} x 2 draws at temperature 1.5 with top_k = 2 on the same model", "Set every logit below "
                 "the k-th largest to -inf, then take the softmax of THOSE logits.", options=k_opts[:2], key=None),
        Property("sampling from top_k_probs(logits, T, k)", cold_trials[:2], temperature_read,
                 "the draws do not follow top_k_probs(logits, T, k)", f"{COPIES} x 2 draws at temperature 0.6 with "
                 "top_k = 3 on the same model", "top_k_probs(logits, temperature, top_k): divide by the temperature "
                 "once.", options=cold_opts[:2], key=None),
    ]
