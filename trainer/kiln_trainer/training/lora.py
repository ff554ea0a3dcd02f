"""LoRA adapters through peft: wrap a loaded model, merge the adapters back for saving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from kiln_trainer.configs.base import LoraSettings
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.loader import KILN_GPT

# kiln-gpt's Linear layers: fused qkv and output projection in attention, both MLP layers
# ("c_proj" matches attn.c_proj and mlp.c_proj).
KILN_GPT_LORA_TARGETS = ["c_attn", "c_proj", "c_fc"]
ADAPTER_DIR = "adapter"  # where a saved model directory keeps the adapters it was merged from


def default_targets(kind: str) -> list[str] | None:
    """kiln-gpt's attention+MLP layers; for HF models None lets peft choose per architecture
    (e.g. q_proj/v_proj for Llama, c_attn for GPT-2)."""
    return list(KILN_GPT_LORA_TARGETS) if kind == KILN_GPT else None


def apply_lora(model: nn.Module, kind: str, settings: LoraSettings) -> nn.Module:
    """A peft model whose only trainable parameters are the LoRA matrices.

    A target module the model lacks (or no peft default for its architecture) is a ConfigError
    on lora_target_modules.
    """
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
    try:
        return get_peft_model(model, config)
    except ValueError as e:  # peft: no such module / no default for this architecture
        raise ConfigError("lora_target_modules", str(e)) from e


def merge_lora(peft_model: Any) -> nn.Module:
    """Fold the adapters into the base weights and return the plain base model."""
    return peft_model.merge_and_unload()


def save_and_merge(peft_model: Any, model_dir: str | Path) -> nn.Module:
    """Keep the adapters in model_dir/adapter, then return the plain model with them merged in."""
    peft_model.save_pretrained(Path(model_dir) / ADAPTER_DIR)
    return merge_lora(peft_model)
