"""Training jobs: create, inspect, cancel, watch.

Part of KilnClient (kiln.client), which combines one such class per service."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kiln._transport import Transport
from kiln.messages import build, enum_number, short_name
from kiln.v1 import (
    common_pb2,
    jobs_pb2,
)
from kiln.watch import resume_on_unavailable


class JobCalls(Transport):
    """Calls of JobService."""

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
        resources: Mapping[str, int | str] | None = None,
        max_retries: int | None = None,
        labels: Mapping[str, str] | None = None,
        validation_dataset: str | None = None,
        request_id: str | None = None,
        method_config: Mapping[str, Any] | None = None,
    ) -> jobs_pb2.Job:
        """Queues a training job and returns it (state QUEUED).

        hyperparameters: Hyperparameters fields, e.g. {"learning_rate": 1e-3, "max_steps": 200,
            "precision": "bf16"}. lora: LoraOptions fields ({"rank": 8, "alpha": 16}), used when
            tuning="lora". resources: {"gpus": 0, "cpus": 1, "workers": 2, "sharding": "fsdp"}. method_config: any
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
            state=enum_number(jobs_pb2.JobState.DESCRIPTOR, state, "state") if state is not None else None,
            method=enum_number(jobs_pb2.JobMethod.DESCRIPTOR, method, "method") if method is not None else None,
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
