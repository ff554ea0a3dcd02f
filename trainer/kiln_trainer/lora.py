"""LoRA adapters through peft: wrap a loaded model, merge the adapters back for saving."""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from kiln_trainer.models.loader import KILN_GPT

# kiln-gpt's Linear layers: fused qkv and output projection in attention, both MLP layers
# ("c_proj" matches attn.c_proj and mlp.c_proj).
KILN_GPT_LORA_TARGETS = ["c_attn", "c_proj", "c_fc"]


@dataclass(frozen=True)
class LoraSettings:
    r: int
    alpha: int
    dropout: float
    target_modules: list[str] | None  # None: a default for the model kind


def default_targets(kind: str) -> list[str] | None:
    """kiln-gpt's attention+MLP layers; for HF models None lets peft choose per architecture
    (e.g. q_proj/v_proj for Llama, c_attn for GPT-2)."""
    return list(KILN_GPT_LORA_TARGETS) if kind == KILN_GPT else None


def apply_lora(model: nn.Module, kind: str, settings: LoraSettings) -> nn.Module:
    """A peft model whose only trainable parameters are the LoRA matrices."""
    from peft import LoraConfig, get_peft_model

    targets = settings.target_modules or default_targets(kind)
    # GPT-2-style models keep weights as (in, out) in transformers' Conv1D; peft must be told
    # (it would correct the flag itself, with a warning on every run).
    fan_in_fan_out = any(type(m).__name__ == "Conv1D" for m in model.modules())
    config = LoraConfig(
        r=settings.r,
        lora_alpha=settings.alpha,
        lora_dropout=settings.dropout,
        target_modules=targets,
        bias="none",
        fan_in_fan_out=fan_in_fan_out,
    )
    return get_peft_model(model, config)


def merge_lora(peft_model: nn.Module) -> nn.Module:
    """Fold the adapters into the base weights and return the plain base model."""
    return peft_model.merge_and_unload()
