"""Load a causal LM (built-in kiln-gpt or a local Hugging Face directory) behind one interface.

Algorithms only touch `LoadedModel`: `.logits(...)` for a forward pass (packed or not), the
token ids they need, and `.save(dir)` to write a directory `load_causal_lm` reads back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from kiln_trainer.models.gpt import GPT, GPTConfig
from kiln_trainer.models.registry import BUILTIN_MODELS, is_builtin, looks_like_model_dir
from kiln_trainer.models.tokenizer import TOKENIZER_PATH, load_tokenizer

KILN_GPT = "kiln-gpt"
HF = "hf"


def _hf_max_seq_len(config: Any, tokenizer: Any) -> int:
    for name in ("max_position_embeddings", "n_positions", "n_ctx", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    # Tokenizers without a limit report a huge sentinel (int(1e30)); don't trust those.
    limit = getattr(tokenizer, "model_max_length", None)
    return limit if isinstance(limit, int) and 0 < limit < 1_000_000 else 2048


def block_causal_additive_mask(doc_ids: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(B, T) doc ids -> (B, 1, T, T) additive mask: 0 where a token may attend, else -inf-ish.

    Hugging Face models take a prepared 4D mask as-is; an additive float mask is understood by
    both the eager and the SDPA attention paths (a boolean one only by SDPA).
    """
    T = doc_ids.shape[1]
    causal = torch.ones(T, T, dtype=torch.bool, device=doc_ids.device).tril()
    allowed = (doc_ids[:, :, None] == doc_ids[:, None, :]) & causal  # (B, T, T)
    mask = torch.zeros(allowed.shape, dtype=dtype, device=doc_ids.device)
    return mask.masked_fill_(~allowed, torch.finfo(dtype).min)[:, None]


@dataclass
class LoadedModel:
    model: nn.Module
    tokenizer: Any  # a transformers PreTrainedTokenizerFast for both kinds
    kind: str  # KILN_GPT or HF
    max_seq_len: int
    _packing_ok: bool | None = field(default=None, repr=False)

    @property
    def eos_token_id(self) -> int:
        return int(self.tokenizer.eos_token_id)

    @property
    def pad_token_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        return self.eos_token_id if pad is None else int(pad)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.model.parameters())

    def logits(
        self,
        input_ids: torch.Tensor,
        doc_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        *,
        module: nn.Module | None = None,
    ) -> torch.Tensor:
        """(B, T) token ids -> (B, T, V) logits.

        doc_ids (B, T) marks packed documents: attention stays within a document and positions
        restart at 0 for each. attention_mask (B, T), 1 = real token, is for left-padded rows.
        `module` is what to call instead of `self.model`, e.g. its DDP or PEFT wrapper.
        """
        module = self.model if module is None else module
        if self.kind == KILN_GPT:
            return module(input_ids, position_ids=position_ids, doc_ids=doc_ids, attention_mask=attention_mask)
        if doc_ids is not None:
            if attention_mask is not None:
                raise ValueError("pass either doc_ids or attention_mask, not both")
            if position_ids is None:
                from kiln_trainer.models.gpt import positions_from_doc_ids

                position_ids = positions_from_doc_ids(doc_ids)
            dtype = next(self.model.parameters()).dtype
            attention_mask = block_causal_additive_mask(doc_ids, dtype)
        out = module(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids)
        return out.logits

    def supports_packing(self) -> bool:
        """Whether packed rows give the same logits as each document alone (probed once for HF).

        Honouring a custom 4D mask is up to each transformers model class, so instead of a list
        of known-good architectures we check this model directly on two short documents.
        """
        if self.kind == KILN_GPT:
            return True
        if self._packing_ok is None:
            self._packing_ok = self._probe_packing()
        return self._packing_ok

    @torch.no_grad()
    def _probe_packing(self) -> bool:
        was_training = self.model.training
        self.model.eval()
        try:
            device = next(self.model.parameters()).device
            g = torch.Generator().manual_seed(0)
            vocab = min(self.model.get_input_embeddings().num_embeddings, 1000)
            a = torch.randint(0, vocab, (1, 5), generator=g).to(device)
            b = torch.randint(0, vocab, (1, 4), generator=g).to(device)
            ids = torch.cat([a, b], dim=1)
            doc_ids = torch.tensor([[0] * 5 + [1] * 4], device=device)
            packed = self.logits(ids, doc_ids=doc_ids)
            alone = torch.cat([self.logits(a), self.logits(b)], dim=1)
            return bool(torch.allclose(packed.float(), alone.float(), atol=1e-4, rtol=1e-4))
        except Exception:  # any failure to run the mask means: don't pack this model
            return False
        finally:
            self.model.train(was_training)

    def save(self, out_dir: str | Path) -> Path:
        """Write config.json, model.safetensors and tokenizer files loadable by load_causal_lm."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        if self.kind == KILN_GPT:
            from safetensors.torch import save_file

            cfg = {"model_type": KILN_GPT, **self.model.config.to_dict()}
            (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
            state = {k: v.detach().contiguous().cpu() for k, v in self.model.state_dict().items()}
            save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
        else:
            self.model.save_pretrained(out)
        self.tokenizer.save_pretrained(out)
        return out


def _build_gpt(cfg: GPTConfig, seed: int) -> GPT:
    # fork_rng: seeding the init must not disturb the caller's global RNG stream.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return GPT(cfg)


def load_causal_lm(spec: str, *, seed: int = 0, architecture: dict[str, int] | None = None) -> LoadedModel:
    """A built-in name (fresh weights from `seed`, reshaped by `architecture`: GPTConfig fields
    replacing the built-in's) or a local model directory."""
    if architecture and not is_builtin(spec):
        raise ValueError(f"an architecture applies to built-in models only, not {spec!r}")
    if is_builtin(spec):
        shape: dict[str, Any] = {**BUILTIN_MODELS[spec], **(architecture or {})}
        cfg = GPTConfig(**shape)
        return LoadedModel(_build_gpt(cfg, seed), load_tokenizer(TOKENIZER_PATH), KILN_GPT, cfg.block_size)
    path = Path(spec)
    if not looks_like_model_dir(path):
        raise ValueError(
            f"{spec!r} is neither a built-in model ({', '.join(BUILTIN_MODELS)}) nor a "
            "directory with config.json and weights"
        )
    config = json.loads((path / "config.json").read_text())
    if config.get("model_type") == KILN_GPT:
        from safetensors.torch import load_file

        config.pop("model_type")
        cfg = GPTConfig(**config)
        model = _build_gpt(cfg, seed)
        model.load_state_dict(load_file(str(path / "model.safetensors")), strict=True)
        return LoadedModel(model, load_tokenizer(path / "tokenizer.json"), KILN_GPT, cfg.block_size)

    from transformers import AutoModelForCausalLM, AutoTokenizer

    # fp32 master weights whatever the checkpoint's dtype: AdamW updates in bf16 lose the
    # small steps; mixed precision comes from autocast instead.
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=True, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    if tokenizer.eos_token_id is None:
        raise ValueError(f"tokenizer in {spec!r} has no eos token; fine-tuning needs one")
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token  # pads are masked out of the loss anyway
    return LoadedModel(model, tokenizer, HF, _hf_max_seq_len(model.config, tokenizer))


def tokenizer_of(spec: str) -> Any:
    """The tokenizer load_causal_lm(spec) would come with, without loading the weights."""
    if is_builtin(spec):
        return load_tokenizer(TOKENIZER_PATH)
    path = Path(spec)
    if json.loads((path / "config.json").read_text()).get("model_type") == KILN_GPT:
        return load_tokenizer(path / "tokenizer.json")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(path, local_files_only=True)
