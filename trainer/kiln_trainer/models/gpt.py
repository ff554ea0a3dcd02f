"""Kiln's built-in GPT: a small pre-LayerNorm decoder with learned positions and tied embeddings.

Beyond a plain causal LM it understands two things the trainer and the sampler need:
- packed rows: `doc_ids` (B, T) restricts attention to the same document (block-diagonal causal)
  and restarts positions per document, so several short examples share one row without seeing
  each other;
- incremental decoding: `past_key_values` is a list with one (k, v) pair per layer, each
  (B, nh, T_past, hs); `use_cache=True` returns the extended list.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

KVCache = list[tuple[torch.Tensor, torch.Tensor]]


@dataclass
class GPTConfig:
    vocab_size: int = 2048  # rows of the (tied) token embedding
    block_size: int = 256  # longest sequence, i.e. rows of the positional embedding
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 128  # must be divisible by n_head
    dropout: float = 0.0  # on attention probabilities and residual branches, training only
    bias: bool = True  # biases in Linear and LayerNorm layers

    def __post_init__(self) -> None:
        for name in ("vocab_size", "block_size", "n_layer", "n_head", "n_embd"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout!r}")

    def to_dict(self) -> dict:
        return asdict(self)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.n_head = cfg.n_head
        self.dropout = cfg.dropout
        self.c_attn = nn.Linear(cfg.n_embd, 3 * cfg.n_embd, bias=cfg.bias)
        self.c_proj = nn.Linear(cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.resid_dropout = nn.Dropout(cfg.dropout)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None,
        past: tuple[torch.Tensor, torch.Tensor] | None,
    ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor]]:
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        # (B, T, C) -> (B, nh, T, hs)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if past is not None:
            k = torch.cat([past[0], k], dim=2)  # (B, nh, T_past + T, hs)
            v = torch.cat([past[1], v], dim=2)
        y = F.scaled_dot_product_attention(
            q,
            k,
            v,
            attn_mask=mask,
            dropout_p=self.dropout if self.training else 0.0,
            # No mask and no cache is plain causal attention: take SDPA's fused causal path.
            # (With a cache and no mask, T == 1 and the query may see every key.)
            is_causal=mask is None and past is None,
        )  # (B, nh, T, hs)
        y = y.transpose(1, 2).reshape(B, T, C)
        return self.resid_dropout(self.c_proj(y)), (k, v)


class MLP(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(cfg.n_embd, 4 * cfg.n_embd, bias=cfg.bias)
        self.c_proj = nn.Linear(4 * cfg.n_embd, cfg.n_embd, bias=cfg.bias)
        self.dropout = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.ln_1 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.mlp = MLP(cfg)

    def forward(self, x, mask, past):
        a, kv = self.attn(self.ln_1(x), mask, past)
        x = x + a
        return x + self.mlp(self.ln_2(x)), kv


def positions_from_doc_ids(doc_ids: torch.Tensor) -> torch.Tensor:
    """Position of each token within its document: (B, T) doc ids -> (B, T) positions.

    Documents are contiguous runs of equal ids, so a position is the distance to the start of
    the current run; `cummax` carries each run's start index forward.
    """
    B, T = doc_ids.shape
    idx = torch.arange(T, device=doc_ids.device).expand(B, T)
    starts = torch.ones_like(doc_ids, dtype=torch.bool)
    starts[:, 1:] = doc_ids[:, 1:] != doc_ids[:, :-1]
    run_start = torch.where(starts, idx, torch.zeros_like(idx)).cummax(dim=1).values
    return idx - run_start


def attention_mask_for(
    T: int,
    past_len: int,
    doc_ids: torch.Tensor | None,
    attention_mask: torch.Tensor | None,
    device: torch.device,
) -> torch.Tensor | None:
    """Boolean (B or 1, 1, T, past_len + T) mask, True = may attend; None means plain causal."""
    if doc_ids is None and attention_mask is None and (past_len == 0 or T == 1):
        # T == 1 with a cache: the one new query may see every cached key, no mask needed.
        return None
    S = past_len + T
    q_pos = torch.arange(past_len, S, device=device)
    k_pos = torch.arange(S, device=device)
    allowed = (k_pos[None, :] <= q_pos[:, None])[None, None]  # (1, 1, T, S)
    if doc_ids is not None:
        same_doc = doc_ids[:, :, None] == doc_ids[:, None, :]  # (B, T, T); no cache when packing
        allowed = allowed & same_doc[:, None]
    if attention_mask is not None:
        allowed = allowed & attention_mask.bool()[:, None, None, :]  # key padding
        # A left-padding query would otherwise see no key at all, and its NaN row would leak
        # into later layers through 0 * NaN; letting every token see itself keeps rows finite.
        allowed = allowed | (k_pos[None, :] == q_pos[:, None])[None, None]
    return allowed


class GPT(nn.Module):
    def __init__(self, cfg: GPTConfig):
        super().__init__()
        self.config = cfg
        self.wte = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.wpe = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln_f = nn.LayerNorm(cfg.n_embd, bias=cfg.bias)
        self.apply(self._init_weights)
        # GPT-2's scaled init: each residual branch adds to the stream, so shrink the last
        # projection by the number of branches to keep the stream's variance flat at init.
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init_weights(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def hidden_states(
        self,
        input_ids: torch.Tensor,
        position_ids: torch.Tensor | None = None,
        doc_ids: torch.Tensor | None = None,
        past_key_values: KVCache | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, KVCache]:
        """Final-LayerNorm hidden states (B, T, C) and the per-layer (k, v) of all positions.

        `attention_mask` (B, T_past + T), 1 = real token, masks padded keys (e.g. left-padded
        prompts in a sampling batch).
        """
        B, T = input_ids.shape
        past_len = past_key_values[0][0].shape[2] if past_key_values else 0
        if doc_ids is not None and past_len:
            raise ValueError("doc_ids (packing) cannot be combined with past_key_values")
        if position_ids is None:
            if doc_ids is not None:
                position_ids = positions_from_doc_ids(doc_ids)
            elif attention_mask is not None:
                # Left padding: count only real tokens so each row starts at position 0.
                position_ids = (attention_mask.long().cumsum(1) - 1).clamp(min=0)[:, past_len:]
            else:
                position_ids = torch.arange(past_len, past_len + T, device=input_ids.device)[None]
        # Only the length is checked: reading position_ids.max() would stall the GPU every call,
        # and explicit positions beyond the table fail in the embedding lookup anyway.
        if past_len + T > self.config.block_size:
            raise ValueError(f"sequence of {past_len + T} tokens exceeds block_size {self.config.block_size}")
        mask = attention_mask_for(T, past_len, doc_ids, attention_mask, input_ids.device)
        x = self.drop(self.wte(input_ids) + self.wpe(position_ids))  # (B, T, C)
        presents: KVCache = []
        for i, block in enumerate(self.blocks):
            x, kv = block(x, mask, past_key_values[i] if past_key_values else None)
            presents.append(kv)
        return self.ln_f(x), presents

    def lm_head(self, h: torch.Tensor) -> torch.Tensor:
        """(..., C) hidden states -> (..., V) logits through the tied token embedding."""
        return F.linear(h, self.wte.weight)

    def forward(
        self,
        input_ids: torch.Tensor,
        position_ids: torch.Tensor | None = None,
        doc_ids: torch.Tensor | None = None,
        past_key_values: KVCache | None = None,
        use_cache: bool = False,
        attention_mask: torch.Tensor | None = None,
    ) -> torch.Tensor | tuple[torch.Tensor, KVCache]:
        h, presents = self.hidden_states(input_ids, position_ids, doc_ids, past_key_values, attention_mask)
        logits = self.lm_head(h)  # (B, T, V)
        return (logits, presents) if use_cache else logits

    @torch.no_grad()
    def generate(self, input_ids: torch.Tensor, max_new_tokens: int, eos_token_id: int | None = None) -> torch.Tensor:
        """Greedy decoding with the KV cache: (B, T) -> (B, T + n), n <= max_new_tokens.

        Rows that produced eos keep emitting eos; decoding stops early once every row has.
        """
        logits, cache = self(input_ids, use_cache=True)
        out = input_ids
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        for _ in range(max_new_tokens):
            nxt = logits[:, -1].argmax(dim=-1)  # (B,)
            if eos_token_id is not None:
                nxt = torch.where(done, torch.full_like(nxt, eos_token_id), nxt)
                done |= nxt == eos_token_id
            out = torch.cat([out, nxt[:, None]], dim=1)
            if bool(done.all()) or out.shape[1] >= self.config.block_size:
                break
            logits, cache = self(nxt[:, None], past_key_values=cache, use_cache=True)
        return out


def set_dropout(
    model: nn.Module,
    *,
    attn_dropout: float | None = None,
    resid_dropout: float | None = None,
    embd_dropout: float | None = None,
) -> int:
    """Set the dropout rates of every kiln-gpt inside `model` (LoRA-wrapped or a reward body
    too): on attention probabilities, on the residual branches (attention and MLP outputs) and
    on the embeddings. A training-time setting: the saved config keeps its own `dropout`.
    Returns how many kiln-gpt models were changed."""
    found = 0
    for module in model.modules():
        if isinstance(module, GPT):
            found += 1
            if embd_dropout is not None:
                module.drop.p = embd_dropout
        elif isinstance(module, CausalSelfAttention):
            if attn_dropout is not None:
                module.dropout = attn_dropout
            if resid_dropout is not None:
                module.resid_dropout.p = resid_dropout
        elif isinstance(module, MLP) and resid_dropout is not None:
            module.dropout.p = resid_dropout
    return found
