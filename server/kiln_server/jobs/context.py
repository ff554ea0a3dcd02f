"""The worker side of a job: a TrainContext that reports to Redis and the artifact store.

It runs inside Ray workers (sync redis client). Every write that decides the job's fate
(success, failure) is fenced by the attempt number, so a worker from an earlier attempt that
is still limping along can never overwrite the outcome of the attempt that replaced it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from kiln_server.operations import scripts
from kiln_server.platform import names
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.keys import Keys
from kiln_trainer.context import TrainResult

log = logging.getLogger("kiln.worker")

_STOP_POLL_S = 0.5  # should_stop() is called every step; Redis is asked at most this often


class Fenced(Exception):
    """This attempt no longer owns the job (cancelled, or replaced by a retry)."""


@dataclass
class JobHandle:
    """What a worker needs to find its job: plain values, so it pickles into Ray tasks."""

    tenant: str
    job_id: str
    attempt: int
    redis_url: str
    prefix: str
    artifact_root: str
    scratch_dir: str
    rank: int = 0


def now_ms() -> int:
    return int(time.time() * 1000)


class RedisTrainContext:
    def __init__(self, handle: JobHandle):
        self.h = handle
        self.job_id = handle.job_id
        self.keys = Keys(handle.prefix)
        self.redis = redis.Redis.from_url(handle.redis_url)
        self.artifacts = ArtifactStore(handle.artifact_root)
        attempt_dir = Path(handle.scratch_dir) / "jobs" / handle.job_id / f"attempt-{handle.attempt}"
        self.work_dir = attempt_dir / f"rank-{handle.rank}"
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self._transition = self.redis.register_script(scripts.TRANSITION)
        self._stop_checked = 0.0
        self._stop = False
        self._job_key = self.keys.job(handle.tenant, handle.job_id)
        self._events = self.keys.job_events(handle.tenant, handle.job_id)
        self._rel = f"jobs/{handle.tenant}/{handle.job_id}"

    # -- TrainContext --------------------------------------------------------------------------
    def report_metrics(self, step: int, metrics: dict[str, float], total_steps: int | None = None) -> None:
        values = {k: float(v) for k, v in metrics.items()}
        latest = json.loads(self.redis.hget(self._job_key, "metrics") or "{}")
        latest.update(values)
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(self._job_key, mapping={"step": step, "total_steps": total_steps or 0, "metrics": json.dumps(latest)})
        self._event(pipe, "metrics", {"step": step, "total_steps": total_steps or 0, "values": values})
        pipe.execute()

    def log(self, message: str, level: str = "info") -> None:
        log.log(logging.getLevelName(level.upper()), "%s: %s", self.job_id, message)
        self._event(self.redis, "log", {"level": level, "message": message})

    def should_stop(self) -> bool:
        if not self._stop and time.monotonic() - self._stop_checked > _STOP_POLL_S:
            self._stop_checked = time.monotonic()
            state, attempt = self.redis.hmget(self._job_key, "state", "attempt")
            self._stop = state != b"RUNNING" or int(attempt or 0) != self.h.attempt
        return self._stop

    def save_checkpoint(self, step: int, state_dir: Path) -> None:
        uri = self.artifacts.put_dir(state_dir, f"{self._rel}/checkpoints/step-{step:08d}")
        record = {"step": step, "uri": uri, "time": now_ms(), "rel": f"{self._rel}/checkpoints/step-{step:08d}"}
        pipe = self.redis.pipeline(transaction=True)
        pipe.rpush(self.keys.job_checkpoints(self.h.tenant, self.h.job_id), json.dumps(record))
        pipe.hset(self._job_key, "last_checkpoint", json.dumps(record))
        self._event(pipe, "checkpoint", record)
        pipe.execute()

    def latest_checkpoint(self) -> Path | None:
        raw = self.redis.hget(self._job_key, "last_checkpoint")
        if not raw:
            return None
        record = json.loads(raw)
        dest = self.work_dir / "resume" / f"step-{record['step']:08d}"
        shutil.rmtree(dest, ignore_errors=True)
        self.artifacts.get_dir(record["rel"], dest)
        return dest

    def save_artifact(self, name: str, local_path: Path) -> str:
        uri = self.artifacts.put_file(Path(local_path), f"{self._rel}/artifacts/{name}")
        artifacts = json.loads(self.redis.hget(self._job_key, "artifacts") or "{}")
        artifacts[name] = uri
        self.redis.hset(self._job_key, "artifacts", json.dumps(artifacts))
        return uri

    # -- outcome -------------------------------------------------------------------------------
    def complete(self, result: TrainResult, base_model: str, display_name: str) -> str:
        """Uploads the model, registers it and marks the job SUCCEEDED, atomically and fenced."""
        model_id = names.new_id("models")
        rel = f"models/{self.h.tenant}/{model_id}"
        uri = self.artifacts.put_dir(result.model_dir, rel)
        params, size, version = _weights_summary(result.model_dir)
        now = now_ms()
        model = {
            "id": model_id,
            "display_name": display_name,
            "family": result.family,
            "base_model": base_model,
            "source_job": f"jobs/{self.h.job_id}",
            "artifact_uri": uri,
            "artifact_rel": rel,
            "version": f"{model_id}@{version}",
            "parameter_count": params,
            "size_bytes": size,
            "metrics": json.dumps(result.metrics),
            "create_time": now,
            "labels": "{}",
        }
        model_key = self.keys.model(self.h.tenant, model_id)
        with self.redis.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(self._job_key)
                state, attempt = pipe.hmget(self._job_key, "state", "attempt")
                if state != b"RUNNING" or int(attempt or 0) != self.h.attempt:
                    raise Fenced(f"job is {state!r} on attempt {attempt!r}")
                pipe.multi()
                pipe.hset(model_key, mapping=model)
                pipe.zadd(self.keys.models(self.h.tenant), {model_id: now})
                self._transition_in(
                    pipe, ("RUNNING",), "SUCCEEDED", "training finished", {"output_model": f"models/{model_id}"}
                )
                pipe.execute()
            except (Fenced, redis.WatchError):
                self.artifacts.delete(rel)
                raise
        return model_id

    def collect_feedback(self, samples: list, timeout_s: float) -> dict[str, float]:
        """Publishes samples for people to rate and returns {sample_id: score in [0, 1]} for those
        rated within `timeout_s` (PPO with a human-feedback reward)."""
        from kiln_server.feedback.wait import publish_samples, wait_for_scores

        stream = self.keys.feedback(self.h.tenant)
        last = self.redis.xrevrange(stream, count=1)
        after = last[0][0].decode() if last else "0-0"
        ids = publish_samples(self.redis, self.keys, self.h.tenant, self.h.job_id, samples)
        self.log("feedback_requested " + " ".join(f"samples/{i}" for i in ids))
        return wait_for_scores(self.redis, self.keys, self.h.tenant, ids, after, timeout_s, self.should_stop)

    def fail(self, reason: str) -> bool:
        ok, _, _ = self._transition_in(self.redis, ("RUNNING",), "FAILED", reason, {"error": reason})
        return bool(int(ok))

    def mark_pid(self) -> None:
        self.redis.hset(self._job_key, mapping={"worker_pid": os.getpid(), "worker_host": os.uname().nodename})

    # -- helpers -------------------------------------------------------------------------------
    def _transition_in(self, client, allowed, to, reason, fields):
        args = [
            ",".join(allowed),
            str(self.h.attempt),
            to,
            reason,
            now_ms(),
            f"{self.h.tenant}/{self.h.job_id}",
            "0",
            "0",
        ]
        for k, v in fields.items():
            args += [k, v]
        return self._transition(
            keys=[self._job_key, self._events, self.keys.active_jobs(), self.keys.job_queue()],
            args=args,
            client=client,
        )

    def _event(self, client, kind: str, data: dict) -> None:
        client.xadd(self._events, {"kind": kind, "data": json.dumps(data)}, maxlen=100_000, approximate=True)


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
