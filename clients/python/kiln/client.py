"""A thin synchronous client for the Kiln API.

Methods take plain Python values, return the generated protos, and raise `KilnError` (with the
google.rpc.Status details unpacked) instead of grpc.RpcError. List methods are iterators over
every page; `watch_job` resumes a broken stream after the last event it saw.

    with KilnClient("127.0.0.1:50051", api_key="kiln_...") as kiln:
        dataset = kiln.upload_dataset("train.jsonl", "sft")
        job = kiln.create_job("kiln-gpt-tiny", dataset.name, hyperparameters={"max_steps": 100})
        for event in kiln.watch_job(job.name):
            print(event)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import grpc

from kiln.errors import KilnError
from kiln.messages import build, enum_number, short_name
from kiln.space import objective, search_space
from kiln.v1 import (
    common_pb2,
    datasets_pb2,
    datasets_pb2_grpc,
    evaluation_pb2,
    evaluation_pb2_grpc,
    feedback_pb2,
    feedback_pb2_grpc,
    jobs_pb2,
    jobs_pb2_grpc,
    models_pb2,
    models_pb2_grpc,
    sampling_pb2,
    sampling_pb2_grpc,
    sweeps_pb2,
    sweeps_pb2_grpc,
)
from kiln.watch import resume_on_unavailable

__all__ = ["DEFAULT_TARGET", "KilnClient", "KilnError"]

DEFAULT_TARGET = "127.0.0.1:50051"
# Matches the gateway's receive limit, so a large response page is never cut off client-side.
_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
# Upload deadlines grow with the payload: `timeout` plus one second per MB, i.e. the upload
# may run as slowly as 1 MB/s before it is abandoned.
_UPLOAD_BYTES_PER_S = 1_000_000

T = TypeVar("T")


class KilnClient:
    """Synchronous client for the Kiln gateway; use it as a context manager to close the channel.

    target and api_key default to $KILN_TARGET and $KILN_API_KEY. `timeout` is the deadline in
    seconds of each unary call; uploads get more time in proportion to their size, and
    `watch_job` streams have none (jobs run for hours).
    """

    def __init__(
        self,
        target: str | None = None,
        api_key: str | None = None,
        timeout: float = 30.0,
        credentials: grpc.ChannelCredentials | None = None,
    ):
        self.target = target or os.environ.get("KILN_TARGET") or DEFAULT_TARGET
        api_key = api_key if api_key is not None else os.environ.get("KILN_API_KEY")
        self.timeout = timeout
        self._metadata: tuple[tuple[str, str], ...] = (("authorization", f"Bearer {api_key}"),) if api_key else ()
        options = [("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES)]
        self._channel = (
            grpc.secure_channel(self.target, credentials, options=options)
            if credentials is not None
            else grpc.insecure_channel(self.target, options=options)
        )
        # One stub per service, all made here: a stub is only a table of method callables.
        self._datasets = datasets_pb2_grpc.DatasetServiceStub(self._channel)
        self._jobs = jobs_pb2_grpc.JobServiceStub(self._channel)
        self._models = models_pb2_grpc.ModelServiceStub(self._channel)
        self._sampling = sampling_pb2_grpc.SamplingServiceStub(self._channel)
        self._feedback = feedback_pb2_grpc.FeedbackServiceStub(self._channel)
        self._evaluations = evaluation_pb2_grpc.EvaluationServiceStub(self._channel)
        self._sweeps = sweeps_pb2_grpc.SweepServiceStub(self._channel)

    def __repr__(self) -> str:
        return f"KilnClient(target={self.target!r})"

    def __enter__(self) -> KilnClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._channel.close()

    # -- datasets ------------------------------------------------------------------------------
    def upload_dataset(
        self,
        path_or_bytes: str | os.PathLike | bytes,
        format: str | int,
        display_name: str | None = None,
        request_id: str | None = None,
        chunk_size: int = 1 << 20,
        labels: Mapping[str, str] | None = None,
        timeout: float | None = None,
        *,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> datasets_pb2.Dataset:
        """Streams a JSONL file (or bytes); format is "sft", "preference" or "prompts".

        The sha256 is computed first and sent as expected_sha256, so bytes corrupted on the way
        are rejected. display_name defaults to the file name. Reusing a request_id returns the
        dataset the first upload created. on_progress(sent_bytes, total_bytes) is called as each
        chunk goes out.
        """
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        if isinstance(path_or_bytes, bytes | bytearray | memoryview):
            blob = bytes(path_or_bytes)
            size, digest = len(blob), hashlib.sha256(blob).hexdigest()
            default_name = "upload.jsonl"

            def chunks() -> Iterator[bytes]:
                for start in range(0, len(blob), chunk_size):
                    yield blob[start : start + chunk_size]
        else:
            path = Path(path_or_bytes)
            size, digest = path.stat().st_size, _file_sha256(path, chunk_size)
            default_name = path.name

            def chunks() -> Iterator[bytes]:
                with path.open("rb") as f:
                    while block := f.read(chunk_size):
                        yield block

        metadata = datasets_pb2.DatasetMetadata(
            display_name=display_name or default_name,
            format=enum_number(datasets_pb2.DatasetFormat.DESCRIPTOR, format, "format"),
            request_id=request_id or "",
            expected_sha256=digest,
            labels=dict(labels or {}),
        )

        def requests() -> Iterator[datasets_pb2.UploadDatasetRequest]:
            yield datasets_pb2.UploadDatasetRequest(metadata=metadata)
            sent = 0
            for block in chunks():
                yield datasets_pb2.UploadDatasetRequest(chunk=block)
                sent += len(block)
                if on_progress is not None:
                    on_progress(sent, size)

        deadline = timeout if timeout is not None else self.timeout + size / _UPLOAD_BYTES_PER_S
        return self._call(self._datasets.UploadDataset, requests(), timeout=deadline)

    def get_dataset(self, name: str) -> datasets_pb2.Dataset:
        return self._call(self._datasets.GetDataset, datasets_pb2.GetDatasetRequest(name=name))

    def list_datasets(self, page_size: int = 50) -> Iterator[datasets_pb2.Dataset]:
        """Every dataset of the caller, newest first, fetching pages as the iterator advances."""
        request = datasets_pb2.ListDatasetsRequest(page_size=page_size)
        return self._paginate(self._datasets.ListDatasets, request, "datasets")

    def delete_dataset(self, name: str) -> None:
        self._call(self._datasets.DeleteDataset, datasets_pb2.DeleteDatasetRequest(name=name))

    # -- jobs ----------------------------------------------------------------------------------
    def create_job(
        self,
        base_model: str,
        training_dataset: str,
        method: str | int = "sft",
        display_name: str = "",
        hyperparameters: Mapping[str, Any] | None = None,
        tuning: str = "full",
        lora: Mapping[str, Any] | None = None,
        packing: bool | None = None,
        resources: Mapping[str, int] | None = None,
        max_retries: int | None = None,
        labels: Mapping[str, str] | None = None,
        validation_dataset: str | None = None,
        request_id: str | None = None,
        method_config: Mapping[str, Any] | None = None,
    ) -> jobs_pb2.Job:
        """Queues a training job and returns it (state QUEUED).

        hyperparameters: Hyperparameters fields, e.g. {"learning_rate": 1e-3, "max_steps": 200,
            "precision": "bf16"}. lora: LoraOptions fields ({"rank": 8, "alpha": 16}), used when
            tuning="lora". resources: {"gpus": 0, "cpus": 1, "workers": 2}. method_config: any
            other field of the method's config message (e.g. {"beta": 0.1} for "dpo").
        Unknown keys raise ValueError here, before anything is sent; out-of-range values come
        back as a KilnError INVALID_ARGUMENT with one field violation per bad field.
        """
        method_number = enum_number(jobs_pb2.JobMethod.DESCRIPTOR, method, "method")
        job = jobs_pb2.Job(
            display_name=display_name,
            method=method_number,
            base_model=base_model,
            training_dataset=training_dataset,
            validation_dataset=validation_dataset or "",
            labels=dict(labels or {}),
        )
        if hyperparameters:
            job.hyperparameters.CopyFrom(build(jobs_pb2.Hyperparameters, hyperparameters, "hyperparameters"))
        if resources:
            job.resources.CopyFrom(build(common_pb2.Resources, resources, "resources"))
        if max_retries is not None:
            job.max_retries = max_retries

        # The oneof member named like the method (JOB_METHOD_DPO -> job.dpo) holds its config.
        config_field = short_name(jobs_pb2.JobMethod.DESCRIPTOR, method_number)
        config_type = type(getattr(job, config_field))
        accepts = config_type.DESCRIPTOR.fields_by_name
        options = dict(method_config or {})
        for key, value, default in (
            ("tuning", tuning, "full"),
            ("lora", lora, None),
            ("packing", packing, None),
        ):
            if key in accepts and value is not None:
                options[key] = value
            elif value != default:
                raise ValueError(f"{key} does not apply to method {method!r}")
        getattr(job, config_field).CopyFrom(build(config_type, options, config_field))

        request = jobs_pb2.CreateJobRequest(job=job, request_id=request_id or "")
        return self._call(self._jobs.CreateJob, request)

    def get_job(self, name: str) -> jobs_pb2.Job:
        return self._call(self._jobs.GetJob, jobs_pb2.GetJobRequest(name=name))

    def list_jobs(
        self,
        state: str | int | None = None,
        page_size: int = 50,
        method: str | int | None = None,
        sweep: str | None = None,
    ) -> Iterator[jobs_pb2.Job]:
        """Every job of the caller, newest first; state ("running", ...), method and sweep
        ("sweeps/ID": only that sweep's trials) filter them."""
        request = jobs_pb2.ListJobsRequest(
            page_size=page_size,
            state=enum_number(jobs_pb2.JobState.DESCRIPTOR, state, "state") if state is not None else 0,
            method=enum_number(jobs_pb2.JobMethod.DESCRIPTOR, method, "method") if method is not None else 0,
            sweep=sweep or "",
        )
        return self._paginate(self._jobs.ListJobs, request, "jobs")

    def cancel_job(self, name: str) -> jobs_pb2.Job:
        return self._call(self._jobs.CancelJob, jobs_pb2.CancelJobRequest(name=name))

    def watch_job(
        self,
        name: str,
        after_event_id: str = "",
        *,
        max_reconnects: int = 8,
        backoff_s: float = 0.5,
    ) -> Iterator[jobs_pb2.JobEvent]:
        """Yields the job's events until it ends, reconnecting when the stream breaks.

        An UNAVAILABLE stream (gateway restart, network blip) is reopened after the last event
        seen, waiting backoff_s, 2*backoff_s, ... (at least the server's RetryInfo delay). After
        max_reconnects failures in a row without a new event, the last error is raised.
        """

        def open_stream(cursor: str) -> Any:
            request = jobs_pb2.WatchJobRequest(name=name, after_event_id=cursor)
            return self._jobs.WatchJob(request, metadata=self._metadata)

        return resume_on_unavailable(open_stream, after_event_id, max_reconnects=max_reconnects, backoff_s=backoff_s)

    def list_checkpoints(self, name: str) -> list[jobs_pb2.Checkpoint]:
        response = self._call(self._jobs.ListCheckpoints, jobs_pb2.ListCheckpointsRequest(name=name))
        return list(response.checkpoints)

    # -- models --------------------------------------------------------------------------------
    def get_model(self, name: str) -> models_pb2.Model:
        return self._call(self._models.GetModel, models_pb2.GetModelRequest(name=name))

    def list_models(self, page_size: int = 50) -> Iterator[models_pb2.Model]:
        request = models_pb2.ListModelsRequest(page_size=page_size)
        return self._paginate(self._models.ListModels, request, "models")

    def delete_model(self, name: str) -> None:
        self._call(self._models.DeleteModel, models_pb2.DeleteModelRequest(name=name))

    def deploy_model(
        self,
        name: str,
        target: str | int = "RAY_SERVE",
        replicas: int = 1,
        min_replicas: int = 0,
        max_replicas: int = 0,
    ) -> models_pb2.Model:
        """Deploys a model (or a built-in base model name) for sampling; returns once it is READY."""
        request = models_pb2.DeployModelRequest(
            name=name,
            target=enum_number(models_pb2.DeploymentTarget.DESCRIPTOR, target, "target"),
            replicas=replicas,
            min_replicas=min_replicas,
            max_replicas=max_replicas,
        )
        return self._call(self._models.DeployModel, request, timeout=max(self.timeout, 300.0))

    def export_model(
        self,
        name: str,
        quantization: str | int = "UNSPECIFIED",
        *,
        activation_aware: bool = False,
        calibration_dataset: str = "",
        group_size: int = 0,
        prune_sparsity: float = 0.0,
        structured_pruning: bool = False,
        request_id: str = "",
    ) -> models_pb2.Model:
        """Compresses a model (int8 / int4 weights, pruning) into a new registered model."""
        request = models_pb2.ExportModelRequest(
            name=name,
            # UNSPECIFIED is a real choice here: no quantization (pruning only, or a plain copy).
            quantization=enum_number(
                models_pb2.Quantization.DESCRIPTOR, quantization, "quantization", allow_unset=True
            ),
            activation_aware=activation_aware,
            calibration_dataset=calibration_dataset,
            group_size=group_size,
            prune_sparsity=prune_sparsity,
            structured_pruning=structured_pruning,
            request_id=request_id,
        )
        return self._call(self._models.ExportModel, request, timeout=max(self.timeout, 900.0))

    def undeploy_model(self, name: str) -> models_pb2.Model:
        return self._call(
            self._models.UndeployModel, models_pb2.UndeployModelRequest(name=name), timeout=max(self.timeout, 120.0)
        )

    # -- sampling --------------------------------------------------------------------------------
    @staticmethod
    def _generate_request(
        model: str, prompt: str, n: int, bypass_cache: bool, request_id: str, params: Mapping[str, Any]
    ) -> sampling_pb2.GenerateRequest:
        return sampling_pb2.GenerateRequest(
            model=model,
            prompt=prompt,
            n=n,
            bypass_cache=bypass_cache,
            request_id=request_id,
            params=sampling_pb2.SamplingParams(**params),
        )

    def generate(
        self,
        model: str,
        prompt: str,
        *,
        n: int = 1,
        bypass_cache: bool = False,
        request_id: str = "",
        timeout: float | None = None,
        **params: Any,
    ) -> sampling_pb2.GenerateResponse:
        """n completions at once. params: temperature, top_k, top_p, max_tokens, stop, seed, ..."""
        request = self._generate_request(model, prompt, n, bypass_cache, request_id, params)
        return self._call(self._sampling.Generate, request, timeout=timeout)

    def generate_stream(
        self,
        model: str,
        prompt: str,
        *,
        n: int = 1,
        bypass_cache: bool = False,
        request_id: str = "",
        timeout: float | None = None,
        **params: Any,
    ) -> Iterator[sampling_pb2.GenerateStreamResponse]:
        """Chunks as they are produced; the last message carries the usage totals."""
        request = self._generate_request(model, prompt, n, bypass_cache, request_id, params)
        return self._stream(self._sampling.GenerateStream, request, timeout=timeout)

    # -- feedback --------------------------------------------------------------------------------
    def submit_feedback(
        self,
        sample_id: str = "",
        *,
        rating: float | None = None,
        scale: tuple[float, float] | None = None,
        thumbs: bool | None = None,
        correction: str | None = None,
        preference: Mapping[str, str] | None = None,
        comment: str = "",
        tags: Iterable[str] = (),
        user_id: str = "",
        source: str = "",
        feedback_id: str = "",
    ) -> feedback_pb2.Feedback:
        """Records one judgement of a sample: exactly one of rating, thumbs, correction, preference.

        rating is on `scale` (min, max), 1 to 5 by default. preference takes Preference fields:
        {"chosen_sample_id", "rejected_sample_id"} or {"prompt", "chosen_text", "rejected_text"},
        with sample_id left empty. A feedback_id makes retries safe: resending it stores nothing new.
        """
        signals = {"rating": rating, "thumbs": thumbs, "correction": correction, "preference": preference}
        given = [name for name, value in signals.items() if value is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of rating, thumbs, correction, preference (got {given or 'none'})")
        feedback = feedback_pb2.Feedback(
            sample_id=sample_id, comment=comment, tags=list(tags), user_id=user_id, source=source
        )
        if rating is not None:
            lo, hi = scale or (0.0, 0.0)
            feedback.rating.CopyFrom(feedback_pb2.Rating(value=rating, scale_min=lo, scale_max=hi))
        elif thumbs is not None:
            feedback.thumbs.CopyFrom(feedback_pb2.Thumbs(up=thumbs))
        elif correction is not None:
            feedback.correction.CopyFrom(feedback_pb2.Correction(text=correction))
        else:
            feedback.preference.CopyFrom(build(feedback_pb2.Preference, preference or {}, "preference"))
        request = feedback_pb2.SubmitFeedbackRequest(feedback=feedback, feedback_id=feedback_id)
        return self._call(self._feedback.SubmitFeedback, request)

    def stream_feedback(
        self, requests: Iterable[feedback_pb2.SubmitFeedbackRequest]
    ) -> Iterator[feedback_pb2.StreamFeedbackResponse]:
        """Sends many SubmitFeedbackRequests over one call; yields one ack per request, in order.

        A rejected record is reported in its ack (code, field, message), not raised. Give every
        request a feedback_id: after a KilnError (e.g. UNAVAILABLE) resend the unacknowledged ones.
        """
        return self._stream(self._feedback.StreamFeedback, iter(requests))

    def list_feedback(self, page_size: int = 50, **filter: Any) -> Iterator[feedback_pb2.Feedback]:
        """The caller's feedback, newest first; filter takes FeedbackFilter fields (model, tag,
        user_id, source, start_time, end_time)."""
        request = feedback_pb2.ListFeedbackRequest(
            page_size=page_size, filter=build(feedback_pb2.FeedbackFilter, filter, "filter")
        )
        return self._paginate(self._feedback.ListFeedback, request, "feedback")

    def export_feedback(
        self,
        kind: str | int = "preference_pairs",
        *,
        filter: Mapping[str, Any] | None = None,
        pairing: Mapping[str, Any] | None = None,
        display_name: str = "",
        request_id: str = "",
    ) -> feedback_pb2.ExportFeedbackResponse:
        """Writes matching feedback to a new dataset; kind is "preference_pairs" or "prompts".

        pairing takes PreferencePairing fields: {"min_rating_gap": 0.25, "ties": "both_orders",
        "max_pairs_per_prompt": 4}. Nothing to write is a KilnError FAILED_PRECONDITION.
        """
        request = feedback_pb2.ExportFeedbackRequest(
            kind=enum_number(feedback_pb2.FeedbackExportKind.DESCRIPTOR, kind, "kind"),
            filter=build(feedback_pb2.FeedbackFilter, filter or {}, "filter"),
            pairing=build(feedback_pb2.PreferencePairing, pairing or {}, "pairing"),
            display_name=display_name,
            request_id=request_id,
        )
        return self._call(self._feedback.ExportFeedback, request)

    # -- evaluations ---------------------------------------------------------------------------
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
            state=enum_number(evaluation_pb2.EvaluationState.DESCRIPTOR, state, "state") if state is not None else 0,
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

    # -- sweeps --------------------------------------------------------------------------------
    def create_sweep(
        self,
        template: jobs_pb2.Job,
        space: Mapping[str, Mapping[str, Any]] | Iterable[sweeps_pb2.SearchParameter],
        objectives: Iterable[str | sweeps_pb2.Objective],
        *,
        max_trials: int,
        max_concurrent_trials: int = 1,
        max_wall_time_s: float = 0,
        algorithm: str | int = "tpe",
        pruner: str | int = "none",
        seed: int = 0,
        display_name: str = "",
        labels: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> sweeps_pb2.Sweep:
        """Starts a sweep whose trials are `template` jobs with the searched fields sampled.

        space: {target path: domain} (see kiln.space), e.g.
            {"hyperparameters.learning_rate": {"low": 1e-4, "high": 1e-2, "log": True}}.
        objectives: "metric:min" / "metric:max" (e.g. "val_loss:min").
        algorithm: random, grid, tpe, gp, cma_es, nsga_ii; pruner: none, successive_halving,
            median, hyperband.
        """
        budget = sweeps_pb2.SweepBudget(max_trials=max_trials, max_concurrent_trials=max_concurrent_trials)
        if max_wall_time_s:
            budget.max_wall_time.FromMilliseconds(int(max_wall_time_s * 1000))
        sweep = sweeps_pb2.Sweep(
            display_name=display_name,
            template=template,
            parameters=search_space(space),
            objectives=[objective(o) for o in objectives],
            algorithm=enum_number(sweeps_pb2.SweepAlgorithm.DESCRIPTOR, algorithm, "algorithm"),
            pruner=enum_number(sweeps_pb2.SweepPruner.DESCRIPTOR, pruner, "pruner"),
            budget=budget,
            seed=seed,
            labels=dict(labels or {}),
        )
        request = sweeps_pb2.CreateSweepRequest(sweep=sweep, request_id=request_id or "")
        return self._call(self._sweeps.CreateSweep, request)

    def get_sweep(self, name: str) -> sweeps_pb2.Sweep:
        return self._call(self._sweeps.GetSweep, sweeps_pb2.GetSweepRequest(name=name))

    def list_sweeps(self, state: str | int | None = None, page_size: int = 50) -> Iterator[sweeps_pb2.Sweep]:
        """Every sweep of the caller, newest first; state ("running", ...) filters them."""
        request = sweeps_pb2.ListSweepsRequest(
            page_size=page_size,
            state=enum_number(sweeps_pb2.SweepState.DESCRIPTOR, state, "state") if state is not None else 0,
        )
        return self._paginate(self._sweeps.ListSweeps, request, "sweeps")

    def cancel_sweep(self, name: str) -> sweeps_pb2.Sweep:
        return self._call(self._sweeps.CancelSweep, sweeps_pb2.CancelSweepRequest(name=name))

    def watch_sweep(
        self, name: str, after_event_id: str = "", *, max_reconnects: int = 8, backoff_s: float = 0.5
    ) -> Iterator[sweeps_pb2.SweepEvent]:
        """Yields the sweep's events until it ends, reopening a broken (UNAVAILABLE) stream
        after the last event seen, like `watch_job`."""

        def open_stream(cursor: str) -> Any:
            request = sweeps_pb2.WatchSweepRequest(name=name, after_event_id=cursor)
            return self._sweeps.WatchSweep(request, metadata=self._metadata)

        return resume_on_unavailable(open_stream, after_event_id, max_reconnects=max_reconnects, backoff_s=backoff_s)

    # -- plumbing ------------------------------------------------------------------------------
    def _call(self, rpc: Callable[..., T], request: Any, timeout: float | None = None) -> T:
        try:
            return rpc(request, metadata=self._metadata, timeout=timeout or self.timeout)
        except grpc.RpcError as exc:
            raise KilnError.from_rpc_error(exc) from exc

    def _stream(self, rpc: Callable[..., Any], request: Any, timeout: float | None = None) -> Iterator[Any]:
        """A server stream's messages; errors become KilnError, and a consumer that stops early
        cancels the call instead of leaving it open on the server."""
        stream = rpc(request, metadata=self._metadata, timeout=timeout)
        try:
            yield from stream
        except grpc.RpcError as exc:
            raise KilnError.from_rpc_error(exc) from exc
        finally:
            stream.cancel()

    def _paginate(self, rpc: Callable[..., Any], request: Any, field: str) -> Iterator[Any]:
        while True:
            page = self._call(rpc, request)
            yield from getattr(page, field)
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token


def _file_sha256(path: Path, chunk_size: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()
