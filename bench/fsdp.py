"""Per-rank memory of DDP vs FSDP sharding: parameters, gradients and AdamW state held by one
rank of two (gloo on the CPU), and the time per step of each.

    python -m bench.fsdp [--model kiln-gpt-tiny] [--steps 5] [--rounds 2]

Each round runs DDP then FSDP (the order alternates between rounds, so load drift hits both)
in two fresh processes: the built-in model, the trainer's AdamW (optim.build_optimizer) and,
for FSDP, the trainer's sharding (training/sharding.py: fully_shard per block and the root).
Bytes are exact counts of the tensors a rank holds after a step (local shards under FSDP);
times are medians over steps, so they carry the machine's load. FSDP's point is memory: on a
2-process CPU run its extra gathers cost time and no memory is short, so the speed column is
the price, not a gain. Writes bench/results/fsdp.json; the last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import time
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from bench.machine import machine

RESULTS = Path(__file__).parent / "results" / "fsdp.json"


def _bytes(tensors: Any) -> int:
    from torch.distributed.tensor import DTensor

    total = 0
    for t in tensors:
        if isinstance(t, torch.Tensor):
            local = t.to_local() if isinstance(t, DTensor) else t
            total += local.numel() * local.element_size()
    return total


def _worker(rank: int, port: int, mode: str, model_name: str, steps: int, out: str) -> None:
    os.environ["OMP_NUM_THREADS"] = "1"
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    from kiln_trainer import optim
    from kiln_trainer.models.loader import load_causal_lm
    from kiln_trainer.training import sharding

    model = load_causal_lm(model_name).model
    vocab = model.config.vocab_size
    if mode == "fsdp":
        sharding.shard(model)
    else:
        from torch.nn.parallel import DistributedDataParallel

        model = DistributedDataParallel(model)
    opt = optim.build_optimizer(model, lr=1e-3, weight_decay=0.1)
    gen = torch.Generator().manual_seed(rank)
    times = []
    for _ in range(steps):
        x = torch.randint(0, vocab, (4, 64), generator=gen)
        started = time.perf_counter()
        logits = model(x)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, vocab), x[:, 1:].reshape(-1))
        loss.backward()
        params = [p for g in opt.param_groups for p in g["params"]]
        sharding.full_tensor(torch.nn.utils.clip_grad_norm_(params, 1.0))
        opt.step()
        grads = _bytes(p.grad for p in params)
        opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - started)
    row = {
        "param_bytes": _bytes(model.parameters()),
        "grad_bytes": grads,
        "optimizer_bytes": _bytes(v for state in opt.state.values() for v in state.values()),
        "ms_per_step": 1000 * statistics.median(times[1:] or times),
    }
    Path(f"{out}.rank{rank}.json").write_text(json.dumps(row))
    dist.destroy_process_group()


def run_mode(mode: str, model: str, steps: int, tmp: Path) -> dict[str, float]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = tmp / mode
    mp.spawn(_worker, args=(port, mode, model, steps, str(out)), nprocs=2)
    rows = [json.loads(Path(f"{out}.rank{r}.json").read_text()) for r in (0, 1)]
    return rows[0] | {"ms_per_step": max(r["ms_per_step"] for r in rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="kiln-gpt-tiny")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    import tempfile

    runs: dict[str, list[dict[str, float]]] = {"ddp": [], "fsdp": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for mode in ("ddp", "fsdp") if r % 2 == 0 else ("fsdp", "ddp"):
                runs[mode].append(run_mode(mode, args.model, args.steps, Path(tmp)))
    result: dict[str, Any] = {}
    for mode, rows in runs.items():
        result[mode] = rows[0] | {"ms_per_step": statistics.median(r["ms_per_step"] for r in rows)}
    for key in ("param_bytes", "grad_bytes", "optimizer_bytes", "ms_per_step"):
        result[f"{key}_ratio"] = round(result["fsdp"][key] / result["ddp"][key], 3)
    info = machine(1, load_average=os.getloadavg())
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({"machine": info, "args": vars(args), "result": result}, indent=1) + "\n")
    print(json.dumps({"model": args.model, "world_size": 2, **result}))


if __name__ == "__main__":
    main()
