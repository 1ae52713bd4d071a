"""Shared by the language-model tests (mlm-forward, mlm-tied-head, causal-lm): the
building blocks as a learner writes them, a helper that makes a one-line bug out of a
correct solution, and a check that a problem's known mistakes can be told apart."""

import itertools
import textwrap

from grader.compare import close
from grader.judge import case_tolerance

# The earlier problems' pieces, as they would sit at the top of a learner's file.
BLOCKS = textwrap.dedent('''
    import math
    import torch


    def layer_norm(x, eps=1e-5):
        mean = x.mean(-1, keepdim=True)
        var = x.var(-1, keepdim=True, unbiased=False)
        return (x - mean) / torch.sqrt(var + eps)


    def gelu(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


    def attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
        N, T, d = x.shape
        d_head = d // num_heads
        q, k, v = [(x @ w).view(N, T, num_heads, d_head).transpose(1, 2) for w in (w_q, w_k, w_v)]
        scores = q @ k.transpose(-2, -1) / math.sqrt(d_head)
        if causal:
            allowed = torch.ones(T, T, dtype=torch.bool).tril()
            scores = scores.masked_fill(~allowed, float("-inf"))
        weights = torch.softmax(scores, dim=-1)
        return (weights @ v).transpose(1, 2).reshape(N, T, d) @ w_o


    def block(x, weights, num_heads, causal=False):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = weights
        x = x + attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
        return x
''')


def variant(source: str, old: str, new: str) -> str:
    """`source` with one piece of code replaced; fails loudly if the piece is not there once."""
    assert source.count(old) == 1, f"expected exactly one {old!r} in the source"
    return source.replace(old, new)


def line_of(source: str, marker: str) -> int:
    """1-based line of the first line containing `marker`, as the grader numbers the file."""
    return next(i for i, line in enumerate(textwrap.dedent(source).splitlines(), 1) if marker in line)


ERF_GELU = ("return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))",
            "return 0.5 * x * (1 + torch.erf(x / math.sqrt(2)))")
D_MODEL_SCALE = ("/ math.sqrt(d_head)", "/ math.sqrt(d)")
POST_LN = ("""    x = x + attention(layer_norm(x), w_q, w_k, w_v, w_o, num_heads, causal)
    x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2""",
           """    x = layer_norm(x + attention(x, w_q, w_k, w_v, w_o, num_heads, causal))
    x = layer_norm(x + gelu(x @ w_mlp1) @ w_mlp2)""")


def indistinguishable_pairs(problem, seeds=(0, 1)) -> list[tuple[str, str]]:
    """Pairs among the reference and the known mistakes whose outputs agree (within the
    case tolerance) on every case of some seed: diagnosis could not tell them apart."""
    ref = problem.reference
    found = []
    for seed in seeds:
        cases = ref.cases(seed)
        fns = {"reference": getattr(ref, problem.entry), **{m.name: m.fn for m in ref.MISTAKES}}
        outs = {name: [fn(**c.pristine_inputs()) for c in cases] for name, fn in fns.items()}
        for a, b in itertools.combinations(outs, 2):
            if all(close(x, y, *case_tolerance(problem, c)) for c, x, y in zip(cases, outs[a], outs[b])):
                found.append((a, b))
    return found


# --------------------------------------------------------------------------- kv-cache steps
# A decode step as a learner writes it, in several correct styles (their work is measured by
# benchmarks/kv_work_margins.py), and steps that break "the output depends only on the
# arguments" or "the work of one new token" while giving the right logits on a plain decode
# (issue 16, class 7): they keep the token history between calls and recompute the prefix
# with ops that are not matrix products.
KV_COMMON = textwrap.dedent('''
    import math
    import torch


    def ln(x, eps=1e-5):
        m = x.mean(-1, keepdim=True)
        return (x - m) / torch.sqrt(((x - m) ** 2).mean(-1, keepdim=True) + eps)


    def gelu(x):
        return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
''')

# The cached step every recomputing breaker falls back on when its history does not continue.
_KV_CACHED = '''
def cached_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    x = (w_emb[token_ids] + pos_embed[index])[:, None]
    d = x.shape[-1]; dh = d // num_heads
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = ln(x)
        q, k, v = [(h @ w).view(N, 1, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        K, V = cache[i, 0, :, :, :index + 1], cache[i, 1, :, :, :index + 1]
        a = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), -1) @ V
        x = x + a.transpose(1, 2).reshape(N, 1, d) @ wo
        x = x + gelu(ln(x) @ w1) @ w2
    return (ln(x) @ w_emb.T)[:, 0], cache
'''

# The whole prefix again, every product a broadcast multiply and a sum (no matmul is dispatched).
_KV_RECOMPUTE = '''
def mm(a, b):
    return (a[..., :, :, None] * b[..., None, :, :]).sum(-2)


def recompute(ids, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N, T = ids.shape
    x = w_emb[ids] + pos_embed[:T]
    d = x.shape[-1]; dh = d // num_heads
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = ln(x)
        q, k, v = [mm(h, w).view(N, T, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        cache[i, 0, :, :, T - 1] = k[:, :, T - 1]
        cache[i, 1, :, :, T - 1] = v[:, :, T - 1]
        s = (q[:, :, :, None, :] * k[:, :, None, :, :]).sum(-1) / math.sqrt(dh)
        p = torch.softmax(s.masked_fill(~allowed, float('-inf')), -1)
        a = (p[..., None] * v[:, :, None, :, :]).sum(-2)
        x = x + mm(a.transpose(1, 2).reshape(N, T, d), wo)
        x = x + mm(gelu(mm(ln(x), w1)), w2)
    return mm(ln(x[:, -1:]), w_emb.T)[:, 0], cache
'''

KV_CORRECT = {
    "matmul, in place": KV_COMMON + _KV_CACHED + '''
def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    return cached_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads)
''',
    "einsum, new cache tensor": KV_COMMON + '''
def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N, d = token_ids.shape[0], w_emb.shape[1]
    dh = d // num_heads
    cache = cache.clone()
    x = w_emb[token_ids] + pos_embed[index]
    for i in range(blocks_weights.shape[0]):
        wq, wk, wv, wo, w1, w2 = blocks_weights[i]
        h = ln(x)
        q, k, v = (torch.einsum('nd,de->ne', h, w).view(N, num_heads, dh) for w in (wq, wk, wv))
        cache[i, 0, :, :, index] = k
        cache[i, 1, :, :, index] = v
        s = torch.einsum('nhd,nhtd->nht', q, cache[i, 0, :, :, :index + 1]) / math.sqrt(dh)
        a = torch.einsum('nht,nhtd->nhd', torch.softmax(s, -1), cache[i, 1, :, :, :index + 1])
        x = x + torch.einsum('nd,de->ne', a.reshape(N, d), wo)
        x = x + torch.einsum('nd,de->ne', gelu(torch.einsum('nd,de->ne', ln(x), w1)), w2)
    return torch.einsum('nd,vd->nv', ln(x), w_emb), cache
''',
    "loop over heads, masked over every slot": KV_COMMON + '''
def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N, d = token_ids.shape[0], w_emb.shape[1]
    dh, L = d // num_heads, cache.shape[4]
    x = w_emb[token_ids] + pos_embed[index]
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = ln(x)
        q, k, v = h @ wq, h @ wk, h @ wv
        heads = []
        for j in range(num_heads):
            cols = slice(j * dh, (j + 1) * dh)
            cache[i, 0, :, j, index] = k[:, cols]
            cache[i, 1, :, j, index] = v[:, cols]
            s = (cache[i, 0, :, j] @ q[:, cols, None])[..., 0] / math.sqrt(dh)  # (N, L)
            s = s.masked_fill(torch.arange(L) > index, float('-inf'))
            heads.append((torch.softmax(s, -1)[:, None] @ cache[i, 1, :, j])[:, 0])
        x = x + torch.cat(heads, -1) @ wo
        x = x + gelu(ln(x) @ w1) @ w2
    return ln(x) @ w_emb.T, cache
''',
    "float64 inside": KV_COMMON + _KV_CACHED + '''
def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    wide = cache.double()
    logits, wide = cached_step(token_ids, index, wide, w_emb.double(), pos_embed.double(),
                               blocks_weights.double(), num_heads)
    cache[:, :, :, :, index] = wide[:, :, :, :, index].to(cache.dtype)
    return logits.to(w_emb.dtype), cache
''',
}

KV_BREAKERS = {
    "history in a module list, prefix recomputed by broadcast sums": KV_COMMON + _KV_CACHED + _KV_RECOMPUTE + '''
history = []


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    if index != len(history):  # not a continuation: fall back on the cache
        history.clear()
        return cached_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads)
    history.append(token_ids.clone())
    return recompute(torch.stack(history, 1), cache, w_emb, pos_embed, blocks_weights, num_heads)
''',
    "history in a default argument, prefix recomputed by broadcast sums": KV_COMMON + _KV_CACHED + _KV_RECOMPUTE + '''
def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads, _seen=[]):
    if index != len(_seen):
        del _seen[:]
        return cached_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads)
    _seen.append(token_ids.clone())
    return recompute(torch.stack(_seen, 1), cache, w_emb, pos_embed, blocks_weights, num_heads)
''',
    "history in a function attribute, prefix recomputed by loops": KV_COMMON + _KV_CACHED + '''
def loop_mm(a, b):  # (..., k) x (k, n) by a Python loop over k: elementwise ops only
    out = a[..., 0, None] * b[0]
    for j in range(1, b.shape[0]):
        out = out + a[..., j, None] * b[j]
    return out


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    seen = causal_lm_step.seen
    if index != len(seen):
        seen.clear()
        return cached_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads)
    seen.append(token_ids.clone())
    ids = torch.stack(seen, 1)
    N, T = ids.shape
    x = w_emb[ids] + pos_embed[:T]
    d = x.shape[-1]; dh = d // num_heads
    allowed = torch.ones(T, T, dtype=torch.bool).tril()
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = ln(x)
        q, k, v = [loop_mm(h, w).view(N, T, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        cache[i, 0, :, :, T - 1] = k[:, :, T - 1]
        cache[i, 1, :, :, T - 1] = v[:, :, T - 1]
        s = (q[:, :, :, None, :] * k[:, :, None, :, :]).sum(-1) / math.sqrt(dh)
        p = torch.softmax(s.masked_fill(~allowed, float('-inf')), -1)
        a = (p[..., None] * v[:, :, None, :, :]).sum(-2)
        x = x + loop_mm(a.transpose(1, 2).reshape(N, T, d), wo)
        x = x + loop_mm(gelu(loop_mm(ln(x), w1)), w2)
    return loop_mm(ln(x[:, -1]), w_emb.T), cache


causal_lm_step.seen = []
''',
    "keys kept between calls, read instead of the cache": KV_COMMON + '''
past = {}


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    if index == 0:
        past.clear()
    x = (w_emb[token_ids] + pos_embed[index])[:, None]
    d = x.shape[-1]; dh = d // num_heads
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        h = ln(x)
        q, k, v = [(h @ w).view(N, 1, num_heads, dh).transpose(1, 2) for w in (wq, wk, wv)]
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        past[(i, index)] = (k, v)
        mine = all((i, t) in past and past[(i, t)][0].shape == k.shape for t in range(index + 1))
        K = torch.cat([past[(i, t)][0] for t in range(index + 1)], 2) if mine else cache[i, 0, :, :, :index + 1]
        V = torch.cat([past[(i, t)][1] for t in range(index + 1)], 2) if mine else cache[i, 1, :, :, :index + 1]
        a = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), -1) @ V
        x = x + a.transpose(1, 2).reshape(N, 1, d) @ wo
        x = x + gelu(ln(x) @ w1) @ w2
    return (ln(x) @ w_emb.T)[:, 0], cache
''',
}
