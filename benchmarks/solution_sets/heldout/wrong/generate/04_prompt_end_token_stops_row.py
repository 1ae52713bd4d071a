"""MISTAKE: marks a row finished when its prompt already contains end_token_id
EXPECTED DIAGNOSIS: An end token inside the prompt does not stop a row; only a generated one does.
"""
import math

import torch


def layer_norm(x, eps=1e-5):
    mean = x.mean(dim=-1, keepdim=True)
    var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + eps)


def gelu(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))


def causal_lm_step(token_ids, index, cache, w_emb, pos_embed, blocks_weights, num_heads):
    N = token_ids.shape[0]
    d = w_emb.shape[1]
    dh = d // num_heads
    x = w_emb[token_ids] + pos_embed[index]
    for i in range(blocks_weights.shape[0]):
        w_q, w_k, w_v, w_o, w_mlp1, w_mlp2 = blocks_weights[i]
        h = layer_norm(x)
        q = (h @ w_q).view(N, num_heads, 1, dh)
        cache[i, 0, :, :, index] = (h @ w_k).view(N, num_heads, dh)
        cache[i, 1, :, :, index] = (h @ w_v).view(N, num_heads, dh)
        K = cache[i, 0, :, :, : index + 1]
        V = cache[i, 1, :, :, : index + 1]
        att = torch.softmax(q @ K.transpose(-1, -2) / math.sqrt(dh), dim=-1)
        x = x + (att @ V).reshape(N, d) @ w_o
        x = x + gelu(layer_norm(x) @ w_mlp1) @ w_mlp2
    return layer_norm(x) @ w_emb.T, cache


class Decoder:
    def __init__(self, temperature, top_k, generator):
        self.temperature = temperature
        self.top_k = top_k
        self.generator = generator

    def probs(self, logits):
        s = logits / self.temperature
        if self.top_k is not None:
            kth = s.topk(self.top_k, dim=-1).values[..., -1:]
            s = s.masked_fill(s < kth, float("-inf"))
        return torch.softmax(s, dim=-1)

    def pick(self, logits):
        if self.temperature == 0:
            return logits.argmax(-1)
        p = self.probs(logits).double()
        cdf = p.cumsum(-1)
        u = torch.rand(p.shape[0], 1, generator=self.generator, dtype=torch.float64) * cdf[:, -1:]
        return (cdf <= u).sum(-1).clamp(max=p.shape[-1] - 1)


def generate(prompt_ids: torch.Tensor, max_new_tokens: int, end_token_id: int, w_emb: torch.Tensor,
             pos_embed: torch.Tensor, blocks_weights: torch.Tensor, num_heads: int, temperature: float = 0.0,
             top_k=None, generator=None) -> torch.Tensor:
    N, T0 = prompt_ids.shape
    L = blocks_weights.shape[0]
    d = w_emb.shape[1]
    max_len = pos_embed.shape[0]
    cache = torch.zeros(L, 2, N, num_heads, max_len, d // num_heads, dtype=w_emb.dtype)
    for t in range(T0):
        logits, cache = causal_lm_step(prompt_ids[:, t], t, cache, w_emb, pos_embed, blocks_weights, num_heads)
    decoder = Decoder(temperature, top_k, generator)
    done = (prompt_ids == end_token_id).any(dim=1)
    new_tokens = []
    for s in range(max_new_tokens):
        nxt = decoder.pick(logits)
        nxt[done] = end_token_id
        done |= nxt == end_token_id
        new_tokens.append(nxt)
        if s + 1 < max_new_tokens:
            logits, cache = causal_lm_step(nxt, T0 + s, cache, w_emb, pos_embed, blocks_weights, num_heads)
    if not new_tokens:
        return prompt_ids.clone()
    return torch.cat([prompt_ids, torch.stack(new_tokens, dim=1).to(prompt_ids.dtype)], dim=1)
