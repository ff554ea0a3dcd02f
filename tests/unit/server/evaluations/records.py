"""Evaluation records for tests, as CreateEvaluation would write them."""

from __future__ import annotations

from kiln.v1 import evaluation_pb2
from kiln_server.evaluations.record import EvaluationRecord
from kiln_server.evaluations.spec import DatasetInput, EvaluationPlan
from kiln_server.models.ref import ModelRef


def plan(**kw) -> EvaluationPlan:
    values = dict(
        metrics=["distinct_n"],
        model=ModelRef.builtin("kiln-gpt-tiny"),
        dataset=DatasetInput("d-1", "datasets/t/d-1/data.jsonl", "prompts", "ab" * 32, 6),
        baseline_model=None,
        reward_model=None,
        reference_model=None,
        sampling={"temperature": 1.0, "seed": 0},
        max_records=6,
    )
    return EvaluationPlan(**{**values, **kw})


def evaluation_record(rid: str = "e-1", tenant: str = "t", **kw) -> EvaluationRecord:
    p = plan()
    proto = evaluation_pb2.Evaluation(model="kiln-gpt-tiny", dataset="datasets/d-1", display_name="d")
    return EvaluationRecord(
        id=rid,
        tenant=tenant,
        model="kiln-gpt-tiny",
        spec=proto,
        payload=p,
        reuse_key=p.reuse_key(),
        create_time=1000,
        total_records=p.max_records,
        **kw,
    )
