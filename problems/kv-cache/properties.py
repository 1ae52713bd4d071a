"""What every right decode step satisfies beyond its ablation stages (grader/evidence/properties.py),
through the problem's probe (every position decoded from a zero cache): a sequence's logits
do not depend on the other sequences of the batch, and the same decoding run twice gives
the same logits (nothing kept between calls). And one step handed a filled cache reads it:
two different caches give different logits (the same one twice, the same logits). And the
cache it writes holds what the contract says: with the first block switched off and w_k, w_v
multiples of the identity, block i's slot at position 0 must be exactly c * layer_norm(x)
split into heads, so a cache that is only self-consistent (keys stored pre-scaled, one
block's keys in every slot, keys and values swapped) is seen."""

import torch

from grader.cases import generator, model_weights, randint, randn
from grader.common_props import batch_swap, causal_prefix, repeatable
from grader.properties import Broken, Property
from grader.propkit import layer_norm, near, show, tensor


def reads_its_cache(outs, trials):
    """(cache A, cache B, cache A): a right step's logits follow the cache it is handed."""
    a, b, again = (tensor(o) for o in outs)
    if a is None or b is None or again is None or a.shape != b.shape or not near(a, again, 1e-9, 1e-7):
        return None  # not repeatable: the repeatability property says so
    if not near(a, b, 1e-9, 1e-7):
        return None
    # Said as measured: the past slots are not read, whether the keys come from elsewhere (kept, recomputed) or
    # only the slot just written is attended to (once told "its keys and values come from somewhere else").
    return Broken(f"the step at index {trials[0]['input_ids'].shape[1] - 1}, handed two different filled caches, "
                  f"returned the same logits {show(a[0])}",
                  "the step's logits do not depend on the past in the cache it is handed: two different filled caches "
                  "gave the same logits", isolated=True)


# Block i's w_k and w_v in the cache-contents trial: distinct multiples of the identity.
KEY_SCALES, VALUE_SCALES = (1.0, 1.7), (-1.3, 2.3)  # no ratio among them is a power of 2 or sqrt(2)


def _contents_trial(inputs):
    """Two blocks, the first switched off (w_o = w_mlp2 = 0), so both read x = w_emb[t] + pos_embed[0];
    block i's w_k = KEY_SCALES[i] * I and w_v = VALUE_SCALES[i] * I; one position."""
    bw = inputs["blocks_weights"][:2].clone()
    eye = torch.eye(bw.shape[-1], dtype=bw.dtype)
    for i in range(2):
        bw[i, 1], bw[i, 2] = KEY_SCALES[i] * eye, VALUE_SCALES[i] * eye
    bw[0, 3], bw[0, 5] = 0, 0
    return dict(inputs, input_ids=inputs["input_ids"][:, :1], blocks_weights=bw)


def slots_crossed(outs, trials):
    """A slot holding exactly another slot's content (keys and values swapped, one block's in
    another's): a gate, as every ablation stage decodes through this cache."""
    return _contents(outs, trials, crossed=True)


def cache_contents(outs, trials):
    return _contents(outs, trials, crossed=False)


def _contents(outs, trials, crossed):
    """Block 0's keys (values) at position 0 against KEY_SCALES[0] (VALUE_SCALES[0]) * layer_norm(x):
    they depend only on the embedding, the position and the layer norm. Block 1's slots are read
    only for a sharper fact: holding exactly another slot's content (they rest on block 0 being
    the identity, which the ablation's stages check). `crossed`: only that fact; otherwise all
    but it."""
    value, inputs = outs[0], trials[0]
    caches = value.get("caches") if isinstance(value, dict) else None
    cache = tensor(caches[0]) if isinstance(caches, list) and caches else None
    heads, ids = inputs["num_heads"], inputs["input_ids"]
    x = inputs["w_emb"][ids[:, 0]] + inputs["pos_embed"][0]
    unit = layer_norm(x).reshape(x.shape[0], heads, -1)  # (N, H, d_head)
    if cache is None or cache.ndim != 6 or tuple(cache.shape[:4]) != (2, 2, x.shape[0], heads) \
            or cache.shape[-1] != unit.shape[-1]:
        return None  # the judge's shape message says it
    slot = cache[:, :, :, :, 0]  # (block, k/v, N, H, d_head)
    expected = {(i, kv): (KEY_SCALES, VALUE_SCALES)[kv][i] * unit for i in range(2) for kv in range(2)}
    words = {0: "keys", 1: "values"}
    formula = {0: "layer_norm(x) @ w_k", 1: "layer_norm(x) @ w_v"}
    for (i, kv), e in expected.items():
        got = slot[i, kv]
        if near(got, e, 1e-6, 1e-5):
            continue
        where = f"block {i}'s {words[kv]} at position 0"
        seen = (f"{where} are {show(got)}; {formula[kv]} split into heads, x = w_emb[token] + pos_embed[0], is "
                f"{show(e)}")
        others = [key for key, e2 in expected.items() if key != (i, kv) and near(got, e2, 1e-6, 1e-5)]
        if others:
            if not crossed:
                continue
            j, other = others[0]
            which = f"block {j}'s {words[other]}" if j != i else f"its {words[other]}"
            return Broken(seen, f"the cache slot for {where} holds {which}: each block writes its own keys and "
                          "values into its own slot, cache[i, 0] keys and cache[i, 1] values", isolated=True)
        if i > 0 or crossed:
            continue  # block 1's input rests on block 0 being the identity: no claim beyond the above
        ratio = float((got * e).sum() / (e * e).sum())
        if abs(ratio - 1) > 1e-3 and abs(ratio) > 1e-3 and near(got, ratio * e, 1e-6, 1e-5):
            d_head = unit.shape[-1]
            named = {1 / d_head ** 0.5: "1/sqrt(d_head)", d_head ** 0.5: "sqrt(d_head)",
                     1 / (d_head * heads) ** 0.5: "1/sqrt(d_model)", (d_head * heads) ** 0.5: "sqrt(d_model)"}
            label = next((n for v, n in named.items() if abs(ratio - v) <= 1e-3 * v), None)
            factor = f"{ratio:.4g}" + (f" = {label}" if label else "")
            return Broken(seen, f"the cache holds {words[kv]} multiplied by {factor}: it must hold "
                          f"{formula[kv]} as they are (any scale belongs in the scores), so a cache filled by "
                          "another implementation is misread and yours misleads one", isolated=True)
        return Broken(seen, f"the {words[kv]} cached by the first block are not {formula[kv]} split into heads "
                      "for this token (x = w_emb[token] + pos_embed[index])")
    return None


def _handed(g, inputs, T, max_len):
    """Inputs for one step at index T - 1 with a random cache filled for positions < T - 1."""
    blocks, heads = inputs["blocks_weights"].shape[0], inputs["num_heads"]
    N, d = inputs["input_ids"].shape[0], inputs["w_emb"].shape[1]
    cache = torch.zeros(blocks, 2, N, heads, max_len, d // heads, dtype=torch.float64)
    cache[:, :, :, :, :T - 1] = randn(g, blocks, 2, N, heads, T - 1, d // heads, dtype=torch.float64)
    return dict(inputs, input_ids=inputs["input_ids"][:, :T], cache=cache)


def properties(seed: int) -> list:
    g = generator(seed, "properties: kv-cache")
    inputs = {"input_ids": randint(g, 20, 3, 5), "max_len": 6,
              **model_weights(g, 20, 16, 6, 2, dtype=torch.float64), "num_heads": 4}
    a, b = _handed(g, inputs, 4, 6), _handed(g, inputs, 4, 6)
    return [repeatable(inputs), batch_swap(inputs, ("input_ids",)), causal_prefix(inputs, "input_ids"),
            Property("writing each block's keys and values into that block's own key and value slots",
                     (_contents_trial(inputs),), slots_crossed, "the cache's slots are crossed",
                     "one step at index 0, two blocks, the first switched off (w_o = w_mlp2 = 0), w_k and w_v of "
                     "block i multiples of the identity (keys 1 and 1.7, values -1.3 and 2.3)",
                     "cache[i, 0, :, :, index] = keys of block i, cache[i, 1, :, :, index] = its values.", key=None,
                     gate=True),
            Property("writing k = layer_norm(x) @ w_k and v = layer_norm(x) @ w_v into each block's own slot",
                     (_contents_trial(inputs),), cache_contents, "the cache does not hold what the contract says",
                     "one step at index 0, two blocks, the first switched off (w_o = w_mlp2 = 0), w_k and w_v of "
                     "block i multiples of the identity (keys 1 and 1.7, values -1.3 and 2.3)",
                     "cache[i, 0, :, :, index] = keys of block i, cache[i, 1, :, :, index] = its values, split "
                     "into heads (num_heads, d_head), unscaled.", key=None),
            Property("reading the cache it is handed", (a, b, a), reads_its_cache,
                     "the step ignores the cache it is handed", "one step at index 3, handed a cache filled with "
                     "random keys and values, then another, then the first again",
                     "Attend over cache[i, 0/1, :, :, :index + 1], the cache passed in, after writing this "
                     "position into it.")]
