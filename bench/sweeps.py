"""Sweeps: Kiln's SweepService against plain Optuna calling the same trainer in-process.

    python -m bench.sweeps [--trials 8] [--steps 30] [--records 300] [--algorithm tpe] [--rounds 3]
    python -m bench.sweeps --docs     # only rewrite the docs section from bench/results/sweeps.json

The objective is a short LoRA SFT of kiln-gpt-tiny on the bundled demo records (final val_loss,
minimised) over the same space (learning rate, log-uniform; LoRA rank), with the same sampler
(built by the same code: kiln_server.sweeps.study.sampler_of), the same seed and the same trial
budget. Each side trains with one torch thread (a Ray worker with one CPU gets
OMP_NUM_THREADS=1). The runs, one after the other, against one gateway (embedded Redis, local Ray
with 2 CPUs) over gRPC, every trial a job:

1. `--rounds` interleaved rounds of: plain Optuna in-process (study.optimize over a function that
   builds the trainer config the way the gateway does, jobs/spec.py, and calls kiln_trainer's SFT
   train(), in a thread of the same process), then Kiln at concurrency 1; the overhead ratio is
   the median of each round's Kiln/Optuna trials-per-hour ratio (the shared machine's load drifts);
2. Kiln at concurrency 2 (speedup over the c1 median; "at most N at once" counts the trial jobs
   that really overlapped);
3. Kiln at concurrency 1 with ASHA (successive halving), its trial compute (optimizer steps
   actually run) against the first c1 round's;
4. the acceptance check: an exhaustive grid over learning rate x LoRA rank (GRID_LRS x
   GRID_RANKS) against TPE over the same (categorical) space with fewer trials.

Trials per hour count trials over the wall time from the start (study.optimize, CreateSweep)
to the last result; Kiln's per-trial time is split into queued, ran and the sweep's own gap. The
machine (CPU model, flags, threads, torch, git commit, load average) is printed first. The last
line is one JSON object: {"kiln_best", "optuna_best", "best_ratio", "kiln_trials_per_h",
"optuna_trials_per_h", "overhead_ratio", "concurrency2_speedup", "asha_compute_saved_pct"}; the
line before it has the grid/TPE figures; both are written to bench/results/sweeps.json with the
machine and every run's trials, and the Sweeps section of docs/benchmarks.md is rewritten from
that file (bench/sweeps_docs.py).
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

from bench import sweeps_docs  # noqa: E402
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


# The grid rows' space: the continuous space's ranges on a grid (learning rate x LoRA rank).
GRID_LRS = ("0.0003", "0.001", "0.003", "0.01", "0.03")
GRID_RANKS = ("2", "4", "8", "16")


def continuous_space() -> list[sweeps_pb2.SearchParameter]:
    return [
        sweeps_pb2.SearchParameter(
            target="hyperparameters.learning_rate", float_range=sweeps_pb2.FloatRange(low=1e-4, high=5e-2, log=True)
        ),
        sweeps_pb2.SearchParameter(target="sft.lora.rank", int_range=sweeps_pb2.IntRange(low=2, high=32, log=True)),
    ]


def grid_space() -> list[sweeps_pb2.SearchParameter]:
    return [
        sweeps_pb2.SearchParameter(
            target="hyperparameters.learning_rate", categorical=sweeps_pb2.Categorical(values=list(GRID_LRS))
        ),
        sweeps_pb2.SearchParameter(target="sft.lora.rank", categorical=sweeps_pb2.Categorical(values=list(GRID_RANKS))),
    ]


def sweep(
    dataset: str,
    args: argparse.Namespace,
    concurrency: int,
    pruner: int,
    *,
    algorithm: str | None = None,
    trials: int | None = None,
    grid: bool = False,
) -> sweeps_pb2.Sweep:
    algorithm = algorithm or args.algorithm
    return sweeps_pb2.Sweep(
        display_name=f"bench {algorithm} c{concurrency} p{pruner}",
        template=template(dataset, args.steps),
        parameters=grid_space() if grid else continuous_space(),
        objectives=[sweeps_pb2.Objective(metric="val_loss", direction=sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE)],
        algorithm=sweeps_pb2.SweepAlgorithm.Value(f"SWEEP_ALGORITHM_{algorithm.upper()}"),
        pruner=pruner,
        budget=sweeps_pb2.SweepBudget(max_trials=trials or args.trials, max_concurrent_trials=concurrency),
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
        ctx = LocalContext(work_dir=work / f"trial-{trial.number}")
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


def overlap(jobs: list[jobs_pb2.Job]) -> int:
    """The most trial jobs that were running at the same moment."""
    edges = []
    for j in jobs:
        if j.start_time.seconds and j.end_time.seconds:
            edges += [(j.start_time.ToMilliseconds(), 1), (j.end_time.ToMilliseconds(), -1)]
    most = now = 0
    for _, d in sorted(edges, key=lambda e: (e[0], e[1])):
        now += d
        most = max(most, now)
    return most


def _start_ray(config: Any, tries: int = 4) -> None:
    """Ray's local start gives its raylet 30 s, which a saturated shared machine can miss: retry."""
    import ray

    from kiln_server.jobs.scheduler import init_ray

    for i in range(tries):
        try:
            init_ray(config)
            return
        except Exception as exc:
            if i == tries - 1:
                raise
            print(f"ray did not start ({exc}); retrying", flush=True)
            ray.shutdown()
            time.sleep(5)


async def run_kiln(args: argparse.Namespace, data: Path, work: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The Kiln runs, with the in-process Optuna rounds interleaved between Kiln's concurrency-1
    rounds (same process, same machine state): returns (Kiln runs by label, Optuna rounds)."""
    from grpc import aio

    from kiln.v1 import datasets_pb2_grpc, jobs_pb2_grpc, sweeps_pb2_grpc
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

        async def one(label: str, proto: sweeps_pb2.Sweep) -> dict[str, Any]:
            print(f"kiln sweep {label} ...", flush=True)
            started = time.perf_counter()
            created = await stub.CreateSweep(sweeps_pb2.CreateSweepRequest(sweep=proto), metadata=md)
            async for _ in stub.WatchSweep(sweeps_pb2.WatchSweepRequest(name=created.name), metadata=md):
                pass
            wall = time.perf_counter() - started
            done = await stub.GetSweep(sweeps_pb2.GetSweepRequest(name=created.name), metadata=md)
            listed = await jobs.ListJobs(jobs_pb2.ListJobsRequest(sweep=done.name, page_size=1000), metadata=md)
            r = {
                **timings(list(listed.jobs)),
                "max_trials_at_once": overlap(list(listed.jobs)),
                "state": sweeps_pb2.SweepState.Name(done.state),
                "best": done.best_trials[0].values[0] if done.best_trials else None,
                "best_params": dict(done.best_trials[0].params) if done.best_trials else {},
                "wall_s": wall,
                "n_trials": len(done.trials),
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
            print(
                f"  {label}: best {r['best']}, {len(done.trials)} trials, {wall:.1f}s, {r['steps']} steps, "
                f"at most {r['max_trials_at_once']} at once; per trial (medians): job queued "
                f"{r['job_queued_s']:.2f}s, job ran {r['job_ran_s']:.2f}s, sweep gap {r['sweep_gap_s']:.2f}s",
                flush=True,
            )
            return r

        none, sha = sweeps_pb2.SWEEP_PRUNER_NONE, sweeps_pb2.SWEEP_PRUNER_SUCCESSIVE_HALVING
        runs: dict[str, Any] = {"c1_rounds": []}
        plain: list[dict[str, Any]] = []
        for k in range(args.rounds):  # interleaved: Optuna, Kiln c1, Optuna, Kiln c1, ...
            print(f"plain optuna (round {k + 1}) ...", flush=True)
            plain.append(await asyncio.to_thread(run_optuna, args, data, work / f"optuna-{k}"))
            p = plain[-1]
            print(f"  optuna: best {p['best']:.4f}, {p['wall_s']:.1f}s ({p['wall_s'] / args.trials:.2f}s a trial)")
            runs["c1_rounds"].append(await one(f"c1 (round {k + 1})", sweep(ds.name, args, 1, none)))
        runs["c2"] = await one("c2", sweep(ds.name, args, 2, none))
        runs["asha"] = await one("asha", sweep(ds.name, args, 1, sha))
        grid_n = len(GRID_LRS) * len(GRID_RANKS)
        runs["grid"] = await one("grid", sweep(ds.name, args, 2, none, algorithm="grid", trials=grid_n, grid=True))
        runs["tpe_on_grid"] = await one(
            "tpe on the grid's space",
            sweep(ds.name, args, 2, none, algorithm="tpe", trials=args.grid_tpe_trials, grid=True),
        )
        return runs, plain
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
    parser.add_argument("--rounds", type=int, default=3, help="interleaved Optuna / Kiln c1 rounds (odd)")
    parser.add_argument("--grid-tpe-trials", type=int, default=8, help="TPE trials on the grid's space")
    parser.add_argument("--docs", action="store_true", help="only rewrite the docs section from the result file")
    args = parser.parse_args(argv)
    if args.docs:
        sweeps_docs.main()
        return json.loads(RESULTS.read_text())["result"]

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    info = machine(threads=1, torch_threads_per_trial=1, optuna=optuna.__version__, load_avg=os.getloadavg()[0])
    print(json.dumps({"machine": info}))
    print(f"{args.trials} trials of {args.steps} steps, {args.algorithm}, seed {args.seed}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = work / "train.jsonl"
        data.write_bytes(b"".join(DEMO_SFT_PATH.read_bytes().splitlines(keepends=True)[: args.records]))
        kiln, plain = asyncio.run(run_kiln(args, data, work))
    info["load_avg_end"] = os.getloadavg()[0]

    def per_h(run: dict[str, Any]) -> float:
        return run["n_trials"] / run["wall_s"] * 3600

    c1s, c2, asha, grid, tpe = kiln["c1_rounds"], kiln["c2"], kiln["asha"], kiln["grid"], kiln["tpe_on_grid"]
    for p in plain:
        p["n_trials"] = args.trials
    kiln_h = statistics.median(per_h(r) for r in c1s)
    optuna_h = statistics.median(per_h(p) for p in plain)
    # Each round's own ratio (Kiln right after its Optuna round), medianed: the load drifts.
    ratios = [per_h(k) / per_h(p) for k, p in zip(c1s, plain, strict=True)]
    c1 = c1s[0]
    result = {
        "kiln_best": round(c1["best"], 5),
        "optuna_best": round(plain[0]["best"], 5),
        "best_ratio": round(c1["best"] / plain[0]["best"], 4),
        "kiln_trials_per_h": round(kiln_h, 1),
        "optuna_trials_per_h": round(optuna_h, 1),
        "overhead_ratio": round(statistics.median(ratios), 3),
        "concurrency2_speedup": round(per_h(c2) / kiln_h, 3),
        "asha_compute_saved_pct": round(100 * (1 - asha["steps"] / c1["steps"]), 1),
    }
    extra = {
        "overhead_ratio_rounds": [round(r, 3) for r in ratios],
        "c2_max_trials_at_once": c2["max_trials_at_once"],
        "asha_best_ratio": round(asha["best"] / c1["best"], 4),
        "grid_best": round(grid["best"], 5),
        "grid_trials": grid["n_trials"],
        "tpe_on_grid_best": round(tpe["best"], 5),
        "tpe_on_grid_trials": tpe["n_trials"],
        "tpe_vs_grid_ratio": round(tpe["best"] / grid["best"], 4),
        "grid_best_params": grid["best_params"],
        "tpe_best_params": tpe["best_params"],
    }
    print(
        f"asha: best {asha['best']:.4f} vs unpruned {c1['best']:.4f} "
        f"({asha['best'] / c1['best']:.4f}x), {asha['steps']} vs {c1['steps']} steps"
    )
    print(
        f"grid vs tpe on the grid's space: grid best {grid['best']:.4f} in {grid['n_trials']} trials, "
        f"tpe best {tpe['best']:.4f} in {tpe['n_trials']} trials ({extra['tpe_vs_grid_ratio']:.4f}x)"
    )
    print(json.dumps(extra))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    doc = {"machine": info, "args": vars(args), "result": result, "extra": extra, "optuna": plain, "kiln": kiln}
    RESULTS.write_text(json.dumps(doc, indent=1))
    sweeps_docs.write_docs(doc)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
