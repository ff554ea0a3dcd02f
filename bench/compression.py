"""Compression: fp32 vs int8 vs int4 exports of a trained teacher, and distillation against SFT.

    python -m bench.compression [--student-steps 400] [--teacher-max-steps 3000] [--fresh-teacher]

Everything a figure depends on goes through Kiln's API, as a user would run it: a real gateway
(embedded Redis, local Ray) over gRPC; datasets uploaded with UploadDataset; the teacher and the
students trained by jobs (CreateJob / WatchJob); the int8 and int4 exports made by ExportModel;
every quality figure computed by an evaluation (CreateEvaluation: PERPLEXITY scores completion
tokens only, EXACT_MATCH decodes greedily).

- data (bench/compression_data.py): four templated tasks with three training phrasings each and
  one phrasing never trained on. val and test are new records (prompts absent from the training
  set and from each other); "unseen" uses only the held-out phrasings.
- teacher: kiln-gpt-small, SFT until its val loss plateaus (early stopping: patience and
  min_delta, best weights restored; a step cap as a guard). The trained teacher is cached: the
  gateway's data dir (Redis AOF + artifacts) lives under --cache-dir, and a rerun reuses the
  SUCCEEDED job whose display name carries the hash of the data and the teacher's settings.
- quality: held-out perplexity (test, completion tokens) of the fp32 teacher and of its int8 and
  int4 exports; exact match on test and on the unseen phrasings.
- distillation: two kiln-gpt-tiny students with the same data, steps, batch, schedule and seed:
  one DISTILL job from the teacher, one SFT job. distill_vs_sft_student_ppl_ratio = distilled
  student's test perplexity / SFT student's (< 1: distillation wins).
- speed and size: a larger random-weight kiln-gpt (6 layers, n_embd 1024, ~80M parameters), where
  weight bytes dominate decoding as they do for real models. Its fp32, int8 and int4 versions
  are each loaded into a private tritonserver (Python backend, Kiln's engine and quantized
  kernels) and decoded through Triton's gRPC streaming, greedy, batch 1. Decode tokens/s =
  (N - 1) / (time of an N-token request - time of a 1-token request), which takes prefill and
  per-request overhead out; median of interleaved rounds. The teacher and the distilled student
  are timed the same way (student_speedup).

The last line printed is one JSON object: {"int8_bytes_ratio", "int4_bytes_ratio",
"int8_ppl_delta_pct", "int4_ppl_delta_pct", "int8_decode_speedup", "int4_decode_speedup",
"student_quality_ratio", "student_speedup", "distill_vs_sft_student_ppl_ratio"};
student_quality_ratio = teacher test perplexity / distilled student's (1.0 = as good as the
teacher). bench/results/compression.json holds it with the machine block and every measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
# Ray starts its workers at nice 15; on a machine shared with other (nice 0) processes they then
# get a sliver of the CPU and the figures measure the scheduler (an export's kernel build took
# minutes). The bench's workers run at the same priority as everything else.
os.environ.setdefault("RAY_worker_niceness", "0")

import torch  # noqa: E402

from bench.compression_data import splits  # noqa: E402
from bench.machine import machine  # noqa: E402
from kiln.v1 import datasets_pb2, evaluation_pb2, jobs_pb2, models_pb2, sampling_pb2  # noqa: E402
from kiln_trainer.compress import export_model, load_compressed  # noqa: E402
from kiln_trainer.models.gpt import GPT, GPTConfig  # noqa: E402
from kiln_trainer.models.loader import KILN_GPT, LoadedModel, load_causal_lm  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "compression.json"
SPEED_CONFIG = GPTConfig(vocab_size=2048, block_size=512, n_layer=6, n_head=16, n_embd=1024)
PROMPT = "Reverse the word: garden\n"
TEACHER, STUDENT = "kiln-gpt-small", "kiln-gpt-tiny"
EXACT_MATCH_TOKENS = 16  # the longest answer (three uppercased words) is well under this

_T0 = time.perf_counter()


def _phase(what: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.0f}s] {what}", file=sys.stderr, flush=True)


def _hparams(args: argparse.Namespace, steps: int, lr: float, early_stop: bool) -> jobs_pb2.Hyperparameters:
    hp = jobs_pb2.Hyperparameters(
        learning_rate=lr,
        max_steps=steps,
        batch_size=args.batch_size,
        max_seq_len=args.max_seq_len,
        warmup_steps=20,
        eval_every=args.eval_every,
        log_every=args.eval_every,
        checkpoint_every=100_000,
        seed=0,
    )
    if early_stop:
        hp.early_stopping_patience = args.patience
        hp.early_stopping_min_delta = args.min_delta
        hp.restore_best_weights = True
    return hp


def _teacher_key(args: argparse.Namespace, data: dict[str, list[dict[str, str]]]) -> str:
    """What the cached teacher depends on: its data and its settings."""
    blob = json.dumps(
        {
            "data": [data["train"], data["val"]],
            "model": TEACHER,
            "hp": str(_hparams(args, args.teacher_max_steps, args.teacher_lr, True)),
        },
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@dataclass
class Api:
    """The gRPC stubs of one gateway and the caller's credentials."""

    channel: Any
    md: tuple[tuple[str, str], ...]
    artifact_root: Path
    stubs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        from kiln.v1 import datasets_pb2_grpc, evaluation_pb2_grpc, jobs_pb2_grpc, models_pb2_grpc

        self.stubs = {
            "datasets": datasets_pb2_grpc.DatasetServiceStub(self.channel),
            "jobs": jobs_pb2_grpc.JobServiceStub(self.channel),
            "models": models_pb2_grpc.ModelServiceStub(self.channel),
            "evals": evaluation_pb2_grpc.EvaluationServiceStub(self.channel),
        }

    async def upload(self, name: str, records: list[dict[str, str]]) -> str:
        blob = "".join(json.dumps(r) + "\n" for r in records).encode()

        async def chunks():
            yield datasets_pb2.UploadDatasetRequest(
                metadata=datasets_pb2.DatasetMetadata(display_name=name, format=datasets_pb2.DATASET_FORMAT_SFT)
            )
            for i in range(0, len(blob), 1 << 16):
                yield datasets_pb2.UploadDatasetRequest(chunk=blob[i : i + (1 << 16)])

        ds = await self.stubs["datasets"].UploadDataset(chunks(), metadata=self.md)
        return str(ds.name)

    async def find_job(self, display_name: str) -> jobs_pb2.Job | None:
        listed = await self.stubs["jobs"].ListJobs(
            jobs_pb2.ListJobsRequest(state=jobs_pb2.JOB_STATE_SUCCEEDED, page_size=1000), metadata=self.md
        )
        return next((j for j in listed.jobs if j.display_name == display_name), None)

    async def run_job(self, job: jobs_pb2.Job) -> jobs_pb2.Job:
        """Create the job, follow its events to the end, return it final (SUCCEEDED or raise)."""
        created = await self.stubs["jobs"].CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=self.md)
        async for event in self.stubs["jobs"].WatchJob(jobs_pb2.WatchJobRequest(name=created.name), metadata=self.md):
            if event.HasField("metrics") and "val_loss" in event.metrics.values:
                m = event.metrics
                _phase(f"  {job.display_name} step {m.step}: val_loss {m.values['val_loss']:.4f}")
        done = await self.stubs["jobs"].GetJob(jobs_pb2.GetJobRequest(name=created.name), metadata=self.md)
        if done.state != jobs_pb2.JOB_STATE_SUCCEEDED:
            raise RuntimeError(f"{job.display_name}: {jobs_pb2.JobState.Name(done.state)} {done.error}")
        return done

    async def export(self, model: str, quantization: models_pb2.Quantization) -> models_pb2.Model:
        request_id = f"bench-{model.replace('/', '-')}-{quantization}"
        req = models_pb2.ExportModelRequest(name=model, quantization=quantization, request_id=request_id)
        return await self.stubs["models"].ExportModel(req, metadata=self.md)

    async def evaluate(
        self, model: str, dataset: str, metrics: list[evaluation_pb2.EvaluationMetric]
    ) -> dict[str, float]:
        ev = evaluation_pb2.Evaluation(
            display_name=f"bench {model}",
            model=model,
            dataset=dataset,
            metrics=metrics,
            sampling_params=sampling_pb2.SamplingParams(temperature=0.0, max_tokens=EXACT_MATCH_TOKENS),
        )
        created = await self.stubs["evals"].CreateEvaluation(
            evaluation_pb2.CreateEvaluationRequest(evaluation=ev), metadata=self.md
        )
        async for _ in self.stubs["evals"].WatchEvaluation(
            evaluation_pb2.WatchEvaluationRequest(name=created.name), metadata=self.md
        ):
            pass
        done = await self.stubs["evals"].GetEvaluation(
            evaluation_pb2.GetEvaluationRequest(name=created.name), metadata=self.md
        )
        if done.state != evaluation_pb2.EVALUATION_STATE_SUCCEEDED:
            raise RuntimeError(f"evaluation of {model}: {evaluation_pb2.EvaluationState.Name(done.state)} {done.error}")
        return dict(done.results)

    async def local_dir(self, model: str) -> Path:
        """Where the gateway's (local) artifact store keeps a model's files, for Triton timing."""
        from kiln_server.platform.artifacts import ArtifactStore, rel_of

        got = await self.stubs["models"].GetModel(models_pb2.GetModelRequest(name=model), metadata=self.md)
        path = ArtifactStore(str(self.artifact_root)).local_path(rel_of(got.artifact_uri))
        assert path is not None, got.artifact_uri
        return path


def _job(
    name: str, method: jobs_pb2.JobMethod, base: str, train: str, val: str, hp: jobs_pb2.Hyperparameters, **cfg: Any
) -> jobs_pb2.Job:
    return jobs_pb2.Job(
        display_name=name,
        method=method,
        base_model=base,
        training_dataset=train,
        validation_dataset=val,
        hyperparameters=hp,
        **cfg,
    )


def _seconds(job: jobs_pb2.Job) -> float:
    return (job.end_time.ToMilliseconds() - job.start_time.ToMilliseconds()) / 1000


async def quality(args: argparse.Namespace, data: dict[str, list[dict[str, str]]]) -> dict[str, Any]:
    """Train (or reuse) the teacher, export it, train both students and evaluate all five."""
    from grpc import aio

    from kiln_server.platform.app import create_server
    from kiln_server.platform.config import KilnConfig

    data_dir = Path(args.cache_dir).expanduser() / "kiln"
    config = KilnConfig(port=0, data_dir=data_dir, log_json=False, ray_num_cpus=2, log_level="WARNING")
    server, port = await create_server(config)
    await server.start()
    channel = aio.insecure_channel(f"127.0.0.1:{port}")
    try:
        await server.tenants.create_tenant("bench")
        _, key = await server.tenants.create_key("bench")
        api = Api(channel, (("authorization", f"Bearer {key}"),), Path(config.artifact_root))
        ds = {k: await api.upload(f"compression-{k}", v) for k, v in data.items()}

        teacher_name = f"compression-teacher-{_teacher_key(args, data)}"
        teacher_job = None if args.fresh_teacher else await api.find_job(teacher_name)
        cached = teacher_job is not None
        if teacher_job is None:
            _phase(f"training the teacher ({TEACHER}, SFT until val loss plateaus) over gRPC")
            hp = _hparams(args, args.teacher_max_steps, args.teacher_lr, early_stop=True)
            teacher_job = await api.run_job(
                _job(
                    teacher_name, jobs_pb2.JOB_METHOD_SFT, TEACHER, ds["train"], ds["val"], hp, sft=jobs_pb2.SftConfig()
                )
            )
        else:
            _phase(f"reusing the cached teacher {teacher_job.output_model} ({teacher_job.name})")
        teacher = teacher_job.output_model

        _phase("exporting the teacher: ExportModel int8, int4")
        exports = {
            "int8": await api.export(teacher, models_pb2.QUANTIZATION_INT8),
            "int4": await api.export(teacher, models_pb2.QUANTIZATION_INT4),
        }

        students: dict[str, jobs_pb2.Job] = {}
        hp = _hparams(args, args.student_steps, args.student_lr, early_stop=False)
        for kind in args.students:
            _phase(f"training the {kind} student ({STUDENT}, {args.student_steps} steps) over gRPC")
            if kind == "distill":
                cfg = jobs_pb2.DistillConfig(teacher_model=teacher, temperature=args.temperature, alpha=args.alpha)
                job = _job(
                    "compression-student-distill",
                    jobs_pb2.JOB_METHOD_DISTILL,
                    STUDENT,
                    ds["train"],
                    ds["val"],
                    hp,
                    distill=cfg,
                )
            else:
                job = _job(
                    "compression-student-sft",
                    jobs_pb2.JOB_METHOD_SFT,
                    STUDENT,
                    ds["train"],
                    ds["val"],
                    hp,
                    sft=jobs_pb2.SftConfig(),
                )
            students[kind] = await api.run_job(job)

        models = {
            "teacher": teacher,
            "int8": exports["int8"].name,
            "int4": exports["int4"].name,
            **{f"student_{k}": j.output_model for k, j in students.items()},
        }
        ppl = evaluation_pb2.EVALUATION_METRIC_PERPLEXITY
        em = evaluation_pb2.EVALUATION_METRIC_EXACT_MATCH
        evals: dict[str, dict[str, float]] = {}
        for label, model in models.items():
            _phase(f"evaluating {label} ({model}): test and unseen-phrasing sets")
            test = await api.evaluate(model, ds["test"], [ppl, em])
            unseen = await api.evaluate(model, ds["unseen"], [ppl, em])
            evals[label] = {
                "test_ppl": test["perplexity"],
                "test_exact_match": test["exact_match"],
                "unseen_ppl": unseen["perplexity"],
                "unseen_exact_match": unseen["exact_match"],
            }
            _phase(f"  {label}: {evals[label]}")
        dirs = {label: await api.local_dir(model) for label, model in models.items()}
        return {
            "teacher_job": teacher_job.name,
            "teacher_cached": cached,
            "teacher_steps": teacher_job.step,
            "teacher_train_s": _seconds(teacher_job),
            "teacher_final_val_loss": teacher_job.latest_metrics.get("val_loss"),
            "student_train_s": {k: _seconds(j) for k, j in students.items()},
            "models": models,
            "evals": evals,
            "dirs": {k: str(v) for k, v in dirs.items()},
        }
    finally:
        await channel.close()
        await server.stop(grace=1)


def _speed_model(work: Path) -> Path:
    torch.manual_seed(0)
    tokenizer = load_causal_lm(STUDENT).tokenizer  # the shared Kiln tokenizer
    return LoadedModel(GPT(SPEED_CONFIG), tokenizer, KILN_GPT, SPEED_CONFIG.block_size).save(work / "speed-fp32")


def _weights_bytes(model_dir: Path) -> int:
    return sum(f.stat().st_size for f in Path(model_dir).glob("*.safetensors"))


async def _decode_rates(dirs: dict[str, Path], work: Path, tokens: int, rounds: int) -> dict[str, float]:
    """Median decode tokens/s of each model through a private tritonserver, rounds interleaved."""
    from kiln_server.sampling.triton import TritonBackend
    from kiln_server.sampling.triton_repo import TritonEntry, write_entry

    backend = TritonBackend(None, work / "triton" / "models", work / "triton")
    threads = os.cpu_count() or 1
    params = {"temperature": 0.0, "max_tokens": tokens, "stop_at_eos": False}
    rates: dict[str, list[float]] = {k: [] for k in dirs}

    async def timed(name: str, n: int) -> float:
        started = time.perf_counter()
        count = 0
        async for item in backend.stream(name, {"prompt": PROMPT, "params": {**params, "max_tokens": n}, "n": 1}):
            if "error" in item:
                raise RuntimeError(f"{name}: {item['error']}")
            count += len(item.get("token_ids", []))
        assert count == n, (name, count, n)
        return time.perf_counter() - started

    try:
        await backend.ensure_started()
        for name, path in dirs.items():
            write_entry(
                backend.model_repository, TritonEntry(name, str(path), name, torch_threads=threads, engine_max_batch=4)
            )
            await backend.load(name)
        for name in dirs:  # warm-up: kernel builds, first-call allocations
            await backend.generate(name, {"prompt": PROMPT, "params": {**params, "max_tokens": 4}, "n": 1})
        for _ in range(rounds):
            for name in dirs:
                one, full = await timed(name, 1), await timed(name, tokens)
                rates[name].append((tokens - 1) / max(full - one, 1e-9))
        for name in dirs:
            await backend.unload(name)
    finally:
        await backend.close()
    return {k: statistics.median(v) for k, v in rates.items()}


def main(argv: list[str] | None = None) -> dict[str, float]:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train-records", type=int, default=6000)
    ap.add_argument("--eval-records", type=int, default=200, help="records in each of val, test and unseen")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--max-seq-len", type=int, default=32)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--teacher-max-steps", type=int, default=1500, help="a guard; early stopping ends it")
    ap.add_argument("--teacher-lr", type=float, default=1e-3)
    ap.add_argument("--patience", type=int, default=3, help="validation passes without improvement")
    ap.add_argument("--min-delta", type=float, default=0.01)
    ap.add_argument("--student-steps", type=int, default=400)
    ap.add_argument("--student-lr", type=float, default=2e-3)
    ap.add_argument("--students", nargs="*", default=["distill", "sft"], choices=["distill", "sft"])
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--alpha", type=float, default=0.5)
    ap.add_argument("--decode-tokens", type=int, default=48)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--skip-speed", action="store_true", help="quality only (no tritonserver timing)")
    ap.add_argument("--cache-dir", default=os.environ.get("KILN_BENCH_CACHE", "~/.cache/kiln-bench/compression"))
    ap.add_argument("--fresh-teacher", action="store_true", help="train the teacher even if one is cached")
    ap.add_argument("--no-write", action="store_true", help="do not write bench/results/compression.json")
    args = ap.parse_args(argv)
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    info = machine(threads=threads)
    print(json.dumps({"machine": info}), flush=True)

    data = splits(args.train_records, args.eval_records, args.eval_records, args.eval_records)
    q = asyncio.run(quality(args, data))
    ev = q["evals"]

    rates: dict[str, float] = {}
    size: dict[str, int] = {}
    if not args.skip_speed:
        with tempfile.TemporaryDirectory(prefix="kiln-bench-compress-") as tmp:
            work = Path(tmp)
            _phase("building and exporting the speed model")
            speed_fp32 = _speed_model(work)
            size["fp32"] = _weights_bytes(speed_fp32)
            for qn in ("int8", "int4"):
                size[qn] = export_model(speed_fp32, work / f"speed-{qn}", quantization=qn).size_bytes
                load_compressed(work / f"speed-{qn}")  # the export loads back (sha256, shapes) before timing
            _phase("decoding through tritonserver")
            dirs = {"speed-fp32": speed_fp32, "speed-int8": work / "speed-int8", "speed-int4": work / "speed-int4"}
            dirs |= {"teacher": Path(q["dirs"]["teacher"])}
            if "student_distill" in q["dirs"]:
                dirs["student"] = Path(q["dirs"]["student_distill"])
            rates = asyncio.run(_decode_rates(dirs, work, args.decode_tokens, args.rounds))

    def delta(qn: str) -> float:
        return 100.0 * (ev[qn]["test_ppl"] - ev["teacher"]["test_ppl"]) / ev["teacher"]["test_ppl"]

    result: dict[str, float] = {"int8_ppl_delta_pct": delta("int8"), "int4_ppl_delta_pct": delta("int4")}
    if rates:
        result |= {
            "int8_bytes_ratio": size["int8"] / size["fp32"],
            "int4_bytes_ratio": size["int4"] / size["fp32"],
            "int8_decode_speedup": rates["speed-int8"] / rates["speed-fp32"],
            "int4_decode_speedup": rates["speed-int4"] / rates["speed-fp32"],
        }
    if "student_distill" in ev:
        result["student_quality_ratio"] = ev["teacher"]["test_ppl"] / ev["student_distill"]["test_ppl"]
        if "student" in rates:
            result["student_speedup"] = rates["student"] / rates["teacher"]
    if "student_distill" in ev and "student_sft" in ev:
        result["distill_vs_sft_student_ppl_ratio"] = ev["student_distill"]["test_ppl"] / ev["student_sft"]["test_ppl"]

    print(
        f"teacher: {TEACHER} SFT, early stopping (patience {args.patience} x {args.eval_every} steps, "
        f"min_delta {args.min_delta}, best weights restored), stopped at step {q['teacher_steps']} in "
        f"{q['teacher_train_s']:.0f}s"
        f"{' (cached: trained by an earlier run)' if q['teacher_cached'] else ''}; last val loss "
        f"{q['teacher_final_val_loss']:.4f}"
    )
    print(
        f"students: {STUDENT}, {args.student_steps} steps each, batch {args.batch_size} x {args.max_seq_len} "
        f"tokens (packed), lr {args.student_lr}; DISTILL temperature {args.temperature}, alpha {args.alpha}; "
        f"train s: {', '.join(f'{k} {v:.0f}' for k, v in q['student_train_s'].items())}"
    )
    print(
        f"data: {args.train_records} training records; {args.eval_records} each of val, test (new records, "
        "training phrasings) and unseen (held-out phrasings); perplexity on completion tokens only"
    )
    print()
    print(f"{'model':<16} {'test ppl':>9} {'ppl delta':>10} {'test EM':>8} {'unseen ppl':>11} {'unseen EM':>10}")
    for label, e in ev.items():
        d = f"{100.0 * (e['test_ppl'] / ev['teacher']['test_ppl'] - 1):+9.2f}%" if label in ("int8", "int4") else ""
        print(
            f"{label:<16} {e['test_ppl']:>9.3f} {d:>10} {e['test_exact_match']:>8.3f} "
            f"{e['unseen_ppl']:>11.3f} {e['unseen_exact_match']:>10.3f}"
        )
    if rates:
        n_speed = sum(p.numel() for p in GPT(SPEED_CONFIG).parameters())
        print()
        print(
            f"speed model: kiln-gpt {SPEED_CONFIG.n_layer}x{SPEED_CONFIG.n_embd}, {n_speed / 1e6:.0f}M params; "
            f"decode through tritonserver, greedy, batch 1, {args.decode_tokens} tokens, median of {args.rounds}"
        )
        print(f"{'model':<16} {'weights MB':>11} {'bytes ratio':>12} {'decode tok/s':>13} {'speedup':>8}")
        for qn in ("fp32", "int8", "int4"):
            print(
                f"{qn:<16} {size[qn] / 1e6:>11.1f} {size[qn] / size['fp32']:>12.3f} "
                f"{rates[f'speed-{qn}']:>13.1f} {rates[f'speed-{qn}'] / rates['speed-fp32']:>8.2f}"
            )
        for label in ("teacher", "student"):
            if label in rates:
                print(f"{label:<16} {'':>11} {'':>12} {rates[label]:>13.1f} {rates[label] / rates['teacher']:>8.2f}")
    result = {k: round(v, 4) for k, v in result.items()}
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        record = {k: v for k, v in q.items() if k != "dirs"}
        RESULTS.write_text(
            json.dumps(
                {
                    "machine": info,
                    "args": vars(args),
                    "result": result,
                    "quality": record,
                    "decode_tokens_per_s": rates,
                    "weights_bytes": size,
                },
                indent=1,
            )
            + "\n"
        )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
