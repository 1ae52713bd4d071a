"""The known mistakes every masked-LM problem shares (mlm-forward, mlm-tied-head),
written once. Each problem passes its own `variant(**switch)`, which builds a wrong
forward pass with its own signature, and the name of its head in the hints."""

from grader.mistakes import Mistake


def shared_mistakes(variant, head: str = "the head") -> list[Mistake]:
    tied = head != "the head"
    return [
        Mistake("causal mask in a bidirectional model", variant(mask="causal"),
                "Attention was masked so each position sees only the positions before it. A masked language "
                "model reads the whole sentence: every position attends to every other, both ways.",
                "Call attention without a mask (causal=False) in every block."),
        Mistake("positions added after the blocks", variant(positions="after"),
                "pos_embed was added to the blocks' output. The blocks then never knew where each token was, and "
                "attention without positions cannot tell word order.",
                "Add pos_embed[:T] to the token embeddings, before the first block."),
        Mistake("positions omitted", variant(positions="none"),
                "pos_embed was never added: the model sees a bag of tokens, not a sequence.",
                "x = w_emb[input_ids] + pos_embed[:T], then the blocks."),
        Mistake("final layer norm added", variant(final_ln=True),
                "The blocks' output was layer-normed before the head. This model has no final layer norm "
                "(GPT-2's ln_f belongs to the causal-lm problem); here the head reads the residual stream "
                "directly.",
                f"Feed the last block's output straight to {head}."),
        Mistake("masked positions gathered time-major", variant(gather="time"),
                "The masked rows came out ordered by time first (all sequences' position 0, then position 1, "
                "...). The contract wants row-major order: sequence 0's masked positions in time order, then "
                "sequence 1's.",
                "x[mask_indicator > 0.5] on the (N, T, d) tensor already walks batch first, then time."),
        Mistake("unmasked positions gathered", variant(gather="inverted"),
                "Logits were returned for the positions where mask_indicator is 0. In masked language modelling "
                "the 1s mark the tokens to predict (the ones hidden from the model's loss).",
                "Select the rows where mask_indicator > 0.5."),
        Mistake("logits at every position", variant(gather="none"),
                "The head was applied to all N * T positions and nothing was selected: the result is (N, T, V) "
                "instead of (M, V).",
                "Keep only the masked positions, x[mask_indicator > 0.5], then apply the head."),
        Mistake("embedding scaled by sqrt(d_model)", variant(scale_embedding=True),
                "The token embeddings were multiplied by sqrt(d_model) on the way in, as in the original "
                "Transformer paper. This model adds them to the positions unscaled.",
                "Use w_emb[input_ids] as it is" + ("; the tied head also uses w_emb unscaled." if tied else ".")),
        Mistake("post-LN blocks", variant(post_ln=True),
                "Each block normalised after the residual add, LN(x + f(x)) (the original Transformer). "
                "These blocks are pre-LN: x + f(LN(x)), the residual stream itself is never normalised.",
                "x = x + attn(layer_norm(x)); x = x + mlp(layer_norm(x))."),
        Mistake("exact (erf) GELU", variant(gelu="erf"),
                "The MLP used the exact GELU, 0.5 x (1 + erf(x / sqrt 2)). The contract uses the tanh "
                "approximation; they differ by up to about 1e-3, more than the tolerance.",
                "0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))."),
        Mistake("attention scaled by sqrt(d_model)", variant(scale="model"),
                "Attention scores were divided by sqrt(d_model); each head's scores are divided by sqrt(d_head), "
                "the size of the vectors in its dot products.",
                "d_head = d_model // num_heads; divide q k^T by sqrt(d_head)."),
    ]
