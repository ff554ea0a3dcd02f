"""The worker side of a job: a TrainContext that reports to Redis and the artifact store.

It runs inside Ray workers (sync redis client). Every write that decides the job's fate
(success, failure) is fenced by the attempt number, so a worker from an earlier attempt that
is still limping along can never overwrite the outcome of the attempt that replaced it.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from kiln_server.jobs.record import Checkpoint, JobRecord
from kiln_server.jobs.store import JOBS, JobStore
from kiln_server.models.record import ModelRecord
from kiln_server.models.store import ModelStore
from kiln_server.operations.record import State
from kiln_server.operations.worker import AttemptHandle, AttemptReporter, Fenced
from kiln_server.platform import names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.tenants.storage import release_sync, reserve_sync
from kiln_trainer.context import TrainResult

log = logging.getLogger("kiln.worker")

_STOP_POLL_S = 0.5  # should_stop() is called every step; Redis is asked at most this often


@dataclass
class JobHandle(AttemptHandle):
    """An attempt's handle plus the rank of the data-parallel worker holding it."""

    rank: int = 0
    storage_quota_default: int = 100 * 1024**3  # the deployment's KILN_QUOTA_STORAGE_BYTES


def now_ms() -> int:
    return int(time.time() * 1000)


class RedisTrainContext(AttemptReporter):
    operation = JOBS
    codec = JobStore.codec

    def __init__(self, handle: JobHandle):
        super().__init__(handle)
        self.job_id = handle.id
        self.artifacts = ArtifactStore(handle.artifact_root)
        attempt_dir = Path(handle.scratch_dir) / "jobs" / handle.id / f"attempt-{handle.attempt}"
        self.work_dir = attempt_dir / f"rank-{handle.rank}"
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._stop_checked = 0.0
        self._stop = False
        self._rel = f"jobs/{handle.tenant}/{handle.id}"
        self._storage_default = handle.storage_quota_default
        # The record's latest metrics, read once: while this attempt runs it is their only writer,
        # so each report writes the merge without reading the whole record (spec included) again.
        self._latest: dict[str, float] | None = None

    # -- TrainContext --------------------------------------------------------------------------
    def report_metrics(self, step: int, metrics: dict[str, float], total_steps: int | None = None) -> None:
        values = {k: float(v) for k, v in metrics.items()}
        if self._latest is None:  # an earlier attempt's metrics stay until reported again
            self._latest = dict(self._current().metrics)
        self._latest.update(values)
        latest = dict(self._latest)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self.record_key, mapping=self.codec.fields(step=step, total_steps=total_steps or 0, metrics=latest))
        self.event("metrics", {"step": step, "total_steps": total_steps or 0, "values": values}, pipe)
        pipe.execute()

    def log(self, message: str, level: str = "info") -> None:
        log.log(logging.getLevelName(level.upper()), "%s: %s", self.job_id, message)
        self.event("log", {"level": level, "message": message})

    def should_stop(self) -> bool:
        if not self._stop and time.monotonic() - self._stop_checked > _STOP_POLL_S:
            self._stop_checked = time.monotonic()
            self._stop = not self.owns()
        return self._stop

    def save_checkpoint(self, step: int, state_dir: Path) -> None:
        rel = f"{self._rel}/checkpoints/step-{step:08d}"
        checkpoint = Checkpoint(step=step, uri=self.artifacts.put_dir(state_dir, rel), time=now_ms(), rel=rel)
        pipe = self.redis.pipeline(transaction=True)
        JobStore.stage_checkpoint(pipe, self.keys, self.h.tenant, self.h.id, checkpoint)
        self.event("checkpoint", checkpoint.to_dict(), pipe)
        pipe.execute()

    def latest_checkpoint(self) -> Path | None:
        checkpoint = self._current().last_checkpoint
        if checkpoint is None:
            return None
        dest = self.work_dir / "resume" / f"step-{checkpoint.step:08d}"
        shutil.rmtree(dest, ignore_errors=True)
        self.artifacts.get_dir(checkpoint.rel, dest)
        return dest

    def save_artifact(self, name: str, local_path: Path) -> str:
        size = Path(local_path).stat().st_size
        self._reserve_storage(size, f"job artifact {name!r}")
        try:
            uri = self.artifacts.put_file(Path(local_path), f"{self._rel}/artifacts/{name}")
            artifacts = self._current().artifacts | {name: uri}
            self.redis.hset(self.record_key, mapping=self.codec.fields(artifacts=artifacts))
        except BaseException:
            release_sync(self.redis, self.keys, self.h.tenant, size)
            raise
        return uri

    def _reserve_storage(self, size: int, what: str) -> None:
        """RESOURCE_EXHAUSTED (the job then FAILS naming quotas.storage_bytes) past the quota."""
        raw = self.redis.hget(self.keys.tenant_quotas(self.h.tenant), "storage_bytes")
        quota = int(float(raw)) if raw else self._storage_default
        reserve_sync(self.redis, self.keys, self.h.tenant, size, quota, what)

    def _current(self) -> JobRecord:
        return self.codec.from_hash(self.redis.hgetall(self.record_key))

    # -- outcome -------------------------------------------------------------------------------
    def complete(self, result: TrainResult, base_model: str, display_name: str) -> str:
        """Uploads the model, registers it and marks the job SUCCEEDED, atomically and fenced."""
        model_id = names.new_id("models")
        rel = f"models/{self.h.tenant}/{model_id}"
        params, size, version = _weights_summary(result.model_dir)
        # Reserved before anything is stored: past the quota the job fails with nothing written.
        self._reserve_storage(size, "the job's output model")
        try:
            uri = self.artifacts.put_dir(result.model_dir, rel)
            model = ModelRecord(
                id=model_id,
                display_name=display_name,
                family=result.family,
                base_model=base_model,
                source_job=f"jobs/{self.h.id}",
                artifact_uri=uri,
                artifact_rel=rel,
                version=f"{model_id}@{version}",
                parameter_count=params,
                size_bytes=size,
                metrics=dict(result.metrics),
                create_time=now_ms(),
            )
            self._register(model)
        except BaseException:
            release_sync(self.redis, self.keys, self.h.tenant, size)
            raise
        return model_id

    def _register(self, model: ModelRecord) -> None:
        """The model and SUCCEEDED in one fenced transaction; its weights removed if fenced."""
        with self.redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(self.record_key)
                if not self.owns(pipe):
                    raise Fenced("the job ended or moved to another attempt")
                pipe.multi()
                ModelStore.stage_register(pipe, self.keys, self.h.tenant, model)
                self.stage_transition(pipe, State.SUCCEEDED, "training finished", output_model=f"models/{model.id}")
                pipe.execute()
            except (Fenced, redis.WatchError):
                self.artifacts.delete(model.artifact_rel)
                raise

    def collect_feedback(self, samples: list, timeout_s: float) -> dict[str, float]:
        """Publishes samples for people to rate and returns {sample_id: score in [0, 1]} for those
        rated within `timeout_s` (PPO with a human-feedback reward)."""
        from kiln_server.feedback.wait import publish_samples, wait_for_scores

        stream = self.keys.feedback(self.h.tenant)
        last = self.redis.xrevrange(stream, count=1)
        after = last[0][0].decode() if last else "0-0"
        ids = publish_samples(self.redis, self.keys, self.h.tenant, self.h.id, samples)
        self.log("feedback_requested " + " ".join(f"samples/{i}" for i in ids))
        return wait_for_scores(self.redis, self.keys, self.h.tenant, ids, after, timeout_s, self.should_stop)


def _weights_summary(model_dir: Path) -> tuple[int, int, str]:
    """(parameter count, bytes on disk, short content hash of the weights)."""
    from safetensors import safe_open

    params, digest = 0, hashlib.sha256()
    for f in sorted(Path(model_dir).glob("*.safetensors")):
        with safe_open(str(f), framework="np") as st:
            for name in st.keys():  # noqa: SIM118 - safe_open is not a dict
                shape = st.get_slice(name).get_shape()
                n = 1
                for d in shape:
                    n *= d
                params += n
        with open(f, "rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                digest.update(block)
    size = sum(f.stat().st_size for f in Path(model_dir).rglob("*") if f.is_file())
    return params, size, digest.hexdigest()[:12]
