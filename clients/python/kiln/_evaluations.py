"""Evaluations of models: create, inspect, watch.

Part of KilnClient (kiln.client), which combines one such class per service."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kiln._transport import Transport
from kiln.messages import build, enum_number
from kiln.v1 import (
    evaluation_pb2,
    sampling_pb2,
)
from kiln.watch import resume_on_unavailable


class EvaluationCalls(Transport):
    """Calls of EvaluationService."""

    def create_evaluation(
        self,
        model: str,
        dataset: str,
        metrics: Iterable[str | int],
        *,
        baseline_model: str = "",
        reward_model: str = "",
        reference_model: str = "",
        sampling: Mapping[str, Any] | None = None,
        max_records: int = 0,
        display_name: str = "",
        labels: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> evaluation_pb2.Evaluation:
        """Queues an evaluation of `model` on `dataset` and returns it.

        metrics: names such as "perplexity", "mean_reward", "win_rate", "kl_to_reference",
            "distinct_n", "exact_match" (or EvaluationMetric numbers).
        sampling: SamplingParams fields for the generated completions, e.g. {"temperature": 0,
            "max_tokens": 64}. When the same evaluation already succeeded, the answer is a new
            evaluation that is SUCCEEDED at once with the stored results.
        """
        evaluation = evaluation_pb2.Evaluation(
            model=model,
            dataset=dataset,
            metrics=[enum_number(evaluation_pb2.EvaluationMetric.DESCRIPTOR, m, "metric") for m in metrics],
            baseline_model=baseline_model,
            reward_model=reward_model,
            reference_model=reference_model,
            max_records=max_records,
            display_name=display_name,
            labels=dict(labels or {}),
        )
        if sampling:
            evaluation.sampling_params.CopyFrom(build(sampling_pb2.SamplingParams, sampling, "sampling"))
        request = evaluation_pb2.CreateEvaluationRequest(evaluation=evaluation, request_id=request_id or "")
        return self._call(self._evaluations.CreateEvaluation, request)

    def get_evaluation(self, name: str) -> evaluation_pb2.Evaluation:
        return self._call(self._evaluations.GetEvaluation, evaluation_pb2.GetEvaluationRequest(name=name))

    def list_evaluations(
        self, model: str | None = None, state: str | int | None = None, page_size: int = 50
    ) -> Iterator[evaluation_pb2.Evaluation]:
        """Every evaluation of the caller, newest first; model and state ("succeeded", ...) filter them."""
        request = evaluation_pb2.ListEvaluationsRequest(
            page_size=page_size,
            model=model or "",
            state=enum_number(evaluation_pb2.EvaluationState.DESCRIPTOR, state, "state") if state is not None else None,
        )
        return self._paginate(self._evaluations.ListEvaluations, request, "evaluations")

    def watch_evaluation(
        self, name: str, after_event_id: str = "", *, max_reconnects: int = 8, backoff_s: float = 0.5
    ) -> Iterator[evaluation_pb2.EvaluationEvent]:
        """Yields the evaluation's events until it ends, reopening a broken (UNAVAILABLE) stream
        after the last event seen, like `watch_job`."""

        def open_stream(cursor: str) -> Any:
            request = evaluation_pb2.WatchEvaluationRequest(name=name, after_event_id=cursor)
            return self._evaluations.WatchEvaluation(request, metadata=self._metadata)

        return resume_on_unavailable(open_stream, after_event_id, max_reconnects=max_reconnects, backoff_s=backoff_s)
