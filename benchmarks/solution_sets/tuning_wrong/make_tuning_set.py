"""Writes benchmarks/solution_sets/tuning_wrong/<slug>/*.py: realistic wrong solutions, each a correct
solution with one or two slips, in a style a learner might use."""
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent  # benchmarks/solution_sets/tuning_wrong

HEAD = '''import math
import torch


def ln(x, eps=1e-5):
    mu = x.mean(dim=-1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + eps)


def act(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def mha(x, wq, wk, wv, wo, h, causal):
    B, T, D = x.shape
    dh = D // h
    def split(t):
        return t.reshape(B, T, h, dh).permute(0, 2, 1, 3)
    q, k, v = split(x @ wq), split(x @ wk), split(x @ wv)
    s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(dh)
    if causal:
        m = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        s = s.masked_fill(m, float("-inf"))
    p = s.softmax(dim=-1)
    o = torch.matmul(p, v).permute(0, 2, 1, 3).reshape(B, T, D)
    return o @ wo


def blk(x, W, h, causal):
    wq, wk, wv, wo, w1, w2 = W
    x = x + mha(ln(x), wq, wk, wv, wo, h, causal)
    x = x + act(ln(x) @ w1) @ w2
    return x
'''

BASE = {
"gelu": '''import math
import torch


def gelu(x):
    c = math.sqrt(2.0 / math.pi)
    inner = c * (x + 0.044715 * torch.pow(x, 3))
    return 0.5 * x * (1.0 + torch.tanh(inner))
''',
"layer-norm": '''import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(dim=-1, keepdim=True)
    return centered / torch.sqrt(var + eps)
''',
"attention": '''import math
import torch


def multi_head_attention(x, w_q, w_k, w_v, w_o, num_heads, causal=False):
    N, T, d = x.shape
    dh = d // num_heads
    q = (x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)
    k = (x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)
    v = (x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)
    scores = q @ k.transpose(-2, -1) / math.sqrt(dh)
    if causal:
        keep = torch.tril(torch.ones(T, T, dtype=torch.bool))
        scores = scores.masked_fill(~keep, float("-inf"))
    att = torch.softmax(scores, dim=-1)
    out = (att @ v).transpose(1, 2).contiguous().view(N, T, d)
    return out @ w_o
''',
"transformer-block": HEAD + '''

def pre_ln_block(x, block_weights, num_heads, causal=False):
    return blk(x, block_weights, num_heads, causal)
''',
"mlm-forward": HEAD + '''

def mlm_forward(input_ids, w_emb, pos_embed, blocks_weights, w_head, mask_indicator, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for W in blocks_weights:
        x = blk(x, W, num_heads, False)
    sel = mask_indicator.bool()
    return x[sel] @ w_head
''',
"mlm-tied-head": HEAD + '''

def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for W in blocks_weights:
        x = blk(x, W, num_heads, False)
    sel = mask_indicator.bool()
    return x[sel] @ w_emb.t()
''',
"causal-lm": HEAD + '''

def causal_lm_forward(input_ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = input_ids.shape[1]
    x = w_emb[input_ids] + pos_embed[:T]
    for W in blocks_weights:
        x = blk(x, W, num_heads, True)
    return ln(x) @ w_emb.t()
''',
"kv-cache": HEAD + '''

def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = (w_emb[token_ids] + pos_embed[index]).unsqueeze(1)
    for i, (wq, wk, wv, wo, w1, w2) in enumerate(blocks_weights):
        hdn = ln(x)
        q = (hdn @ wq).view(N, 1, num_heads, dh).transpose(1, 2)
        k = (hdn @ wk).view(N, 1, num_heads, dh).transpose(1, 2)
        v = (hdn @ wv).view(N, 1, num_heads, dh).transpose(1, 2)
        cache[i, 0, :, :, index] = k[:, :, 0]
        cache[i, 1, :, :, index] = v[:, :, 0]
        K = cache[i, 0, :, :, :index + 1]
        V = cache[i, 1, :, :, :index + 1]
        att = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        o = (att @ V).transpose(1, 2).reshape(N, 1, d)
        x = x + o @ wo
        x = x + act(ln(x) @ w1) @ w2
    logits = ln(x) @ w_emb.t()
    return logits[:, 0], cache
''',
"generate": HEAD + '''

def forward(ids, w_emb, pos_embed, blocks_weights, num_heads):
    T = ids.shape[1]
    x = w_emb[ids] + pos_embed[:T]
    for W in blocks_weights:
        x = blk(x, W, num_heads, True)
    return ln(x) @ w_emb.t()


def generate(prompt_ids, max_new_tokens, end_token_id, w_emb, pos_embed, blocks_weights, num_heads,
             temperature=0.0, top_k=None, generator=None):
    ids = prompt_ids.clone()
    done = torch.zeros(ids.shape[0], dtype=torch.bool)
    for _ in range(max_new_tokens):
        logits = forward(ids, w_emb, pos_embed, blocks_weights, num_heads)[:, -1]
        if temperature == 0:
            nxt = logits.argmax(-1)
        else:
            logits = logits / temperature
            if top_k is not None:
                kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            probs = torch.softmax(logits, -1)
            u = torch.rand(probs.shape[0], 1, generator=generator, dtype=probs.dtype)
            nxt = (probs.cumsum(-1) < u).sum(-1).clamp(max=probs.shape[-1] - 1)
        nxt = torch.where(done, torch.full_like(nxt, end_token_id), nxt)
        done = done | (nxt == end_token_id)
        ids = torch.cat([ids, nxt[:, None]], dim=1)
    return ids
''',
"top-k": '''import torch


def top_k_probs(logits, temperature, k):
    scaled = logits / temperature
    kth = torch.topk(scaled, k, dim=-1).values[..., -1:]
    masked = scaled.masked_fill(scaled < kth, float("-inf"))
    return torch.softmax(masked, dim=-1)
''',
"top-p": '''import torch


def top_p_probs(logits, temperature, p):
    probs = torch.softmax(logits / temperature, dim=-1)
    sorted_probs, order = probs.sort(dim=-1, descending=True)
    before = sorted_probs.cumsum(dim=-1) - sorted_probs
    keep_sorted = before < p
    keep = torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)
    kept = probs * keep
    return kept / kept.sum(dim=-1, keepdim=True)
''',
"reverse-embedding": '''import torch
from torch import nn


class ReverseEmbedding(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, hidden):
        return hidden @ self.embedding.weight.T
''',
}

# slug: [(file name, MISTAKE, EXPECTED DIAGNOSIS, KEYWORDS, [(old, new), ...])]
M = {
"gelu": [
    ("01_sqrt_pi_over_2", "uses sqrt(pi/2) instead of sqrt(2/pi)", "the constant is sqrt(pi/2)", "sqrt(pi/2)",
     [("math.sqrt(2.0 / math.pi)", "math.sqrt(math.pi / 2.0)")]),
    ("02_typo_coefficient", "cubic coefficient typed 0.04715", "the cubic coefficient is 0.04715", "cubic coefficient, 0.047",
     [("0.044715", "0.04715")]),
    ("03_no_constant", "forgot the sqrt(2/pi) factor (c = 1)", "constant in front is 1", "constant, 1 ",
     [("c = math.sqrt(2.0 / math.pi)", "c = 1.0")]),
    ("04_half_twice", "multiplies by 0.25 (0.5 applied twice)", "output scaled by 0.5", "scaled, 0.5",
     [("return 0.5 * x", "return 0.5 * 0.5 * x")]),
],
"layer-norm": [
    ("06_always_float32", "computes and returns float32 whatever the input", "dtype not kept", "dtype",
     [("    mean = x.mean(dim=-1, keepdim=True)", "    x = x.float()\n    mean = x.mean(dim=-1, keepdim=True)")]),
    ("01_eps_outside", "adds eps to the std, outside the sqrt", "eps outside the square root", "eps, outside",
     [("torch.sqrt(var + eps)", "(torch.sqrt(var) + eps)")]),
    ("02_eps_ignored", "hard-codes 1e-5, ignoring the eps argument", "eps argument ignored", "eps, ignored",
     [("torch.sqrt(var + eps)", "torch.sqrt(var + 1e-5)")]),
    ("03_no_eps", "no eps at all", "eps missing", "eps, missing",
     [("torch.sqrt(var + eps)", "torch.sqrt(var)")]),
    ("04_over_all_dims", "mean over every element, not per row", "mean not over the last axis", "mean | last axis | other rows",
     [("mean = x.mean(dim=-1, keepdim=True)", "mean = x.mean()")]),
    ("05_divides_by_var", "divides by var + eps without the sqrt", "not divided by the standard deviation", "standard deviation | sqrt",
     [("torch.sqrt(var + eps)", "(var + eps)")]),
],
"attention": [
    ("06_softmax_over_batch", "softmax over dim 0 (the batch) when causal", "depends on the other sequences", "batch",
     [("att = torch.softmax(scores, dim=-1)", "att = torch.softmax(scores, dim=0 if causal else -1)")]),
    ("01_divide_by_dh", "divides scores by d_head, not sqrt(d_head)", "scaled by d_head", "d_head, not its square root | d_head instead of sqrt(d_head)",
     [("/ math.sqrt(dh)", "/ dh")]),
    ("02_leak_two", "causal mask built with diagonal=1 in tril (sees the next token)", "mask lets i see i+1", "i + 1 | leaks the next token | sees the next token",
     [("torch.tril(torch.ones(T, T, dtype=torch.bool))", "torch.tril(torch.ones(T, T, dtype=torch.bool), diagonal=1)")]),
    ("03_wo_transposed", "applies w_o transposed", "w_o transposed", "transposed",
     [("return out @ w_o", "return out @ w_o.T")]),
    ("04_split_by_chunk", "splits heads with view(N, num_heads, T, dh) (no transpose) for q, k and v", "heads split wrongly", "heads",
     [("(x @ w_q).view(N, T, num_heads, dh).transpose(1, 2)", "(x @ w_q).view(N, num_heads, T, dh)"),
      ("(x @ w_k).view(N, T, num_heads, dh).transpose(1, 2)", "(x @ w_k).view(N, num_heads, T, dh)"),
      ("(x @ w_v).view(N, T, num_heads, dh).transpose(1, 2)", "(x @ w_v).view(N, num_heads, T, dh)")]),
    ("05_mask_minus_one", "fills masked scores with -1 instead of -inf", "causal mask has no effect / wrong", "causal mask",
     [('float("-inf")', "-1.0")]),
],
"transformer-block": [
    ("01_two_slips_mlp", "MLP has no residual AND uses ReLU", "a residual connection is missing", "residual",
     [("    x = x + act(ln(x) @ w1) @ w2\n    return x", "    x = torch.relu(ln(x) @ w1) @ w2\n    return x")]),
    ("02_unbiased_in_ln", "layer norm uses torch.var (unbiased) and eps outside sqrt", "layer norm wrong: in MLP-only stage", "layer norm | unbiased | mlp's activation or the layer norm",
     [("    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)\n    return (x - mu) / torch.sqrt(var + eps)",
       "    var = x.var(dim=-1, keepdim=True)\n    return (x - mu) / (torch.sqrt(var) + eps)")]),
    ("03_gelu_constant", "GELU with sqrt(pi/2)", "MLP activation wrong", "activation",
     [("math.sqrt(2.0 / math.pi)", "math.sqrt(math.pi / 2.0)")]),
    ("04_w1_transposed", "uses w1.T in the MLP only", "MLP weights orientation", "mlp sublayer's use of its weights | transposed",
     [("act(ln(x) @ w1) @ w2", "act(ln(x) @ w1.T) @ w2")]),
    ("05_mask_strict_and_scale", "causal mask with diagonal=0 (hides the diagonal) and no scale", "attention wrong: values/mask", "mask | scores | value path",
     [("diagonal=1)", "diagonal=0)"), ("/ math.sqrt(dh)", "")]),
],
"mlm-forward": [
    ("01_positions_shifted", "adds pos_embed[1:T+1]", "positional embeddings added wrongly", "positional",
     [("x = w_emb[input_ids] + pos_embed[:T]", "x = w_emb[input_ids] + pos_embed[1:T + 1]")]),
    ("02_first_block_only", "uses blocks_weights[0] in every layer", "blocks indexed wrongly", "indexed wrongly",
     [("    for W in blocks_weights:\n        x = blk(x, W, num_heads, False)",
       "    for _ in range(blocks_weights.shape[0]):\n        x = blk(x, blocks_weights[0], num_heads, False)")]),
    ("03_head_scaled", "divides logits by sqrt(d)", "head wrong", "head",
     [("return x[sel] @ w_head", "return x[sel] @ w_head / math.sqrt(x.shape[-1])")]),
    ("04_ln_unbiased_and_erf", "two slips: unbiased LN var and erf GELU", "MLP/LN stage wrong", "layer norm | activation | unbiased",
     [("    var = ((x - mu) ** 2).mean(dim=-1, keepdim=True)", "    var = x.var(dim=-1, keepdim=True)"),
      ("return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))",
       "return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))")]),
    ("05_centred_over_batch", "centres the hidden states over the batch (x - x.mean(0)) before the head", "depends on the other sequences", "batch",
     [("    sel = mask_indicator.bool()\n    return x[sel] @ w_head", "    x = x - x.mean(dim=0, keepdim=True)\n    sel = mask_indicator.bool()\n    return x[sel] @ w_head")]),
],
"mlm-tied-head": [
    ("01_head_scaled", "tied head divided by sqrt(d)", "tied head scaled", "head",
     [("return x[sel] @ w_emb.t()", "return x[sel] @ w_emb.t() / math.sqrt(x.shape[-1])")]),
    ("02_blocks_reversed", "runs the blocks in reverse order", "blocks indexed wrongly", "indexed wrongly",
     [("for W in blocks_weights:", "for W in blocks_weights.flip(0):")]),
    ("03_no_mlp_residual", "MLP residual missing", "a residual connection is missing", "residual",
     [("    x = x + act(ln(x) @ w1) @ w2\n    return x", "    x = act(ln(x) @ w1) @ w2\n    return x")]),
    ("04_softmax_over_batch", "attention softmax over dim 0 (the batch)", "depends on the other sequences", "batch",
     [("p = s.softmax(dim=-1)", "p = s.softmax(dim=0)")]),
    ("05_head_cached", "keeps the transposed embedding from the first call in a default argument", "the head does not use this call's w_emb", "w_emb of this call | kept between calls",
     [("def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads):", "def mlm_forward_tied(input_ids, w_emb, pos_embed, blocks_weights, mask_indicator, num_heads, _head=[]):"),
      ("    return x[sel] @ w_emb.t()", "    if not _head:\n        _head.append(w_emb.t().clone())\n    return x[sel] @ _head[0].to(x.dtype)")]),
],
"causal-lm": [
    ("05_ln_over_batch", "final layer norm normalises over the batch axis (dim 0)", "depends on the rest of the batch", "batch | final layer norm",
     [("return ln(x) @ w_emb.t()", "return ((x - x.mean(0, keepdim=True)) / torch.sqrt(x.var(0, keepdim=True, unbiased=False) + 1e-5)) @ w_emb.t()")]),
    ("01_ln_f_unbiased", "final layer norm uses unbiased variance (own helper)", "final layer norm wrong", "final layer norm | unbiased",
     [("return ln(x) @ w_emb.t()", "return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + 1e-5) @ w_emb.t()")]),
    ("02_mask_leaks_two", "mask built with triu(diagonal=2): each position also sees the next one", "causal mask wrong", "causal mask | next token",
     [("diagonal=1)", "diagonal=2)")]),
    ("03_first_block_only", "uses blocks_weights[0] in every layer", "blocks indexed wrongly", "indexed wrongly",
     [("    for W in blocks_weights:\n        x = blk(x, W, num_heads, True)",
       "    for _ in range(len(blocks_weights)):\n        x = blk(x, blocks_weights[0], num_heads, True)")]),
    ("04_positions_reversed", "adds pos_embed[:T].flip(0)", "positional embeddings added wrongly", "positional",
     [("x = w_emb[input_ids] + pos_embed[:T]", "x = w_emb[input_ids] + pos_embed[:T].flip(0)")]),
    ("06_head_cached", "builds the head matrix w_emb.T once, on the first call, and reuses it", "the head does not use this call's w_emb", "w_emb of this call | kept between calls",
     [("\ndef causal_lm_forward(", "\n_HEAD = {}\n\n\ndef causal_lm_forward("),
      ("    return ln(x) @ w_emb.t()", "    if \"w\" not in _HEAD:\n        _HEAD[\"w\"] = w_emb.t().clone()  # computed once\n    return ln(x) @ _HEAD[\"w\"].to(x.dtype)")]),
],
"kv-cache": [
    ("01_pos_next", "adds pos_embed[index + 1]", "position added at each step wrong", "position",
     [("pos_embed[index]", "pos_embed[index + 1]")]),
    ("02_mlp_no_residual", "MLP residual missing in the step", "a residual connection is missing", "residual",
     [("        x = x + act(ln(x) @ w1) @ w2\n    logits", "        x = act(ln(x) @ w1) @ w2\n    logits")]),
    ("03_reads_past_only_plus_scale", "attends over all slots up to max_len and scales by d", "attention over the cache wrong", "cache | slots",
     [("K = cache[i, 0, :, :, :index + 1]", "K = cache[i, 0, :, :, :]"), ("V = cache[i, 1, :, :, :index + 1]", "V = cache[i, 1, :, :, :]")]),
    ("04_head_not_tied_scaled", "logits divided by sqrt(d)", "head wrong", "head",
     [("logits = ln(x) @ w_emb.t()", "logits = ln(x) @ w_emb.t() / math.sqrt(d)")]),
    ("05_own_state", "keeps its own keys and values in a module-level dict (reset at index 0) and ignores the cache it is given", "ignores the cache it is handed", "cache, ignore",
     [("\ndef causal_lm_step(", "\n_STATE = {}\n\n\ndef causal_lm_step("),
      ("    N = token_ids.shape[0]\n", "    if index == 0:\n        _STATE[\"kv\"] = torch.zeros_like(cache)\n    store = _STATE[\"kv\"]\n    N = token_ids.shape[0]\n"),
      ("        K = cache[i, 0, :, :, :index + 1]\n        V = cache[i, 1, :, :, :index + 1]",
       "        store[i, 0, :, :, index] = k[:, :, 0]\n        store[i, 1, :, :, index] = v[:, :, 0]\n        K = store[i, 0, :, :, :index + 1]\n        V = store[i, 1, :, :, :index + 1]")]),
],
"generate": [
    ("01_no_positions", "forgets positional embeddings", "positions wrong", "positional",
     [("x = w_emb[ids] + pos_embed[:T]", "x = w_emb[ids]")]),
    ("02_blocks_reversed", "blocks in reverse order", "blocks indexed wrongly", "indexed wrongly",
     [("for W in blocks_weights:", "for W in reversed(list(blocks_weights)):")]),
    ("03_no_ln_f_scaled", "head divides by sqrt(d) without ln_f", "final layer norm / head wrong", "final layer norm | head",
     [("return ln(x) @ w_emb.t()", "return x @ w_emb.t() / math.sqrt(x.shape[-1])")]),
    ("04_temperature_ignored", "never divides the logits by the temperature when sampling", "temperature ignored", "temperature, ignored",
     [("            logits = logits / temperature\n", "")]),
    ("05_shared_noise", "draws one uniform number for the whole batch (torch.rand(1, 1))", "the same random number for every row", "rows, independ | shared",
     [("u = torch.rand(probs.shape[0], 1, generator=generator", "u = torch.rand(1, 1, generator=generator")]),
    ("06_top_k_ignored", "masks the logits into a new variable, then softmaxes the unmasked ones", "top_k ignored when sampling", "top_k | top-k | top k",
     [("logits = logits.masked_fill(logits < kth, float(\"-inf\"))", "masked = logits.masked_fill(logits < kth, float(\"-inf\"))")]),
],
"top-k": [
    ("05_dim_one_hardcoded", "topk and softmax over dim=1 (breaks 3-d logits)", "not over the last axis", "last axis",
     [("torch.topk(scaled, k, dim=-1)", "torch.topk(scaled, k, dim=1)"), ("torch.softmax(masked, dim=-1)", "torch.softmax(masked, dim=1)")]),
    ("01_keeps_k_plus_one", "threshold from sort()[k] (the (k+1)-th)", "keeps k + 1", "k + 1",
     [("kth = torch.topk(scaled, k, dim=-1).values[..., -1:]", "kth = scaled.sort(dim=-1, descending=True).values[..., k:k + 1]")]),
    ("02_temp_multiplied", "multiplies by temperature", "temperature multiplied", "multiplied",
     [("scaled = logits / temperature", "scaled = logits * temperature")]),
    ("03_not_renormalised", "zeroes after softmax without renormalising", "not renormalised", "renormalised",
     [("    masked = scaled.masked_fill(scaled < kth, float(\"-inf\"))\n    return torch.softmax(masked, dim=-1)",
       "    probs = torch.softmax(scaled, dim=-1)\n    return probs.masked_fill(scaled < kth, 0.0)")]),
    ("04_temperature_twice", "divides by temperature twice", "temperature applied twice", "twice",
     [("scaled = logits / temperature", "scaled = logits / temperature / temperature")]),
    ("06_exp_no_max", "hand-written softmax: exp(masked) / sum, without subtracting the maximum", "overflow for large logits", "overflow | maximum",
     [("    return torch.softmax(masked, dim=-1)", "    e = torch.exp(masked)\n    return e / e.sum(dim=-1, keepdim=True)")]),
],
"top-p": [
    ("01_cumsum_le_p", "keeps cumsum <= p", "drops the token crossing p", "cumsum <= p | dropped | includes the token itself",
     [("keep_sorted = before < p", "keep_sorted = sorted_probs.cumsum(dim=-1) <= p")]),
    ("02_nucleus_before_temperature", "chooses the nucleus on softmax(logits)", "nucleus before temperature", "before the temperature",
     [("    probs = torch.softmax(logits / temperature, dim=-1)\n    sorted_probs",
       "    probs = torch.softmax(logits, dim=-1)\n    sorted_probs"),
      ("    kept = probs * keep", "    kept = torch.softmax(logits / temperature, dim=-1) * keep")]),
    ("03_no_renormalise", "returns the kept probabilities without renormalising", "not renormalised", "renormalised",
     [("    return kept / kept.sum(dim=-1, keepdim=True)", "    return kept")]),
    ("04_temperature_ignored", "ignores the temperature", "temperature ignored", "ignored",
     [("torch.softmax(logits / temperature, dim=-1)", "torch.softmax(logits, dim=-1)")]),
],
"reverse-embedding": [
    ("01_clone_at_init", "keeps a clone of the weight taken in __init__ (a buffer)", "the head keeps a copy of the weight", "copy",
     [("        self.embedding = embedding\n", "        self.register_buffer(\"w\", embedding.weight.detach().clone())\n"),
      ("self.embedding.weight.T", "self.w.T")]),
    ("02_new_parameter", "wraps the weight in a new nn.Parameter", "a second Parameter over the embedding's memory", "own parameter | second parameter",
     [("        self.embedding = embedding\n", "        self.w = nn.Parameter(embedding.weight)\n"),
      ("self.embedding.weight.T", "self.w.T")]),
    ("03_detached", "keeps embedding.weight.detach() (shares memory, no gradient)", "the weight is detached", "detached",
     [("        self.embedding = embedding\n", "        self.w = embedding.weight.detach()\n"),
      ("self.embedding.weight.T", "self.w.T")]),
    ("04_linear_with_bias", "nn.Linear(d, V) with its weight replaced by the embedding's, bias kept", "the head has a bias", "bias",
     [("        self.embedding = embedding\n", "        V, d = embedding.weight.shape\n        self.proj = nn.Linear(d, V)\n        self.proj.weight = embedding.weight\n"),
      ("return hidden @ self.embedding.weight.T", "return self.proj(hidden)")]),
    ("05_always_float32", "computes in float32 whatever the input", "dtype not kept", "dtype",
     [("return hidden @ self.embedding.weight.T", "return hidden.float() @ self.embedding.weight.float().T")]),
],
}

def main():
  for slug, items in M.items():
    (ROOT / slug).mkdir(parents=True, exist_ok=True)
    for fname, mistake, expected, keywords, subs in items:
        src = BASE[slug]
        for old, new in subs:
            assert src.count(old) == 1, (slug, fname, old)
            src = src.replace(old, new)
        doc = f'"""{slug}: a realistic wrong solution (tuning set).\n\nMISTAKE: {mistake}\nEXPECTED DIAGNOSIS: {expected}\nKEYWORDS: {keywords}\n"""\n'
        (ROOT / slug / f"{fname}.py").write_text(doc + src)
  print(sum(len(v) for v in M.values()), "files")


if __name__ == "__main__":
    main()
