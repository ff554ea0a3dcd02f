"""A scalar reward model: a causal LM body with a linear head on the last real token's state.

Saved layout (loaded back exactly by `load_reward_model`):
    config.json                {"model_type": "kiln-reward-model", "backbone": "backbone", ...}
    reward_head.safetensors    head.weight (1, C), head.bias (1,)
    backbone/                  the body as a causal LM directory (load_causal_lm reads it)
    tokenizer files            the body's tokenizer, also at the top level for convenience

The body keeps its LM head (unused here), so the backbone directory stays a valid causal LM.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from kiln_trainer.data.preference import tokenize_preferences
from kiln_trainer.models.loader import KILN_GPT, LoadedModel, load_causal_lm
from kiln_trainer.models.registry import REWARD_MODEL_TYPE, is_reward_model_dir

HEAD_FILE = "reward_head.safetensors"
BACKBONE_DIR = "backbone"


def _hidden_size(lm: LoadedModel) -> int:
    if lm.kind == KILN_GPT:
        return int(lm.model.config.n_embd)
    return int(lm.model.config.hidden_size)


class RewardModel(nn.Module):
    def __init__(self, lm: LoadedModel, head: nn.Linear | None = None):
        super().__init__()
        self.lm = lm  # tokenizer, kind and save(); a plain dataclass, so not a registered module
        self.body = lm.model  # replaced by a peft wrapper while training LoRA
        self.head = head if head is not None else nn.Linear(_hidden_size(lm), 1)
        if head is None:
            # A small head: initial rewards near 0 leave the body's features to decide early
            # gradients, instead of a random direction dominating the first steps.
            nn.init.normal_(self.head.weight, std=1.0 / (_hidden_size(lm) + 1) ** 0.5 * 0.1)
            nn.init.zeros_(self.head.bias)

    @property
    def tokenizer(self):
        return self.lm.tokenizer

    def hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T) right-padded ids and mask -> (B, T, C) final hidden states."""
        if self.lm.kind == KILN_GPT:
            # Right padding and causal attention: real tokens never see the pads, so the plain
            # causal path (no mask) gives the same states and keeps SDPA's fused kernel.
            h, _ = self.body.hidden_states(input_ids)
            return h
        out = self.body(input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True)
        return out.hidden_states[-1]

    def pooled(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T) right-padded ids and mask -> (B, C) final hidden state at each row's last real token."""
        h = self.hidden(input_ids, attention_mask)  # (B, T, C)
        last = attention_mask.sum(1) - 1  # (B,)
        return h[torch.arange(h.shape[0], device=h.device), last]

    def head_score(self, pooled: torch.Tensor) -> torch.Tensor:
        """(B, C) pooled states -> (B,) fp32 rewards."""
        # The head runs in fp32 even under bf16 autocast: reward differences between the two
        # sides of a pair are small, and bf16 keeps only ~3 significant digits.
        with torch.autocast(device_type=pooled.device.type, enabled=False):
            return self.head(pooled.float()).squeeze(-1)

    def score(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(B, T) right-padded ids and mask -> (B,) fp32 rewards read at each row's last real token."""
        return self.head_score(self.pooled(input_ids, attention_mask))

    forward = score

    @torch.no_grad()
    def score_completions(
        self, prompts: list[str], completions: list[str], max_seq_len: int | None = None, batch_size: int = 32
    ) -> list[float]:
        """Rewards of (prompt, completion) pairs, tokenized exactly as in training: prompt and
        completion encoded separately, eos appended, the prompt's start dropped when too long."""
        limit = max_seq_len or self.lm.max_seq_len
        records = [{"prompt": p, "chosen": c, "rejected": c} for p, c in zip(prompts, completions, strict=True)]
        pairs, _ = tokenize_preferences(records, self.tokenizer, limit)
        return self.score_rows([(p.prompt_ids, p.chosen_ids) for p in pairs], batch_size)

    @torch.no_grad()
    def score_texts(self, texts: list[str], max_seq_len: int | None = None, batch_size: int = 32) -> list[float]:
        """Rewards of whole texts (prompt and completion already joined), each ending with eos.
        The join may tokenize differently at the boundary than training did; prefer
        score_completions when the two parts are known."""
        limit = max_seq_len or self.lm.max_seq_len
        encoded = self.tokenizer(texts, add_special_tokens=False)["input_ids"] if texts else []
        # Keep the end: the reward is read at the last token, and the end is what was written.
        rows = [([], (ids + [self.lm.eos_token_id])[-limit:]) for ids in encoded]
        return self.score_rows(rows, batch_size)

    @torch.no_grad()
    def score_rows(self, rows: list[tuple[list[int], list[int]]], batch_size: int = 32) -> list[float]:
        """Rewards of already tokenized (prompt ids, completion ids) rows, read at each row's last id."""
        device = self.head.weight.device
        pad = self.lm.pad_token_id
        out: list[float] = []
        for i in range(0, len(rows), batch_size):
            chunk = [a + b for a, b in rows[i : i + batch_size]]
            T = max(len(r) for r in chunk)
            ids = torch.full((len(chunk), T), pad, dtype=torch.long)
            mask = torch.zeros((len(chunk), T), dtype=torch.long)
            for j, r in enumerate(chunk):
                ids[j, : len(r)] = torch.tensor(r)
                mask[j, : len(r)] = 1
            out.extend(self.score(ids.to(device), mask.to(device)).tolist())
        return out

    def save(self, out_dir: str | Path) -> Path:
        from safetensors.torch import save_file

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        self.lm.model = self.body
        self.lm.save(out / BACKBONE_DIR)
        head = {k: v.detach().contiguous().cpu() for k, v in self.head.state_dict().items()}
        save_file(head, str(out / HEAD_FILE), metadata={"format": "pt"})
        config = {
            "model_type": REWARD_MODEL_TYPE,
            "backbone": BACKBONE_DIR,
            "backbone_kind": self.lm.kind,
            "hidden_size": self.head.in_features,
            "pooling": "last_token",
        }
        (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        self.lm.tokenizer.save_pretrained(out)
        return out


def reward_model_from_causal_lm(spec: str, *, seed: int = 0) -> RewardModel:
    """A new reward model on a built-in or local causal LM; the head is seeded from `seed` too."""
    lm = load_causal_lm(spec, seed=seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed + 1)
        return RewardModel(lm)


def load_reward_model(path: str | Path) -> RewardModel:
    from safetensors.torch import load_file

    path = Path(path)
    if not is_reward_model_dir(path):
        raise ValueError(f"{str(path)!r} is not a reward model directory (config.json model_type)")
    config = json.loads((path / "config.json").read_text())
    lm = load_causal_lm(str(path / config["backbone"]))
    head = nn.Linear(int(config["hidden_size"]), 1)
    head.load_state_dict(load_file(str(path / HEAD_FILE)), strict=True)
    return RewardModel(lm, head)
