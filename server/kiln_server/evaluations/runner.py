"""What runs inside the Ray actor of one evaluation attempt: fetch inputs, evaluate, report.

`EvaluationRunner` is a plain class (the scheduler wraps it with `ray.remote`); it reports through
`RedisEvalReporter`, whose every write is fenced by the attempt number: once the gateway has
handed the evaluation to another attempt (or it ended), this one's writes are refused and it
stops at its next progress report.
"""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

from kiln_server.datasets.builtin import PREFIX as BUILTIN_PREFIX
from kiln_server.evaluations.record import ReusableResults
from kiln_server.evaluations.spec import EvaluationPlan
from kiln_server.evaluations.store import EVALUATIONS, FINISH, PROGRESS, EvaluationStore
from kiln_server.models.ref import ModelRef
from kiln_server.operations.worker import AttemptHandle, AttemptReporter, AttemptRunner, Fenced
from kiln_server.platform.artifacts import ArtifactStore

log = logging.getLogger("kiln.worker")


class RedisEvalReporter(AttemptReporter):
    operation = EVALUATIONS
    codec = EvaluationStore.codec

    def __init__(self, handle: AttemptHandle):
        super().__init__(handle)
        self._progress = self.redis.register_script(PROGRESS)
        self._finish = self.redis.register_script(FINISH)
        self.completed, self.total = 0, 0
        self.results: dict[str, float] = {}

    def progress(self, p: Any) -> None:
        """kiln_trainer.eval.run's progress callback; raises Fenced when the attempt lost the evaluation."""
        self.completed, self.total, self.results = p.completed_records, p.total_records, dict(p.results)
        if not int(self._progress(**EvaluationStore.progress_call(self.h, self.completed, self.total, self.results))):
            raise Fenced("the evaluation ended or moved to another attempt")

    def finish(self, results: dict[str, float], reuse_key: str) -> None:
        reusable = ReusableResults(f"evaluations/{self.h.id}", results, self.total, self.total)
        if not int(self._finish(**EvaluationStore.finish_call(self.h, reusable, reuse_key))):
            raise Fenced("the evaluation ended or moved to another attempt")


class EvaluationRunner(AttemptRunner):
    def __init__(self, handle: AttemptHandle, plan: EvaluationPlan, reuse_key: str):
        self.handle = handle
        self.plan = plan
        self.reuse_key = reuse_key

    def attempt(self) -> str:
        from kiln_trainer.eval.run import evaluate

        reporter = RedisEvalReporter(self.handle)
        reporter.mark_pid()
        try:
            results = evaluate(self.spec(), reporter.progress)
            reporter.finish(results, self.reuse_key)
            return "SUCCEEDED"
        except Fenced:
            log.warning("%s: stopped, the evaluation ended or moved on", self.handle.id)
            return "STOPPED"
        except Exception as exc:  # any error ends the evaluation FAILED with the reason
            reason = f"{type(exc).__name__}: {exc}"
            log.error("%s failed: %s\n%s", self.handle.id, reason, traceback.format_exc(limit=8))
            reporter.fail(reason)
            return "FAILED"

    def spec(self):
        """The plan with local paths: dataset and registered models fetched to this worker."""
        from kiln_trainer.eval.spec import EvalSpec

        store = ArtifactStore(self.handle.artifact_root)
        inputs = Path(self.handle.scratch_dir) / "evaluations" / self.handle.id / f"attempt-{self.handle.attempt}"
        p = self.plan
        if p.dataset.rel.startswith(BUILTIN_PREFIX):
            dataset_path: Path | str = p.dataset.rel  # the worker reads the built-in's held-out split itself
        else:
            local = store.local_path(p.dataset.rel)
            dataset_path = local if local is not None else store.get_file(p.dataset.rel, inputs / "dataset.jsonl")
        wanted = set(p.metrics)

        def model_path(ref: ModelRef | None, name: str, *uses: str) -> str | None:
            if ref is None or (uses and not wanted & set(uses)):
                return None  # given but not needed by any requested metric: not fetched
            return ref.fetch(store, inputs / name)

        return EvalSpec(
            metrics=tuple(p.metrics),
            model=model_path(p.model, "model"),
            dataset_path=str(dataset_path),
            dataset_format=p.dataset.format,
            baseline_model=model_path(p.baseline_model, "baseline", "win_rate"),
            reward_model=model_path(p.reward_model, "reward", "mean_reward", "win_rate"),
            reference_model=model_path(p.reference_model, "reference", "kl_to_reference"),
            sampling=p.sampling,
            max_records=p.max_records,
        )
