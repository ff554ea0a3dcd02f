"""Sweeps: Kiln's SweepService against plain Optuna calling the same trainer in-process.

    python -m bench.sweeps [--trials 8] [--steps 30] [--records 300] [--algorithm tpe]

The objective is a short LoRA SFT of kiln-gpt-tiny on the bundled demo records (final val_loss,
minimised) over the same space (learning rate, log-uniform; LoRA rank), with the same sampler
(built by the same code: kiln_server.sweeps.study.sampler_of), the same seed and the same trial
budget. Each side trains with one torch thread (a Ray worker with one CPU gets
OMP_NUM_THREADS=1). The runs, one after the other:

1. plain Optuna, in-process: study.optimize over a function that builds the trainer config the
   way the gateway does (jobs/spec.py) and calls kiln_trainer's SFT train();
2. Kiln at concurrency 1: a real gateway (embedded Redis, local Ray) over gRPC, every trial a job;
3. Kiln at concurrency 2 (the speedup over 2: two trials share the machine's cores);
4. Kiln at concurrency 1 with ASHA (successive halving), its trial compute (optimizer steps
   actually run) against run 2's.

Trials per hour count trials over the wall time from the start (study.optimize, CreateSweep)
to the last result; Kiln's per-trial time is split into queued, ran and the sweep's own gap. The
machine (CPU model, flags, threads, torch, git commit) is printed first. The last line is one
JSON object: {"kiln_best", "optuna_best", "best_ratio", "kiln_trials_per_h", "optuna_trials_per_h",
"overhead_ratio", "concurrency2_speedup", "asha_compute_saved_pct"}; it is also written to
bench/results/sweeps.json with the machine and every run's trials.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")

import optuna  # noqa: E402
import torch  # noqa: E402

from bench.machine import machine  # noqa: E402
from kiln.v1 import datasets_pb2, jobs_pb2, sweeps_pb2  # noqa: E402
from kiln_server.jobs.methods import METHODS  # noqa: E402
from kiln_server.jobs.options import job_options  # noqa: E402
from kiln_server.jobs.spec import validate_config  # noqa: E402
from kiln_server.sweeps import study as studies  # noqa: E402
from kiln_server.sweeps.space import build_space  # noqa: E402
from kiln_server.sweeps.spec import check_plan  # noqa: E402
from kiln_trainer.data.demo import DEMO_SFT_PATH  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "sweeps.json"


def template(dataset: str, steps: int) -> jobs_pb2.Job:
    return jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_SFT,
        base_model="kiln-gpt-tiny",
        training_dataset=dataset,
        hyperparameters=jobs_pb2.Hyperparameters(
            max_steps=steps,
            batch_size=8,
            max_seq_len=64,
            warmup_steps=2,
            eval_every=max(1, steps // 6),
            log_every=max(1, steps // 6),
            checkpoint_every=10_000,
            seed=0,
        ),
        sft=jobs_pb2.SftConfig(tuning=jobs_pb2.TUNING_LORA),
    )


def sweep(dataset: str, args: argparse.Namespace, concurrency: int, pruner: int) -> sweeps_pb2.Sweep:
    return sweeps_pb2.Sweep(
        display_name=f"bench c{concurrency} p{pruner}",
        template=template(dataset, args.steps),
        parameters=[
            sweeps_pb2.SearchParameter(
                target="hyperparameters.learning_rate", float_range=sweeps_pb2.FloatRange(low=1e-4, high=5e-2, log=True)
            ),
            sweeps_pb2.SearchParameter(target="sft.lora.rank", int_range=sweeps_pb2.IntRange(low=2, high=32, log=True)),
        ],
        objectives=[sweeps_pb2.Objective(metric="val_loss", direction=sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE)],
        algorithm=sweeps_pb2.SweepAlgorithm.Value(f"SWEEP_ALGORITHM_{args.algorithm.upper()}"),
        pruner=pruner,
        budget=sweeps_pb2.SweepBudget(max_trials=args.trials, max_concurrent_trials=concurrency),
        seed=args.seed,
    )


# -- plain Optuna, in-process -----------------------------------------------------------------------
def run_optuna(args: argparse.Namespace, data: Path, work: Path) -> dict[str, Any]:
    from kiln_trainer.algorithms.sft import train
    from kiln_trainer.context import LocalContext

    proto = sweep("datasets/local", args, 1, sweeps_pb2.SWEEP_PRUNER_NONE)
    method = METHODS[jobs_pb2.JOB_METHOD_SFT]
    space, problems = build_space(list(proto.parameters), method.oneof)
    plan, more = check_plan(proto, method.name, space)
    assert not problems and not more, problems + more
    cfg_cls = method.config_cls()

    def objective(trial: optuna.Trial) -> float:
        job = space.apply(proto.template, space.sample(trial))
        options = job_options(job, method.oneof, method.resources)
        config = validate_config(method, options, "kiln-gpt-tiny", {})
        cfg = cfg_cls.from_dict({**config, "base_model": "kiln-gpt-tiny", "train_path": str(data)})
        ctx = LocalContext(work_dir=work / f"optuna-{trial.number}")
        return float(train(cfg, ctx).metrics["val_loss"])

    study = optuna.create_study(sampler=studies.sampler_of(plan), direction="minimize")
    started = time.perf_counter()
    study.optimize(objective, n_trials=args.trials)
    wall = time.perf_counter() - started
    values = [t.value for t in study.trials]
    return {"best": study.best_value, "wall_s": wall, "values": values, "steps": args.steps * args.trials}


# -- Kiln, over gRPC -------------------------------------------------------------------------------
def timings(jobs: list[jobs_pb2.Job]) -> dict[str, float]:
    """Where a trial's time goes, medians over the sweep's jobs: queued (created -> a worker
    started it), ran (started -> final: worker start-up, training, saving, registering), and the
    sweep's own gap (a job's end -> the next trial's job created, when one at a time)."""

    def s(ts) -> float:
        return ts.ToMilliseconds() / 1000

    jobs = sorted(jobs, key=lambda j: s(j.create_time))
    queued = [s(j.start_time) - s(j.create_time) for j in jobs if j.start_time.seconds]
    ran = [s(j.end_time) - s(j.start_time) for j in jobs if j.start_time.seconds and j.end_time.seconds]
    gaps = [s(b.create_time) - s(a.end_time) for a, b in zip(jobs, jobs[1:], strict=False) if a.end_time.seconds]
    gaps = [g for g in gaps if g >= 0]  # overlapping jobs (concurrency 2) have no gap
    return {
        "job_queued_s": statistics.median(queued) if queued else 0.0,
        "job_ran_s": statistics.median(ran) if ran else 0.0,
        "sweep_gap_s": statistics.median(gaps) if gaps else 0.0,
    }


async def run_kiln(args: argparse.Namespace, data: Path, work: Path) -> dict[str, dict[str, Any]]:
    from grpc import aio

    from kiln.v1 import datasets_pb2_grpc, jobs_pb2_grpc, sweeps_pb2_grpc
    from kiln_server.platform.app import create_server
    from kiln_server.platform.config import KilnConfig

    config = KilnConfig(port=0, data_dir=work / "kiln", log_json=False, ray_num_cpus=2, log_level="WARNING")
    server, port = await create_server(config)
    await server.start()
    channel = aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        await server.tenants.create_tenant("bench")
        _, key = await server.tenants.create_key("bench")
        md = (("authorization", f"Bearer {key}"),)
        blob = data.read_bytes()

        async def upload():
            yield datasets_pb2.UploadDatasetRequest(
                metadata=datasets_pb2.DatasetMetadata(display_name="bench", format=datasets_pb2.DATASET_FORMAT_SFT)
            )
            for i in range(0, len(blob), 1 << 16):
                yield datasets_pb2.UploadDatasetRequest(chunk=blob[i : i + (1 << 16)])

        ds = await datasets_pb2_grpc.DatasetServiceStub(channel).UploadDataset(upload(), metadata=md)
        stub = sweeps_pb2_grpc.SweepServiceStub(channel)
        jobs = jobs_pb2_grpc.JobServiceStub(channel)
        runs = {}
        for label, concurrency, pruner in [
            ("c1", 1, sweeps_pb2.SWEEP_PRUNER_NONE),
            ("c2", 2, sweeps_pb2.SWEEP_PRUNER_NONE),
            ("asha", 1, sweeps_pb2.SWEEP_PRUNER_SUCCESSIVE_HALVING),
        ]:
            print(f"kiln sweep {label} ...", flush=True)
            request = sweeps_pb2.CreateSweepRequest(sweep=sweep(ds.name, args, concurrency, pruner))
            started = time.perf_counter()
            created = await stub.CreateSweep(request, metadata=md)
            async for _ in stub.WatchSweep(sweeps_pb2.WatchSweepRequest(name=created.name), metadata=md):
                pass
            wall = time.perf_counter() - started
            done = await stub.GetSweep(sweeps_pb2.GetSweepRequest(name=created.name), metadata=md)
            listed = await jobs.ListJobs(jobs_pb2.ListJobsRequest(sweep=done.name, page_size=1000), metadata=md)
            runs[label] = {
                **timings(list(listed.jobs)),
                "state": sweeps_pb2.SweepState.Name(done.state),
                "best": done.best_trials[0].values[0] if done.best_trials else None,
                "wall_s": wall,
                "steps": sum(j.step for j in listed.jobs),
                "trials": [
                    {
                        "number": t.number,
                        "state": sweeps_pb2.TrialState.Name(t.state),
                        "params": dict(t.params),
                        "values": list(t.values),
                        "step": t.intermediate_step,
                    }
                    for t in done.trials
                ],
            }
            r = runs[label]
            print(
                f"  {label}: best {r['best']}, {wall:.1f}s, {r['steps']} steps; per trial (medians): "
                f"job queued {r['job_queued_s']:.2f}s, job ran {r['job_ran_s']:.2f}s, "
                f"sweep gap {r['sweep_gap_s']:.2f}s",
                flush=True,
            )
        return runs
    finally:
        await channel.close()
        await server.stop(grace=1)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--steps", type=int, default=30, help="optimizer steps per trial")
    parser.add_argument("--records", type=int, default=300, help="demo SFT records to train on")
    parser.add_argument("--algorithm", default="tpe", choices=["random", "tpe", "gp", "cma_es"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    info = machine(threads=1, torch_threads_per_trial=1, optuna=optuna.__version__)
    print(json.dumps({"machine": info}))
    print(f"{args.trials} trials of {args.steps} steps, {args.algorithm}, seed {args.seed}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "train.jsonl"
        data.write_bytes(b"".join(DEMO_SFT_PATH.read_bytes().splitlines(keepends=True)[: args.records]))
        print("plain optuna ...", flush=True)
        plain = run_optuna(args, data, work)
        per_trial = plain["wall_s"] / args.trials
        print(f"  optuna: best {plain['best']:.4f}, {plain['wall_s']:.1f}s ({per_trial:.2f}s a trial)", flush=True)
        kiln = asyncio.run(run_kiln(args, data, work))

    def per_h(run: dict[str, Any]) -> float:
        return args.trials / run["wall_s"] * 3600

    c1, c2, asha = kiln["c1"], kiln["c2"], kiln["asha"]
    result = {
        "kiln_best": round(c1["best"], 5),
        "optuna_best": round(plain["best"], 5),
        "best_ratio": round(c1["best"] / plain["best"], 4),
        "kiln_trials_per_h": round(per_h(c1), 1),
        "optuna_trials_per_h": round(per_h(plain), 1),
        "overhead_ratio": round(per_h(c1) / per_h(plain), 3),
        "concurrency2_speedup": round(per_h(c2) / per_h(c1), 3),
        "asha_compute_saved_pct": round(100 * (1 - asha["steps"] / c1["steps"]), 1),
    }
    print(
        f"asha: best {asha['best']:.4f} vs unpruned {c1['best']:.4f} "
        f"({asha['best'] / c1['best']:.4f}x), {asha['steps']} vs {c1['steps']} steps"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps({"machine": info, "args": vars(args), "result": result, "optuna": plain, "kiln": kiln}, indent=1)
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
