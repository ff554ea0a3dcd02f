"""DARTS on the built-in digits, through the API: searched cells against random cells of the
same size, every cell a JOB_METHOD_DARTS job.

    python -m bench.darts [--seeds 3] [--random-cells 2] [--search-steps 150] [--retrain-steps 150]
    python -m bench.darts --in-process     # the same comparison calling the trainer functions
    python -m bench.darts --docs           # only rewrite the docs section from the result file

API mode (the default) starts a gateway on embedded defaults (embedded Redis, local Ray with 2
CPUs, port 0) and runs, for each seed s: one job with genotype_source SEARCHED and seed s (first-
order DARTS with the architecture weights on one half of the training split, the weights on the
other; the cell discretised and retrained from scratch on the training split), `--random-cells`
jobs with genotype_source RANDOM (a cell of the same shape: same nodes, same number of edges,
random inputs and non-zero operations, sampled from the job's seed), and as many RANDOM jobs
restricted to the convolutions (operations CONV_3X3, CONV_5X5, DIL_CONV_3X3: about the searched
cell's parameter count, since DARTS mostly keeps convolutions). Random jobs use seeds
100 * k + s. Every job has the same channels, layers, retrain steps and batch size; held-out
accuracy and loss (test_accuracy, test_loss: digits' test split, which no job trains on),
parameter_count and the genotype (genotype.json) are read back over gRPC. All jobs are queued at
once; Ray runs two at a time (one torch thread each). The acceptance: the searched cells' mean
held-out accuracy over the seeds beats the random cells'.

Last line, one JSON object: {"darts_accuracy", "random_accuracy", "random_conv_accuracy", the
same three for loss and parameters, "seeds", "mode"}; also written to bench/results/darts.json
with the machine, the load and every job.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "darts.json"
CONV_ONLY = ("conv_3x3", "conv_5x5", "dil_conv_3x3")


def _job(args: argparse.Namespace, seed: int, source: str, ops: tuple[str, ...] = ()) -> Any:
    from kiln.v1 import darts_pb2, jobs_pb2

    darts = darts_pb2.DartsConfig(
        retrain_steps=args.retrain_steps,
        channels=args.channels,
        layers=args.layers,
        operations=[f"DARTS_OPERATION_{o.upper()}" for o in ops],
        genotype_source=f"GENOTYPE_SOURCE_{source.upper()}",
    )
    if source == "searched":
        darts.search_steps = args.search_steps
    return jobs_pb2.Job(
        display_name=f"darts {source}{' conv' if ops else ''} seed {seed}",
        method=jobs_pb2.JOB_METHOD_DARTS,
        training_dataset="datasets/digits",
        hyperparameters=jobs_pb2.Hyperparameters(
            batch_size=64, seed=seed, log_every=50, eval_every=max(args.retrain_steps, 1), warmup_steps=0
        ),
        darts=darts,
    )


def _plan(args: argparse.Namespace) -> list[tuple[str, int, int, str, tuple[str, ...]]]:
    """(kind, seed group, job seed, source, operations) of every job."""
    out: list[tuple[str, int, int, str, tuple[str, ...]]] = []
    for s in range(args.seeds):
        out.append(("searched", s, s, "searched", ()))
        for k in range(1, args.random_cells + 1):
            out.append(("random", s, 100 * k + s, "random", ()))
            out.append(("random_conv", s, 100 * k + s, "random", CONV_ONLY))
    return out


async def run_api(args: argparse.Namespace, work: Path) -> list[dict[str, Any]]:
    from grpc import aio

    from bench.sweeps import _start_ray
    from kiln.v1 import jobs_pb2, jobs_pb2_grpc
    from kiln_server.platform.app import create_server
    from kiln_server.platform.config import KilnConfig

    config = KilnConfig(port=0, data_dir=work / "kiln", log_json=False, ray_num_cpus=2, log_level="WARNING")
    _start_ray(config)
    server, port = await create_server(config)
    await server.start()
    channel = aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        await server.tenants.create_tenant("bench")
        _, key = await server.tenants.create_key("bench")
        md = (("authorization", f"Bearer {key}"),)
        jobs = jobs_pb2_grpc.JobServiceStub(channel)
        plan = _plan(args)
        created = []
        for _, _, seed, source, ops in plan:
            job = await jobs.CreateJob(jobs_pb2.CreateJobRequest(job=_job(args, seed, source, ops)), metadata=md)
            created.append(job.name)
        print(f"queued {len(created)} DARTS jobs", flush=True)
        rows: list[dict[str, Any]] = []
        for (kind, group, seed, _, _), name in zip(plan, created, strict=True):
            async for _ in jobs.WatchJob(jobs_pb2.WatchJobRequest(name=name), metadata=md):
                pass
            done = await jobs.GetJob(jobs_pb2.GetJobRequest(name=name), metadata=md)
            if done.state != jobs_pb2.JOB_STATE_SUCCEEDED:
                raise RuntimeError(
                    f"{name} ({kind}, seed {seed}) ended {jobs_pb2.JobState.Name(done.state)}: {done.error}"
                )
            m = done.latest_metrics
            # The artifact store is this process's data dir: genotype.json is read where it lies.
            uri = done.artifacts["genotype.json"]
            cell = json.loads((work / "kiln" / "artifacts" / uri.removeprefix("kiln://artifacts/")).read_text())
            row = {
                "kind": kind,
                "seed_group": group,
                "seed": seed,
                "job": name,
                "test_accuracy": m["test_accuracy"],
                "test_loss": m["test_loss"],
                "parameter_count": m["parameter_count"],
                "genotype": [(e["node"], e["input"], e["operation"]) for e in cell["edges"]],
                "ran_s": done.end_time.ToSeconds() - done.start_time.ToSeconds(),
            }
            rows.append(row)
            print(
                f"{kind:12s} seed {seed:3d}: acc {row['test_accuracy']:.4f} loss {row['test_loss']:.4f} "
                f"params {row['parameter_count']:.0f} ({row['ran_s']:.0f}s) {row['genotype']}",
                flush=True,
            )
        return rows
    finally:
        await channel.close()
        await server.stop(grace=1)


def run_in_process(args: argparse.Namespace) -> list[dict[str, Any]]:
    import torch

    from kiln_trainer.algorithms.darts.cell import PARAMETRIC, random_genotype
    from kiln_trainer.algorithms.darts.standalone import DartsSettings, retrain, search

    torch.set_num_threads(1)
    rows: list[dict[str, Any]] = []
    for s in range(args.seeds):
        settings = DartsSettings(
            channels=args.channels,
            layers=args.layers,
            search_steps=args.search_steps,
            retrain_steps=args.retrain_steps,
            seed=s,
        )
        started = time.perf_counter()
        genotype, _ = search(settings)
        rows.append(
            {"kind": "searched", "seed_group": s, "seed": s, "genotype": genotype, **retrain(settings, genotype)}
        )
        rng = random.Random(1000 + s)
        for _ in range(args.random_cells):
            for kind, ops in (("random", None), ("random_conv", PARAMETRIC)):
                g = random_genotype(rng, ops)
                rows.append({"kind": kind, "seed_group": s, "seed": s, "genotype": g, **retrain(settings, g)})
        print(f"seed {s}: {time.perf_counter() - started:.0f}s", flush=True)
    return rows


def summarise(rows: list[dict[str, Any]], seeds: int, mode: str) -> dict[str, Any]:
    def mean(kind: str, key: str) -> float:
        # Mean over the seeds of each seed's mean (every seed weighs the same).
        return statistics.mean(
            statistics.mean(r[key] for r in rows if r["kind"] == kind and r["seed_group"] == s) for s in range(seeds)
        )

    out: dict[str, Any] = {}
    for metric, name in (("test_accuracy", "accuracy"), ("test_loss", "loss"), ("parameter_count", "params")):
        for kind, label in (("searched", "darts"), ("random", "random"), ("random_conv", "random_conv")):
            value = mean(kind, metric)
            out[f"{label}_{name}"] = round(value) if name == "params" else round(value, 4)
    return out | {"seeds": seeds, "mode": mode}


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--random-cells", type=int, default=2, help="random cells (and conv-only ones) per seed")
    parser.add_argument("--search-steps", type=int, default=150)
    parser.add_argument("--retrain-steps", type=int, default=150)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--in-process", action="store_true", help="call the trainer functions, no gateway")
    parser.add_argument("--docs", action="store_true", help="only rewrite the docs section from the result file")
    args = parser.parse_args(argv)
    if args.docs:
        from bench.darts_docs import write_docs

        write_docs()
        return None
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from bench.machine import machine

    mode = "in_process" if args.in_process else "api"
    info = machine(threads=1, load_avg=os.getloadavg()[0])
    print(json.dumps({"machine": info}), flush=True)
    started = time.perf_counter()
    if args.in_process:
        rows = run_in_process(args)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            rows = asyncio.run(run_api(args, Path(tmp)))
    info["load_avg_end"] = os.getloadavg()[0]
    info["wall_s"] = round(time.perf_counter() - started, 1)
    result = summarise(rows, args.seeds, mode)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    payload = {"machine": info, "args": {k: v for k, v in vars(args).items() if k != "docs"}, "result": result}
    RESULTS.write_text(json.dumps(payload | {"runs": rows}, indent=1))
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
