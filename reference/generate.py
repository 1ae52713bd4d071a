"""Hidden reference for generate: the decoding loop, its cases, the data its public judge
(problems/generate/judge.py) compares with, and the known greedy mistakes.

Greedy cases are compared token for token; their end token is one that greedy decoding
really emits, picked so that rows end at different steps. Sampling cases never compare
a seeded token: many copies of a few prompts decode at once, and the judge checks what
every correct sampler satisfies (prompt kept, ids in range, nothing outside the top-k,
end tokens propagated, same generator seed -> same output whatever the global RNG) and
tests the first new token's frequencies against top_k_probs with a chi-square test. The
sampling cases are small (top_k = 4, three new tokens, a vocabulary of 12) so that
`expected(case)` can hold the logits of every context a sampler can reach.
"""

import functools

import torch

from grader.cases import CREDIT_WITH, Case, generator, randint, randn
from grader.course import sibling
from grader.judge import public_module
from grader.mistakes import Mistake

M = sibling(__file__, "_model")
S = sibling(__file__, "sample")  # the sampler
K = sibling(__file__, "top_k")


def next_token_probs(logits, temperature, top_k):
    if top_k is None:
        return torch.softmax(logits / temperature, dim=-1)
    return K.top_k_probs(logits, temperature, top_k)


def generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights, num_heads,
             temperature=0.0, top_k=None, generator=None):
    ids = prompt_ids
    done = torch.zeros(ids.shape[0], dtype=torch.bool)  # rows that have emitted end_token_id
    for _ in range(max_new_tokens):
        logits = M.causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]  # (N, V)
        if temperature == 0:
            nxt = logits.argmax(dim=-1)
        else:
            nxt = S.sample(next_token_probs(logits, temperature, top_k), generator)
        nxt = torch.where(done, torch.full_like(nxt, end_token_id), nxt)
        done |= nxt == end_token_id
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids


# --------------------------------------------------------------------------- cases
def _weights(g, V, d, rows, num_blocks, dtype=torch.float32, emb_scale=1.0, block_scale=2.0):
    """Larger block weights than the other problems' cases: greedy decoding then wanders
    through many tokens instead of repeating the last one."""
    return {"w_emb": randn(g, V, d, dtype=dtype, scale=emb_scale), "pos_embed": randn(g, rows, d, dtype=dtype),
            "blocks_weights": randn(g, num_blocks, 6, d, d, dtype=dtype, scale=block_scale * d ** -0.5)}


def greedy_margins(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights, num_heads,
                   relative=False, **_) -> torch.Tensor:
    """The gap between the best and second-best logit at every greedy step of every row still
    decoding (`relative`: divided by the row's largest |logit|), float64."""
    ids, done, gaps = prompt_ids, torch.zeros(prompt_ids.shape[0], dtype=torch.bool), []
    for _ in range(max_new_tokens):
        logits = M.causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        top = logits.double().topk(2, dim=-1).values
        gap = top[:, 0] - top[:, 1]
        if relative:
            gap = gap / logits.double().abs().amax(-1)
        gaps.append(gap[~done])
        nxt = torch.where(done, torch.full_like(top[:, 0], end_token_id, dtype=torch.int64), logits.argmax(-1))
        done |= nxt == end_token_id
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return torch.cat(gaps) if gaps else torch.zeros(0, dtype=torch.float64)


def greedy_margin(*args, **kwargs) -> float:
    """The smallest of greedy_margins: cases keep it far above rounding, so argmax has no ties."""
    gaps = greedy_margins(*args, **kwargs)
    return float(gaps.min()) if gaps.numel() else float("inf")


def pick_end_token(new_tokens, prompt_ids, min_score=2):
    """A token greedy decoding emits, chosen so that rows end at different steps (some
    never) and a row that ends would otherwise have gone on with other tokens."""
    best, best_score = None, min_score - 1
    steps = new_tokens.shape[1]
    for e in range(1, 1 + int(new_tokens.max())):
        hits = new_tokens == e
        first = [int(h.nonzero()[0]) if h.any() else None for h in hits]
        ended = [f for f in first if f is not None]
        if not ended or (prompt_ids == e).any() or min(ended) >= steps - 1:
            continue
        # after some row's end token, greedy would have produced something else
        goes_on = any(f is not None and f + 1 < steps and (new_tokens[r, f + 1:] != e).any() for r, f in enumerate(first))
        if not goes_on:
            continue
        score = len(set(ended)) + 2 * (len(ended) < len(first))
        if score > best_score:
            best, best_score = e, score
    return best


# The margins a greedy case keeps (see greedy_margins): (smallest, relative?, close, how many): every
# margin at least `smallest`, far above rounding (float32 rounding moves a logit by about 1e-6 of its
# size in any style), and at least `how many` decisions closer than `close`.
WIDE = (1e-3, False, None, 0)
# Small but safe: several decisions within 1e-2, so a forward pass a little off (a GELU constant)
# flips some token, while a correct one in any style (float64 inside, einsum, a KV cache) never does.
NARROW = (1e-3, False, 1e-2, 3)
TINY = (1e-3, True, None, 0)  # a residual stream near eps: the logits are tiny, their margins relative


def _tiny(weights, scale=1e-3):
    """A residual stream of size `scale` throughout (embeddings, positions and what the blocks
    add back, w_o and w_mlp2): its variance is far below eps, so layer norm's eps decides."""
    bw = weights["blocks_weights"].clone()
    bw[:, 3] *= scale
    bw[:, 5] *= scale
    return {**weights, "w_emb": weights["w_emb"] * scale, "pos_embed": weights["pos_embed"] * scale,
            "blocks_weights": bw}


def _greedy_case(seed, name, about, *, N, T0, new, V, d, num_heads, num_blocks, rows=None, dtype=torch.float32,
                 end_in_prompt=False, extra=None, margins=WIDE, reshape=None, attempts=100, extra_options=None):
    low, relative, close, how_many = margins
    for attempt in range(attempts):
        g = generator(seed, f"{name}#{attempt}")
        weights = _weights(g, V, d, rows or T0 + new + 3, num_blocks, dtype)
        inputs = {"prompt_ids": randint(g, V, N, T0), "max_new_tokens": new, "end_token_id": -1,
                  **(reshape(weights) if reshape else weights), "num_heads": num_heads}
        inputs.update(extra or {})
        if close is not None:  # cheap first: enough close decisions before an end token is picked
            gaps = greedy_margins(**inputs)
            if float(gaps.min()) < low or int((gaps < close).sum()) < how_many:
                continue
        if new == 0:
            inputs["end_token_id"] = 1
            return Case(name, inputs, about, options=dict(extra_options or {}))
        free = generate(**inputs)[:, T0:]
        end = pick_end_token(free, inputs["prompt_ids"], min_score=2 if N > 1 else 1)
        if end is None:
            continue
        inputs["end_token_id"] = end
        if end_in_prompt:  # the end token inside row 0's prompt must not stop it
            inputs["prompt_ids"][0, T0 // 2] = end
            if (generate(**inputs)[:, T0:] == end).sum() == 0:
                continue
        gaps = greedy_margins(**inputs, relative=relative)
        if float(gaps.min()) >= low and (close is None or int((gaps < close).sum()) >= how_many):
            return Case(name, inputs, about)
    raise AssertionError(f"{name}: no case without near-ties")  # pragma: no cover


def _sampling_case(seed, name, about, *, copies, prompts, T0, new, V, d, temperature, top_k, emb_scale,
                   end_rank=None):
    """`copies` rows of each of `prompts` prompts. Chosen so the first new token's
    distribution is spread out (no token above 0.65; at least 8% of the plain softmax
    mass outside the top-k) and far from the one without temperature (a chi-square
    noncentrality of 100 or more: ignoring the temperature fails with p < 1e-15)."""
    for attempt in range(200):
        g = generator(seed, f"{name}#{attempt}")
        weights = _weights(g, V, d, T0 + new, 1, emb_scale=emb_scale, block_scale=1.0)
        distinct = randint(g, V, prompts, T0)
        logits = M.causal_lm_forward(distinct, weights["w_emb"], weights["pos_embed"], weights["blocks_weights"],
                                     2)[:, -1]
        probs = next_token_probs(logits, temperature, top_k)
        no_temperature = next_token_probs(logits, 1.0, top_k)
        n = copies
        power = float((n * (no_temperature - probs) ** 2 / probs.clamp(min=1e-12))[probs > 0].sum())
        if probs.max() > 0.65 or power < 100:
            continue
        if top_k is not None:
            if K.boundary_gap(logits, temperature, top_k) < 1e-2:
                continue
            plain = torch.softmax(logits / temperature, dim=-1)
            if float((plain * (probs == 0)).sum(-1).min()) < 0.08:
                continue
        end = 1 if end_rank is None else int(probs[0].argsort(descending=True)[end_rank])
        if (distinct == end).any():  # the greedy cases test an end token inside a prompt
            continue
        inputs = {"prompt_ids": distinct.repeat(copies, 1), "max_new_tokens": new, "end_token_id": end, **weights,
                  "num_heads": 2, "temperature": temperature, "top_k": top_k}
        opts = {"sampling": True, "prompts": prompts, "seed": _seed(g), "global_seeds": [_seed(g), _seed(g)],
                "other_seed": _seed(g), "fresh_rerun": {}}  # fresh_rerun: run again in its own process
        return Case(name, inputs, about, options=opts)
    raise AssertionError(f"{name}: no spread-out distribution found")  # pragma: no cover


def _few_rows_case(seed, name, about, *, copies, prompts, T0, new, V, d, temperature, top_k):
    """Fewer rows than tokens, every prompt's top_k ids at or above the number of rows: an id
    clamped to the number of rows (probs.shape[0] - 1, not probs.shape[-1] - 1) falls outside
    the top k. Enough rows and steps that two seeds never give the same output by chance."""
    N = copies * prompts
    for attempt in range(200):
        g = generator(seed, f"{name}#{attempt}")
        weights = _weights(g, V, d, T0 + new, 1, emb_scale=0.4, block_scale=1.0)
        distinct = randint(g, V, prompts, T0)
        logits = M.causal_lm_forward(distinct, weights["w_emb"], weights["pos_embed"], weights["blocks_weights"],
                                     2)[:, -1]
        probs = next_token_probs(logits, temperature, top_k)
        if int(probs.topk(top_k, -1).indices.min()) < N or K.boundary_gap(logits, temperature, top_k) < 1e-2:
            continue
        if float(probs.max()) > 0.7 or (distinct == 0).any():
            continue
        inputs = {"prompt_ids": distinct.repeat(copies, 1), "max_new_tokens": new, "end_token_id": 0, **weights,
                  "num_heads": 2, "temperature": temperature, "top_k": top_k}
        opts = {"sampling": True, "prompts": prompts, "seed": _seed(g), "global_seeds": [_seed(g), _seed(g)],
                "other_seed": _seed(g), "fresh_rerun": {}}
        return Case(name, inputs, about, options=opts)
    raise AssertionError(f"{name}: no prompts whose top-k ids are all high")  # pragma: no cover


def _seed(g) -> int:
    return int(torch.randint(0, 2**62, (1,), generator=g))


def cases(seed: int) -> list[Case]:
    shape = dict(V=24, d=16, num_heads=2, num_blocks=2)
    return [
        _greedy_case(seed, "greedy: rows end at different steps", "an end token that greedy emits: rows stop "
                     "independently and stay ended", N=5, T0=3, new=10, rows=16, **shape),
        _greedy_case(seed, "greedy: end token inside a prompt", "an end token in the prompt does not stop its row",
                     N=4, T0=4, new=8, end_in_prompt=True, **shape),
        _greedy_case(seed, "greedy: N = 1", "one sequence", N=1, T0=3, new=7, **shape),
        _greedy_case(seed, "greedy: up to max_len", "T0 + max_new_tokens = max_len: the last position is used",
                     N=3, T0=2, new=10, rows=12, extra={"temperature": 0.0}, **shape),
        _greedy_case(seed, "greedy: prompt of one token", "T0 = 1", N=4, T0=1, new=8, **shape),
        _greedy_case(seed, "greedy: num_blocks = 0", "embedding + position, ln_f and the tied head", N=4, T0=3, new=6,
                     V=24, d=16, num_heads=2, num_blocks=0),
        _greedy_case(seed, "greedy: top_k ignored at temperature 0", "temperature 0 means argmax whatever top_k is",
                     N=3, T0=3, new=6, extra={"temperature": 0.0, "top_k": 2}, **shape),
        _greedy_case(seed, "greedy: float64", "float64 weights; the ids are int64", N=3, T0=3, new=7,
                     dtype=torch.float64, **shape),
        _greedy_case(seed, "greedy: close top-2 logits", "32 rows whose best two logits come within 1e-3 to 1e-2 "
                     "of each other at 3 steps or more: a forward pass a little off (a constant, an eps) picks "
                     "another token", N=32, T0=3, new=10, margins=NARROW, attempts=300, **shape),
        _greedy_case(seed, "greedy: a residual stream near eps", "embeddings, positions and block outputs of size "
                     "1e-3: the stream's variance is far below eps = 1e-5, so eps inside the square root decides",
                     N=6, T0=3, new=8, margins=TINY, reshape=_tiny, **shape),
        _greedy_case(seed, "edge: max_new_tokens = 0", "the prompt comes back unchanged (credited only with the "
                     "first greedy case: echoing the prompt is no work)", N=2, T0=4, new=0,
                     extra_options={CREDIT_WITH: "greedy: rows end at different steps"}, **shape),
        _sampling_case(seed, "sampling: top_k = 4, temperature 0.7", "2 prompts x 1500 rows: the first new token "
                       "follows top_k_probs; later tokens stay in the top 4; ended rows stay ended", copies=1500,
                       prompts=2, T0=3, new=3, V=12, d=16, temperature=0.7, top_k=4, emb_scale=0.3, end_rank=1),
        _sampling_case(seed, "sampling: temperature 1.5, no top_k", "3000 rows of one prompt: the first new token "
                       "follows softmax(logits / 1.5)", copies=3000, prompts=1, T0=4, new=1, V=12, d=16,
                       temperature=1.5, top_k=None, emb_scale=0.5),
        _few_rows_case(seed, "sampling: 8 rows, V = 48", "fewer rows than tokens, every top-4 id above 7: ids "
                       "run up to V - 1, whatever the number of rows", copies=2, prompts=4, T0=3, new=3, V=48, d=16,
                       temperature=1.0, top_k=4),
    ]


# --------------------------------------------------------------------------- what the public judge compares with
def _public():
    """The public judge (problems/generate/judge.py), loaded on use so that this file also
    runs alone, as a learner's file (`grader validate`)."""
    return public_module(__file__, "generate")


def reachable_contexts(inputs, distinct: int) -> dict:
    """The last-position logits of every context a sampler can reach from the first
    `distinct` prompts: a prompt, then any token within the public judge's margin of the
    top k, until max_new_tokens are drawn or the end token is. Keyed as the judge keys them."""
    J, k, T = _public(), inputs["top_k"], inputs["temperature"]
    weights = (inputs["w_emb"], inputs["pos_embed"], inputs["blocks_weights"], inputs["num_heads"])
    contexts, frontier = {}, list(inputs["prompt_ids"][:distinct])
    for step in range(inputs["max_new_tokens"]):
        if not frontier:
            break
        logits = M.causal_lm_forward(torch.stack(frontier), *weights)[:, -1]
        following = []
        for ids, row in zip(frontier, logits):
            contexts[J.context_key(ids)] = row.clone()
            scaled = row.double() / T
            allowed = (scaled >= scaled.topk(k).values[-1] - J.TOP_K_MARGIN).nonzero().flatten()
            following += [torch.cat([ids, token.reshape(1)]) for token in allowed
                          if int(token) != inputs["end_token_id"]]
        frontier = following if step + 1 < inputs["max_new_tokens"] else []
    return contexts


def expected(case):
    """Greedy: the reference's ids. Sampling: the first new token's distribution for each
    distinct prompt and, with top_k, the logits of every context a sampler can reach."""
    inputs = case.pristine_inputs()
    if not case.options.get("sampling"):
        return {"ids": generate(**inputs)}
    R = case.options["prompts"]
    logits = M.causal_lm_forward(inputs["prompt_ids"][:R], inputs["w_emb"], inputs["pos_embed"],
                                 inputs["blocks_weights"], inputs["num_heads"])[:, -1]
    contexts = reachable_contexts(inputs, R) if inputs["top_k"] is not None else {}
    return {"first_probs": next_token_probs(logits.double(), inputs["temperature"], inputs["top_k"]),
            "contexts": contexts}


# --------------------------------------------------------------------------- known mistakes (greedy)
def _forward_last(ids, w_emb, pos_embed, blocks_weights, num_heads):
    return M.causal_lm_forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]


def _loop(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights, num_heads, *,
          propagate=True, stop_all=False, shorten=False, keep_prompt=True, position0=False, last_only=False,
          prompt_stops=False, pad=None, **_):
    """The greedy loop with one realistic error switched on."""
    ids = prompt_ids
    done = (prompt_ids == end_token_id).any(dim=1) if prompt_stops else torch.zeros(ids.shape[0], dtype=torch.bool)
    steps = 0
    for _ in range(max_new_tokens):
        context = ids[:, -1:] if last_only else ids
        logits = M.causal_lm_forward(context, w_emb, pos_embed, blocks_weights, num_heads)
        nxt = logits[:, 0 if position0 else -1].argmax(dim=-1)
        if propagate:
            nxt = torch.where(done, torch.full_like(nxt, end_token_id if pad is None else pad), nxt)
            done |= nxt == end_token_id
        ids = torch.cat([ids, nxt[:, None]], dim=1)
        steps += 1
        if stop_all and (nxt == end_token_id).any():
            break
    if stop_all and not shorten:  # the rest of every row filled with the end token
        ids = torch.cat([ids, torch.full((ids.shape[0], max_new_tokens - steps), end_token_id)], dim=1)
    return ids if keep_prompt else ids[:, prompt_ids.shape[1]:]


def _cached_without_offset(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights, num_heads,
                           **_):
    """Prefill the prompt through a KV cache, then decode new token s at index s
    instead of T0 + s (overwriting the prompt's keys and values)."""
    N, T0 = prompt_ids.shape
    d = w_emb.shape[1]
    cache = torch.zeros(blocks_weights.shape[0], 2, N, num_heads, pos_embed.shape[0], d // num_heads,
                        dtype=w_emb.dtype)
    for t in range(T0):
        logits, cache = M.causal_lm_step(prompt_ids[:, t], t, cache, w_emb, pos_embed, blocks_weights, num_heads)
    ids, done = prompt_ids, torch.zeros(N, dtype=torch.bool)
    for s in range(max_new_tokens):
        nxt = torch.where(done, torch.full((N,), end_token_id), logits.argmax(dim=-1))
        done |= nxt == end_token_id
        ids = torch.cat([ids, nxt[:, None]], dim=1)
        if s + 1 < max_new_tokens:
            logits, cache = M.causal_lm_step(nxt, s, cache, w_emb, pos_embed, blocks_weights, num_heads)
    return ids


def _greedy_only(loop):
    """A greedy mistake says nothing about a sampling case (its draws are never compared
    with a mistake's): None there, which also keeps the bundle's fixtures small."""
    def fn(**inputs):
        return None if inputs.get("temperature", 0.0) > 0 else loop(**inputs)

    return fn


def _mistake(**switches):
    return _greedy_only(lambda **inputs: _loop(**inputs, **switches))


_STOP_ALL = ("The loop stops every row as soon as one row emits the end token; rows must stop independently.",
             "Track a `finished` flag per row; stop early only when every row has finished, and still return "
             "max_new_tokens new tokens per row.")

MISTAKES = [
    Mistake("end token not propagated", _mistake(propagate=False),
            "A row that emitted the end token keeps generating: its later tokens are whatever argmax gives.",
            "Keep a per-row `finished` mask; for finished rows, append end_token_id instead of the argmax."),
    Mistake("all rows stop when one ends", _mistake(stop_all=True), *_STOP_ALL),
    Mistake("all rows stop when one ends", _mistake(stop_all=True, shorten=True), *_STOP_ALL),
    Mistake("prompt dropped", _mistake(keep_prompt=False),
            "Only the new tokens are returned; the output is the prompt followed by the new tokens.",
            "Return the whole sequence: torch.cat([prompt_ids, new_tokens], dim=1)."),
    Mistake("logits of position 0", _mistake(position0=True),
            "The next token is chosen from the logits at position 0 (the first token's prediction) instead of the "
            "last position's.",
            "The next token follows the last position: logits[:, -1]."),
    Mistake("only the last token fed to the model", _mistake(last_only=True),
            "Each step runs the model on the last token alone, so it sits at position 0 with no context.",
            "Run the model on the whole sequence so far (or keep a KV cache and step at index T0 + s)."),
    Mistake("end token in the prompt stops the row", _mistake(prompt_stops=True),
            "A row whose prompt contains the end token is treated as finished before generating anything.",
            "Start with every row unfinished; only a generated end token finishes a row."),
    Mistake("finished rows padded with 0", _mistake(pad=0),
            "After a row ends, the code appends 0 (a padding id) instead of end_token_id.",
            "Append end_token_id to finished rows."),
    Mistake("cached decoding without the prompt's offset", _greedy_only(_cached_without_offset),
            "With a KV cache, new token s is stepped at index s instead of T0 + s: it gets the wrong position "
            "embedding and overwrites the prompt's keys and values.",
            "The first new token is at position T0 (the prompt occupies 0..T0-1): step at index T0 + s."),
]


# --------------------------------------------------------------------------- ablation (grader/evidence/ablation.py)
WORDS = {"head": "with no blocks and no positions the next token depends only on the last token "
                 "(argmax of layer_norm(w_emb[last]) @ w_emb.T), and yours differ: the logits used (the LAST "
                 "position's), the final layer norm, the tied head, how the chosen token is appended, or how the "
                 "greedy token is chosen at temperature 0 (the argmax of the logits, never divided by the "
                 "temperature) is wrong",
         "positions": "with no blocks, the tokens chosen once positions are added are wrong: the positional "
                      "embeddings are added wrongly as the sequence grows (pos_embed[:T] for the current length T), "
                      "the model is not run on the whole sequence so far (a cut or sliding context shifts every "
                      "position), or the next token is read from the wrong position's logits (it must be the last "
                      "position of the sequence so far; with no blocks and no positions the same token is often chosen at "
                      "every step, which hid it)",
         "causal": "the causal mask of the forward pass is wrong"}


@functools.lru_cache(maxsize=4)
def ablations(seed: int) -> list:
    """Greedy decoding with parts of the model switched off through its weights; tokens are compared."""
    g = generator(seed, "ablation")
    base = {"prompt_ids": randint(g, 24, 4, 3), "max_new_tokens": 6, "end_token_id": -1,
            **_weights(g, 24, 16, 12, 2), "num_heads": 4}
    # Tokens are compared, not logits: an offset per embedding row makes the final layer norm's
    # centring change which token wins, so a missing ln_f shows already without blocks.
    base["w_emb"] = base["w_emb"] + 2.0 * randn(g, 24, 1)
    base["pos_embed"] = base["pos_embed"] * 3.0  # positions strong enough to change the greedy tokens
    return sibling(__file__, "_ablate").lm_stages(seed, base, generate, MISTAKES, causal=True, words=WORDS, final_norm=True,
                                                  one_position=lambda b: {"prompt_ids": b["prompt_ids"][:, :1], "max_new_tokens": 1},
                                                  other_ways=False)
