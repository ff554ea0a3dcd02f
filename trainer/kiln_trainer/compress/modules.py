"""Inference modules over quantized weights; every matmul goes through kiln_trainer.kernels.

- QuantLinear stands in for nn.Linear (optionally with an AWQ input scale on its input).
- QuantEmbedding stands in for nn.Embedding: a lookup dequantizes only the rows it gathers,
  and `linear(h)` serves a tied output head from the same per-row-scaled codes.
- CompressedGPT is the built-in GPT whose tied lm_head reads the quantized embedding.

Quantized tensors are buffers, not parameters: these modules are for inference, and
`state_dict()` / `load_state_dict(strict=True)` cover them, which is how load_compressed
checks that an export holds exactly the tensors its manifest promises.
"""

from __future__ import annotations

import torch
from torch import nn

from kiln_trainer.compress.quantize import QuantSpec, dequantize
from kiln_trainer.kernels import quant_matmul
from kiln_trainer.models.gpt import GPT


def _empty_codes(rows: int, cols: int, spec: QuantSpec) -> tuple[torch.Tensor, torch.Tensor]:
    if spec.bits == 8:
        return torch.zeros(rows, cols, dtype=torch.int8), torch.zeros(rows)
    return torch.zeros(rows, cols // 2, dtype=torch.uint8), torch.zeros(rows, cols // spec.group_size)


class QuantLinear(nn.Module):
    def __init__(self, in_features: int, out_features: int, spec: QuantSpec, *, bias: bool, input_scale: bool = False):
        super().__init__()
        self.in_features, self.out_features, self.spec = in_features, out_features, spec
        qweight, scales = _empty_codes(out_features, in_features, spec)
        self.register_buffer("qweight", qweight)
        self.register_buffer("scales", scales)
        self.register_buffer("bias", torch.zeros(out_features) if bias else None)
        # AWQ: the weight was quantized with its input columns multiplied by s, so the
        # activation is multiplied by 1 / s (stored as such) before the matmul.
        self.register_buffer("input_scale", torch.ones(in_features) if input_scale else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.input_scale is not None:
            x = x * self.input_scale.to(x.dtype)
        return quant_matmul(
            x, self.qweight, self.scales, bits=self.spec.bits, group_size=self.spec.group_size, bias=self.bias
        )

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, bits={self.spec.bits}, "
            f"group_size={self.spec.group_size}, awq={self.input_scale is not None}"
        )


class QuantEmbedding(nn.Module):
    def __init__(self, num_embeddings: int, embedding_dim: int, spec: QuantSpec):
        super().__init__()
        self.num_embeddings, self.embedding_dim, self.spec = num_embeddings, embedding_dim, spec
        qweight, scales = _empty_codes(num_embeddings, embedding_dim, spec)
        self.register_buffer("qweight", qweight)
        self.register_buffer("scales", scales)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        flat = ids.reshape(-1)
        rows = dequantize(self.qweight[flat], self.scales[flat], self.spec)  # (B*T, C)
        return rows.view(*ids.shape, self.embedding_dim)

    def linear(self, h: torch.Tensor) -> torch.Tensor:
        """(..., C) -> (..., num_embeddings): h @ W^T, for an output head tied to this table."""
        return quant_matmul(h, self.qweight, self.scales, bits=self.spec.bits, group_size=self.spec.group_size)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}, bits={self.spec.bits}, group_size={self.spec.group_size}"


class CompressedGPT(GPT):
    """The built-in GPT, with the tied head served by the quantized embedding when it is one."""

    def lm_head(self, h: torch.Tensor) -> torch.Tensor:
        if isinstance(self.wte, QuantEmbedding):
            return self.wte.linear(h)
        return super().lm_head(h)


def set_submodule(root: nn.Module, name: str, module: nn.Module) -> None:
    parent_name, _, child = name.rpartition(".")
    setattr(root.get_submodule(parent_name) if parent_name else root, child, module)
