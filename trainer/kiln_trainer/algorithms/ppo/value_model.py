"""The critic: a causal LM's body with a scalar head, predicting the return at every position."""

from __future__ import annotations

import torch
from torch import nn

from kiln_trainer.algorithms.ppo.experience import RolloutBatch
from kiln_trainer.models.loader import KILN_GPT, LoadedModel


class ValueModel(nn.Module):
    def __init__(self, lm: LoadedModel, head: nn.Linear | None = None):
        super().__init__()
        self.kind = lm.kind
        # HF models: only the backbone, so no (B, S, V) logits are computed just to be dropped.
        self.body = lm.model if lm.kind == KILN_GPT else lm.model.base_model
        width = lm.model.config.n_embd if lm.kind == KILN_GPT else lm.model.config.hidden_size
        if head is not None:  # e.g. a reward model's: its scores are a fair first guess of returns
            self.head = head
        else:
            self.head = nn.Linear(width, 1)
            # A zero head predicts 0 everywhere at first: no made-up values before any training.
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    def forward(
        self, input_ids: torch.Tensor, position_ids: torch.Tensor, attention_mask: torch.Tensor | None
    ) -> torch.Tensor:
        """(B, S) ids -> (B, S) values."""
        if self.kind == KILN_GPT:
            h, _ = self.body.hidden_states(input_ids, position_ids=position_ids, attention_mask=attention_mask)
        else:
            h = self.body(
                input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids
            ).last_hidden_state  # (B, S, C)
        return self.head(h.float()).squeeze(-1)

    def completion_values(self, batch: RolloutBatch) -> torch.Tensor:
        """(B, L) value of the state before each completion token (0 at padding)."""
        padded = bool((batch.attention_mask[:, : batch.prompt_len] == 0).any())
        values = self(batch.input_ids, batch.position_ids, batch.attention_mask if padded else None)
        P, L = batch.prompt_len, batch.completion.shape[1]
        return values[:, P - 1 : P - 1 + L] * batch.completion_mask.to(values.dtype)
