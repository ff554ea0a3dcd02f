"""Job records for tests, as CreateJob would write them."""

from __future__ import annotations

from kiln.v1 import jobs_pb2
from kiln_server.jobs.record import JobRecord
from kiln_server.jobs.spec import JobSpec
from kiln_server.models.ref import ModelRef


def job_spec(**kw) -> JobSpec:
    values = dict(
        method="sft",
        display_name="sft kiln-gpt-tiny",
        base_model=ModelRef.builtin("kiln-gpt-tiny"),
        training_dataset="d-1",
        validation_dataset=None,
        config={"max_steps": 2},
    )
    return JobSpec(**{**values, **kw})


def job_record(rid: str = "j-1", tenant: str = "t", max_retries: int = 1, **kw) -> JobRecord:
    spec = job_spec()
    proto = jobs_pb2.Job(display_name=spec.display_name, base_model="kiln-gpt-tiny", training_dataset="datasets/d-1")
    return JobRecord(
        id=rid,
        tenant=tenant,
        method=spec.method,
        spec=proto,
        payload=spec,
        max_retries=max_retries,
        create_time=1000,
        **kw,
    )
