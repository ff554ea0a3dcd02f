"""What runs inside the Ray actor of one job attempt: fetch inputs, train, report the outcome.

`JobRunner` is a plain class (tested without Ray); the scheduler wraps it with `ray.remote`.
With resources.workers > 1 it hands the training loop to Ray Train's TorchTrainer, which runs
`train()` in every worker with torch.distributed initialised (data-parallel, gloo on CPU).
"""

from __future__ import annotations

import os
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from kiln_server.datasets.builtin import PREFIX as BUILTIN_PREFIX
from kiln_server.datasets.builtin import materialize
from kiln_server.jobs.context import JobHandle, RedisTrainContext
from kiln_server.jobs.methods import BY_NAME
from kiln_server.jobs.spec import JobSpec
from kiln_server.operations.worker import AttemptRunner, Fenced
from kiln_server.platform.artifacts import ArtifactStore
from kiln_trainer.errors import TrainingCancelled


class JobRunner(AttemptRunner):
    def __init__(self, handle: JobHandle, spec: JobSpec, dataset_rels: dict[str, str | None]):
        self.handle = handle
        self.spec = spec
        self.rels = dataset_rels  # {"train": rel, "val": rel | None}

    def attempt(self) -> str:
        ctx = RedisTrainContext(self.handle)
        ctx.mark_pid()
        try:
            ctx.log(f"attempt {self.handle.attempt} started on {os.uname().nodename} (pid {os.getpid()})")
            config = self._config(ctx)
            workers = self.spec.resources.workers
            method = BY_NAME[self.spec.method]
            if workers > 1:
                result = _train_data_parallel(self.handle, self.spec, config, workers)
            else:
                result = method.train_fn()(method.config_cls().from_dict(config), ctx)
            if ctx.should_stop():
                raise Fenced("cancelled while the model was being saved")
            model_id = ctx.complete(result, self.spec.base_model.name, self.spec.display_name)
            ctx.log(f"registered models/{model_id}")
            return "SUCCEEDED"
        except (TrainingCancelled, Fenced):
            ctx.log("stopped: the job was cancelled or handed to another attempt", "warning")
            return "STOPPED"
        except Exception as exc:  # any training error ends the job FAILED with the reason
            reason = f"{type(exc).__name__}: {exc}"
            ctx.log(f"failed: {reason}\n{traceback.format_exc(limit=8)}", "error")
            ctx.fail(reason)
            return "FAILED"

    def _config(self, ctx: RedisTrainContext) -> dict[str, Any]:
        """The trainer config with local paths: datasets and models fetched to this worker."""
        store = ArtifactStore(self.handle.artifact_root)
        inputs = ctx.work_dir.parent / "inputs"
        method = BY_NAME[self.spec.method]
        config = dict(self.spec.config)
        config[method.data_key] = str(_fetch_file(store, self.rels["train"], inputs / "train.jsonl"))
        if self.rels.get("val") and method.val_key:
            config[method.val_key] = str(_fetch_file(store, self.rels["val"], inputs / "val.jsonl"))
        config["base_model"] = self.spec.base_model.fetch(store, inputs / "base_model")
        for key, ref in self.spec.model_refs.items():
            config[key] = ref.fetch(store, inputs / key)
        return config


def _fetch_file(store: ArtifactStore, rel: str | None, dest: Path) -> Path:
    if rel is None:
        raise FileNotFoundError(f"the job's dataset is gone (deleted before the job ran): {dest.name}")
    if rel.startswith(BUILTIN_PREFIX):
        return materialize(rel, dest)
    local = store.local_path(rel)
    return local if local is not None else store.get_file(rel, dest)


def _train_data_parallel(handle: JobHandle, spec: JobSpec, config: dict, workers: int):
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    def loop(loop_config: dict) -> None:
        import ray.train
        import torch.distributed as dist

        from kiln_trainer.algorithms.sft import SFTConfig, train

        rank = dist.get_rank() if dist.is_initialized() else ray.train.get_context().get_world_rank()
        ctx = RedisTrainContext(replace(loop_config["handle"], rank=rank))
        result = train(SFTConfig.from_dict(loop_config["config"]), ctx)
        if rank == 0:
            Path(loop_config["result_file"]).write_text(str(result.model_dir) + "\n" + result.family)

    result_file = Path(handle.scratch_dir) / "jobs" / handle.id / f"attempt-{handle.attempt}" / "result.txt"
    result_file.parent.mkdir(parents=True, exist_ok=True)
    resources = spec.resources
    trainer = TorchTrainer(
        loop,
        train_loop_config={"handle": handle, "config": config, "result_file": str(result_file)},
        scaling_config=ScalingConfig(
            num_workers=workers,
            use_gpu=resources.gpus > 0,
            resources_per_worker={"CPU": resources.cpus, **({"GPU": resources.gpus} if resources.gpus else {})},
        ),
        run_config=RunConfig(
            name=f"{handle.id}-attempt-{handle.attempt}", storage_path=str(Path(handle.scratch_dir) / "ray_train")
        ),
    )
    trainer.fit()
    from kiln_trainer.context import TrainResult

    model_dir, family = result_file.read_text().split("\n")
    # Rank 0's metrics and artifacts were already reported through its own context.
    return TrainResult(model_dir=Path(model_dir), family=family)
