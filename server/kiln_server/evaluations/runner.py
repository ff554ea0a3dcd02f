"""What runs inside the Ray actor of one evaluation attempt: fetch inputs, evaluate, report.

`EvaluationRunner` is a plain class (the scheduler wraps it with `ray.remote`); it reports through
`RedisEvalReporter`, whose every write is fenced by the attempt number: once the gateway has
handed the evaluation to another attempt (or it ended), this one's writes are refused and it
stops at its next progress report.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import traceback
from dataclasses import dataclass
from pathlib import Path

import redis

from kiln_server.evaluations.store import FINISH, PROGRESS, RESULTS_TTL_S, progress_event, state_event
from kiln_server.jobs.store import now_ms
from kiln_server.operations import scripts
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.keys import Keys

log = logging.getLogger("kiln.worker")

_LINGER_S = 15  # how long a finished attempt waits to be collected before it exits by itself


class Fenced(Exception):
    """This attempt no longer owns the evaluation."""


@dataclass
class EvalHandle:
    """What a worker needs to find its evaluation: plain values, so it pickles into Ray."""

    tenant: str
    evaluation_id: str
    attempt: int
    redis_url: str
    prefix: str
    artifact_root: str
    scratch_dir: str


class RedisEvalReporter:
    def __init__(self, handle: EvalHandle):
        self.h = handle
        self.keys = Keys(handle.prefix)
        self.redis = redis.Redis.from_url(handle.redis_url)
        self._record = self.keys.evaluation(handle.tenant, handle.evaluation_id)
        self._events = self.keys.evaluation_events(handle.tenant, handle.evaluation_id)
        self._progress = self.redis.register_script(PROGRESS)
        self._finish = self.redis.register_script(FINISH)
        self._transition = self.redis.register_script(scripts.TRANSITION)
        self.completed, self.total = 0, 0
        self.results: dict[str, float] = {}

    def progress(self, p) -> None:
        """kiln_trainer.eval.run's progress callback; raises Fenced when the attempt lost the evaluation."""
        self.completed, self.total, self.results = p.completed_records, p.total_records, dict(p.results)
        event = progress_event(self.completed, self.total, self.results)
        ok = self._progress(
            keys=[self._record, self._events],
            args=[self.h.attempt, now_ms(), self.completed, self.total, json.dumps(self.results), json.dumps(event)],
        )
        if not int(ok):
            raise Fenced("the evaluation ended or moved to another attempt")

    def finish(self, results: dict[str, float], reuse_key: str) -> None:
        member = f"{self.h.tenant}/{self.h.evaluation_id}"
        reusable = {
            "evaluation": f"evaluations/{self.h.evaluation_id}",
            "results": results,
            "completed_records": self.total,
            "total_records": self.total,
        }
        ok = self._finish(
            keys=[
                self._record,
                self._events,
                self.keys.active_evaluations(),
                self.keys.evaluation_results(self.h.tenant, reuse_key),
            ],
            args=[
                self.h.attempt,
                now_ms(),
                member,
                json.dumps(results),
                self.total,
                self.total,
                json.dumps(progress_event(self.total, self.total, results)),
                json.dumps(state_event("SUCCEEDED", self.h.attempt, "every metric computed")),
                json.dumps(reusable),
                RESULTS_TTL_S,
            ],
        )
        if not int(ok):
            raise Fenced("the evaluation ended or moved to another attempt")

    def fail(self, reason: str) -> bool:
        """FAILED with `reason`; results reported so far stay (the hash already holds them)."""
        ok, _, _ = self._transition(
            keys=[self._record, self._events, self.keys.active_evaluations(), self.keys.evaluation_queue()],
            args=[
                "RUNNING",
                str(self.h.attempt),
                "FAILED",
                reason,
                now_ms(),
                f"{self.h.tenant}/{self.h.evaluation_id}",
                "0",
                "0",
                "error",
                reason,
            ],
        )
        return bool(int(ok))

    def mark_pid(self) -> None:
        self.redis.hset(self._record, mapping={"worker_pid": os.getpid(), "worker_host": os.uname().nodename})


class EvaluationRunner:
    def __init__(self, handle: EvalHandle, plan: dict, reuse_key: str):
        self.handle = handle
        self.plan = plan  # EvaluationPlan.to_dict()
        self.reuse_key = reuse_key

    def pid(self) -> int:
        return os.getpid()

    def run(self) -> str:
        try:
            return self._run()
        finally:
            # The gateway kills this detached actor once it has the outcome; without a gateway
            # watching, it must not hold its CPU forever.
            timer = threading.Timer(_LINGER_S, os._exit, args=(0,))
            timer.daemon = True
            timer.start()

    def _run(self) -> str:
        from kiln_trainer.eval.run import evaluate

        reporter = RedisEvalReporter(self.handle)
        reporter.mark_pid()
        try:
            results = evaluate(self.spec(), reporter.progress)
            reporter.finish(results, self.reuse_key)
            return "SUCCEEDED"
        except Fenced:
            log.warning("%s: stopped, the evaluation ended or moved on", self.handle.evaluation_id)
            return "STOPPED"
        except Exception as exc:  # any error ends the evaluation FAILED with the reason
            reason = f"{type(exc).__name__}: {exc}"
            log.error("%s failed: %s\n%s", self.handle.evaluation_id, reason, traceback.format_exc(limit=8))
            reporter.fail(reason)
            return "FAILED"

    def spec(self):
        """The plan with local paths: dataset and registered models fetched to this worker."""
        from kiln_trainer.eval.spec import EvalSpec

        store = ArtifactStore(self.handle.artifact_root)
        inputs = (
            Path(self.handle.scratch_dir) / "evaluations" / self.handle.evaluation_id / f"attempt-{self.handle.attempt}"
        )
        p = self.plan
        ds = p["dataset"]
        local = store.local_path(ds["rel"])
        dataset_path = local if local is not None else store.get_file(ds["rel"], inputs / "dataset.jsonl")

        wanted = set(p["metrics"])

        def model_path(ref: dict | None, name: str, *uses: str) -> str | None:
            if ref is None or (uses and not wanted & set(uses)):
                return None  # given but not needed by any requested metric: not fetched
            if ref["kind"] == "builtin":
                return ref["name"]
            found = store.local_path(ref["rel"])
            return str(found if found is not None else store.get_dir(ref["rel"], inputs / name))

        return EvalSpec(
            metrics=tuple(p["metrics"]),
            model=model_path(p["model"], "model"),
            dataset_path=str(dataset_path),
            dataset_format=ds["format"],
            baseline_model=model_path(p["baseline_model"], "baseline", "win_rate"),
            reward_model=model_path(p["reward_model"], "reward", "mean_reward", "win_rate"),
            reference_model=model_path(p["reference_model"], "reference", "kl_to_reference"),
            sampling=p["sampling"],
            max_records=p["max_records"],
        )
