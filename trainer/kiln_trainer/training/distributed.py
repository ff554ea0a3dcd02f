"""The few torch.distributed operations the algorithms need, no-ops in a single process.

Ray Train's TorchTrainer initialises the process group before calling the training function;
nothing here initialises one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistInfo:
    rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def dist_info() -> DistInfo:
    if dist.is_available() and dist.is_initialized():
        return DistInfo(dist.get_rank(), dist.get_world_size())
    return DistInfo()


def pick_device(info: DistInfo) -> torch.device:
    if not torch.cuda.is_available():
        return torch.device("cpu")
    # Under Ray Train each worker already had its GPU selected as the current device.
    return torch.device("cuda", torch.cuda.current_device())


def all_reduce_sum(t: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """Sum over ranks in place (and return it); identity with one process."""
    if info.enabled:
        dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return t


def any_rank(flag: bool, info: DistInfo, device: torch.device) -> bool:
    """True on every rank if `flag` is true on any: ranks must stop in the same step, or the
    others would block forever in the next gradient all-reduce."""
    if not info.enabled:
        return flag
    t = torch.tensor([1 if flag else 0], dtype=torch.int32, device=device)  # NCCL: on the GPU
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return bool(t.item())


def same_on_all_ranks(value: int, info: DistInfo, device: torch.device) -> bool:
    """Whether every rank passed the same integer (a collective: every rank must call it)."""
    if not info.enabled:
        return True
    t = torch.tensor([value, -value], dtype=torch.int64, device=device)
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return int(t[0]) == -int(t[1]) == value


def broadcast_from_main(value: Any, info: DistInfo) -> Any:
    """Rank 0's `value` on every rank (a small picklable object); also a barrier."""
    if not info.enabled:
        return value
    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]
