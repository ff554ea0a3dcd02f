"""FSDP (torch's FSDP2, `fully_shard`) for the Trainer: shard a model, and gather it back.

Under FSDP every parameter becomes a DTensor of which each rank holds a dim-0 slice; a block's
full weights exist only while it runs (its forward and backward all-gather them, its backward
reduce-scatters the gradients). So everything that reads or writes whole weights is a
collective here: every rank must call it, in the same order, or the others wait forever.

What stays the same as DDP: checkpoints hold full tensors under the same names (weights, best
weights, optimizer state), gathered to rank 0, so export, registration and the files' readers
do not know how the job was trained; a checkpoint is loaded by every rank keeping its own slice.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

import torch
from torch import nn
from torch.distributed.checkpoint.state_dict import (
    StateDictOptions,
    get_optimizer_state_dict,
    set_optimizer_state_dict,
)
from torch.distributed.fsdp import FSDPModule, fully_shard, register_fsdp_forward_method
from torch.distributed.tensor import DTensor, distribute_tensor

# Methods besides forward that the trainers call on a model to run it (Kiln's GPT: SFT applies
# the LM head to the label positions only). FSDP gathers weights in hooks around forward; these
# get the same hooks.
FORWARD_METHODS = ("hidden_states",)


def block_lists(module: nn.Module) -> list[nn.ModuleList]:
    """The model's stacks of transformer blocks: ModuleLists of >= 2 modules of one class
    (kiln-gpt's `blocks`, a Hugging Face model's `layers` or `h`), outermost first."""
    out: list[nn.ModuleList] = []
    inside: set[int] = set()  # modules within a stack already found (modules() is pre-order)
    for sub in module.modules():
        stack = isinstance(sub, nn.ModuleList) and len(sub) >= 2 and len({type(m) for m in sub}) == 1
        if stack and id(sub) not in inside:
            out.append(sub)
            inside.update(id(m) for m in sub.modules())
    return out


def shard(module: nn.Module) -> int:
    """Shard `module` in place over the default process group: each block its own FSDP unit
    (its weights gathered only while it runs), the root holding the rest (embeddings, final
    norm, tied head). Returns the number of block units."""
    # A block returns its attention keys/values (views) beside its output; nothing writes to
    # them in place, which is what FSDP2's warning about view outputs is about.
    warnings.filterwarnings("ignore", message="FSDP2-wrapped module .* returned a view tensor")
    blocks = [block for stack in block_lists(module) for block in stack]
    for block in blocks:
        fully_shard(block)
    # The root's weights (the tied embedding) are used again right after its forward (by the LM
    # head, called as a method): keep them gathered until the backward, as FSDP2 does for a root.
    fully_shard(module, reshard_after_forward=False)
    for name in FORWARD_METHODS:
        if callable(getattr(module, name, None)):
            register_fsdp_forward_method(module, name)
    return len(blocks)


def is_sharded(module: nn.Module) -> bool:
    return isinstance(module, FSDPModule)


def reshard(module: nn.Module) -> None:
    """Free the gathered weights a forward without backward left behind (the root keeps its own
    gathered after forward, expecting a backward): the parameters are the sharded ones again,
    as the optimizer and the state-dict functions know them. Local; no communication."""
    for sub in module.modules():
        if isinstance(sub, FSDPModule):
            sub.reshard()


def set_gradient_sync(module: nn.Module, sync: bool) -> None:
    """FSDP's equivalent of DDP's no_sync(): skip the reduce-scatter on accumulation micro-batches."""
    if isinstance(module, FSDPModule):
        module.set_requires_gradient_sync(sync)


def local_numel(module: nn.Module) -> tuple[int, int]:
    """(elements this rank holds, elements of the whole model) over the parameters."""
    local = full = 0
    for p in module.parameters():
        full += p.numel()
        local += p.to_local().numel() if isinstance(p, DTensor) else p.numel()
    return local, full


def full_tensor(t: torch.Tensor) -> torch.Tensor:
    """The whole tensor (a collective for a DTensor: every rank must call it)."""
    return t.full_tensor() if isinstance(t, DTensor) else t


@torch.no_grad()
def gather_trainable_state(module: nn.Module, keep: bool) -> dict[str, torch.Tensor]:
    """Full CPU copies of the trainable parameters, as checkpoint.trainable_state gives for an
    unsharded model. A collective (one all-gather per parameter, in the same order on every
    rank); only a rank with `keep` (rank 0) copies them, the others get {}."""
    reshard(module)
    out: dict[str, torch.Tensor] = {}
    for name, p in module.named_parameters():
        if p.requires_grad:
            full = full_tensor(p.detach())
            if keep:
                out[name] = full.to("cpu", copy=True)
    return out


@torch.no_grad()
def load_full_state(module: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Copy full tensors into a sharded module's parameters: each rank keeps its own slice
    (cut locally from the full tensor every rank holds; no communication)."""
    reshard(module)
    params = dict(module.named_parameters())
    for name, value in state.items():
        p = params[name]
        if isinstance(p, DTensor):
            value = distribute_tensor(value.to(p.device, p.dtype), p.device_mesh, p.placements, src_data_rank=None)
        p.copy_(value)


def gather_optimizer_state(module: nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """The optimizer's state with full tensors, keyed by parameter name (a collective; the
    tensors land on rank 0's CPU only)."""
    reshard(module)
    return get_optimizer_state_dict(module, optimizer, options=StateDictOptions(full_state_dict=True, cpu_offload=True))


def load_optimizer_state(module: nn.Module, optimizer: torch.optim.Optimizer, state: dict[str, Any]) -> None:
    """Load what gather_optimizer_state saved, every rank keeping its slices."""
    set_optimizer_state_dict(module, optimizer, state, options=StateDictOptions(full_state_dict=True))


def skeleton(module: nn.Module) -> nn.Module:
    """A copy of `module` (before sharding) with its tensors on the meta device: the structure
    to rebuild the plain model from the gathered weights at the end, without a second copy of
    them in memory now. Tied weights stay tied."""
    memo: dict[int, Any] = {}
    for t in [*module.parameters(), *module.buffers()]:
        meta = torch.empty_like(t, device="meta")
        memo[id(t)] = nn.Parameter(meta, requires_grad=t.requires_grad) if isinstance(t, nn.Parameter) else meta
    return copy.deepcopy(module, memo)


@torch.no_grad()
def gather_module(sharded: nn.Module, plain: nn.Module | None, keep: bool) -> nn.Module | None:
    """`plain` (the skeleton of `sharded`) holding the trained weights and buffers on the CPU,
    on the rank with `keep`; None on the others. A collective.

    Names match: FSDP2 shards in place without renaming, and the skeleton is a copy of the same
    module. Each meta Parameter object is swapped in place for the full one (`.data` cannot
    change a meta tensor's device), so a Parameter shared by two modules (a tied embedding) is
    filled once and stays shared."""
    reshard(sharded)
    params = dict(plain.named_parameters()) if plain is not None else {}
    for name, p in sharded.named_parameters():
        full = full_tensor(p.detach())
        if keep:
            target = params[name]
            torch.utils.swap_tensors(target, nn.Parameter(full.to("cpu", copy=True), target.requires_grad))
    if not keep or plain is None:
        return None
    for name, b in sharded.named_buffers():
        owner, _, leaf = name.rpartition(".")
        plain.get_submodule(owner)._buffers[leaf] = b.detach().to("cpu", copy=True)
    return plain
