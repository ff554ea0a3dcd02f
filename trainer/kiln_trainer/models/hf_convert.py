"""Kiln's built-in GPT as a Hugging Face GPT-2 model with identical outputs.

The architectures match block for block (pre-LayerNorm, learned positions, tied embeddings),
so only names change and GPT-2's Conv1D weights are the transpose of our nn.Linear ones. GELU
must be the exact (erf) form: GPT-2's default tanh approximation would change the logits.
"""

from __future__ import annotations

import torch

from kiln_trainer.models.gpt import GPT


def to_hf_gpt2(model: GPT, eos_token_id: int | None = None):
    from transformers import GPT2Config, GPT2LMHeadModel

    c = model.config
    cfg = GPT2Config(
        vocab_size=c.vocab_size,
        n_positions=c.block_size,
        n_embd=c.n_embd,
        n_layer=c.n_layer,
        n_head=c.n_head,
        activation_function="gelu",
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
        layer_norm_epsilon=1e-5,
        bos_token_id=eos_token_id,
        eos_token_id=eos_token_id,
        tie_word_embeddings=True,
    )
    hf = GPT2LMHeadModel(cfg)
    sd = model.state_dict()
    out = {
        "transformer.wte.weight": sd["wte.weight"],
        "transformer.wpe.weight": sd["wpe.weight"],
        "transformer.ln_f.weight": sd["ln_f.weight"],
        "transformer.ln_f.bias": sd["ln_f.bias"],
        "lm_head.weight": sd["wte.weight"],
    }
    for i in range(c.n_layer):
        src, dst = f"blocks.{i}.", f"transformer.h.{i}."
        for a, b in (("ln_1", "ln_1"), ("ln_2", "ln_2")):
            out[dst + b + ".weight"] = sd[src + a + ".weight"]
            out[dst + b + ".bias"] = sd[src + a + ".bias"]
        for a, b in (
            ("attn.c_attn", "attn.c_attn"),
            ("attn.c_proj", "attn.c_proj"),
            ("mlp.c_fc", "mlp.c_fc"),
            ("mlp.c_proj", "mlp.c_proj"),
        ):
            out[dst + b + ".weight"] = sd[src + a + ".weight"].t().contiguous()  # Linear (out,in) -> Conv1D (in,out)
            out[dst + b + ".bias"] = sd[src + a + ".bias"]
    missing, unexpected = hf.load_state_dict(out, strict=False)
    # Only GPT-2's constant causal-mask buffers may be left over.
    if unexpected or any(not k.endswith(("attn.bias", "attn.masked_bias")) for k in missing):
        raise ValueError(f"conversion mismatch: missing {missing}, unexpected {unexpected}")
    return hf.eval()


@torch.no_grad()
def max_logit_difference(model: GPT, hf, input_ids: torch.Tensor) -> float:
    return float((model(input_ids) - hf(input_ids=input_ids).logits).abs().max())
