"""`kiln eval`, `kiln sample` and `kiln models` against a fake gateway: the shared watch on an
evaluation, streamed tokens with every sample's id, proto-derived choices on the wire, and the
install command printed when the gateway lacks the optional Triton part."""

from __future__ import annotations

import pytest
from google.protobuf import timestamp_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from typer.testing import CliRunner

from kiln.v1 import evaluation_pb2 as E
from kiln.v1 import models_pb2, sampling_pb2
from kiln_server.cli import app
from kiln_server.cli.errors import TRITON_PACKAGE
from tests.unit.clients.python.fake_gateway import fake_gateway, server_stream, unary

runner = CliRunner()
SEEN: dict[str, object] = {}


def _event(event_id: str, t: int, **kind) -> E.EvaluationEvent:
    return E.EvaluationEvent(id=event_id, time=timestamp_pb2.Timestamp(seconds=t), **kind)


EVAL_HISTORIES = {
    "evaluations/ok": [
        _event("1-0", 100, state_change=E.EvaluationStateChange(state=E.EVALUATION_STATE_RUNNING)),
        _event("2-0", 101, progress=E.EvaluationProgress(completed_records=2, total_records=4)),
        _event("3-0", 102, progress=E.EvaluationProgress(completed_records=4, total_records=4, results={"ppl": 3.5})),
        _event("4-0", 103, state_change=E.EvaluationStateChange(state=E.EVALUATION_STATE_SUCCEEDED)),
    ],
    "evaluations/bad": [
        _event("1-0", 100, state_change=E.EvaluationStateChange(state=E.EVALUATION_STATE_RUNNING)),
        _event("2-0", 101, state_change=E.EvaluationStateChange(state=E.EVALUATION_STATE_FAILED, reason="boom")),
    ],
}
EVAL_FINAL = {
    "evaluations/ok": E.Evaluation(
        name="evaluations/ok",
        state=E.EVALUATION_STATE_SUCCEEDED,
        completed_records=4,
        total_records=4,
        results={"ppl": 3.5},
    ),
    "evaluations/bad": E.Evaluation(name="evaluations/bad", state=E.EVALUATION_STATE_FAILED, error="model crashed"),
}


def _create_evaluation(request, context):
    SEEN["create_evaluation"] = request
    name = "evaluations/bad" if request.evaluation.model == "models/broken" else "evaluations/ok"
    return E.Evaluation(name=name, display_name="e", state=E.EVALUATION_STATE_QUEUED)


def _get_evaluation(request, context):
    return EVAL_FINAL[request.name]


def _watch_evaluation(request, context):
    yield from EVAL_HISTORIES[request.name]


def _generate_stream(request, context):
    """Two samples whose chunks interleave, then the usage message."""
    SEEN["generate"] = request
    yield sampling_pb2.GenerateStreamResponse(index=0, sample_id="samples/a", text="Hel")
    yield sampling_pb2.GenerateStreamResponse(index=1, sample_id="samples/b", text="Wor")
    yield sampling_pb2.GenerateStreamResponse(
        index=0, sample_id="samples/a", text="lo", finish_reason=sampling_pb2.FINISH_REASON_STOP
    )
    yield sampling_pb2.GenerateStreamResponse(
        index=1, sample_id="samples/b", text="ld", finish_reason=sampling_pb2.FINISH_REASON_LENGTH
    )
    yield sampling_pb2.GenerateStreamResponse(
        usage=sampling_pb2.Usage(prompt_tokens=3, completion_tokens=4), model_version="v1"
    )


def _deploy(request, context):
    if request.target == models_pb2.DEPLOYMENT_TARGET_TRITON:
        status = status_pb2.Status(
            code=code_pb2.FAILED_PRECONDITION,
            message="target TRITON is not available: the nvidia-pytriton package is not installed",
        )
        status.details.add().Pack(error_details_pb2.PreconditionFailure())
        context.abort_with_status(rpc_status.to_status(status))
    return models_pb2.Model(
        name=request.name, deployment=models_pb2.Deployment(target=request.target, replicas=1, state="READY")
    )


def _export(request, context):
    SEEN["export"] = request
    return models_pb2.Model(name="models/exported", size_bytes=2048)


@pytest.fixture(scope="module")
def target():
    services = {
        "kiln.v1.EvaluationService": {
            "CreateEvaluation": unary(_create_evaluation, E.CreateEvaluationRequest, E.Evaluation),
            "GetEvaluation": unary(_get_evaluation, E.GetEvaluationRequest, E.Evaluation),
            "WatchEvaluation": server_stream(_watch_evaluation, E.WatchEvaluationRequest, E.EvaluationEvent),
        },
        "kiln.v1.SamplingService": {
            "GenerateStream": server_stream(
                _generate_stream, sampling_pb2.GenerateRequest, sampling_pb2.GenerateStreamResponse
            ),
        },
        "kiln.v1.ModelService": {
            "DeployModel": unary(_deploy, models_pb2.DeployModelRequest, models_pb2.Model),
            "ExportModel": unary(_export, models_pb2.ExportModelRequest, models_pb2.Model),
        },
    }
    with fake_gateway(services) as target:
        yield target


def _kiln(target: str, *args: str):
    return runner.invoke(app, ["--target", target, "--api-key", "k", *args])


def test_eval_run_watch_succeeds(target):
    result = _kiln(target, "eval", "run", "--model", "models/m", "--dataset", "datasets/d", "-m", "perplexity", "-w")
    assert result.exit_code == 0, result.output
    sent = SEEN["create_evaluation"].evaluation
    assert list(sent.metrics) == [E.EVALUATION_METRIC_PERPLEXITY]
    assert "RUNNING" in result.output and "SUCCEEDED" in result.output
    assert "4/4" in result.output
    assert "ppl = 3.5" in result.output and "results: ppl 3.5" in result.output


def test_eval_watch_failed_exits_one_with_the_error(target):
    result = _kiln(target, "eval", "watch", "evaluations/bad")
    assert result.exit_code == 1
    assert "FAILED: boom" in result.output
    assert "model crashed" in result.output


def test_eval_run_rejects_unknown_metric(target):
    result = _kiln(target, "eval", "run", "--model", "m", "--dataset", "d", "-m", "bleu")
    assert result.exit_code == 2


def test_sample_streams_tokens_and_names_each_sample(target):
    result = _kiln(target, "sample", "models/m", "Say", "-n", "2", "--temperature", "0")
    assert result.exit_code == 0, result.output
    assert SEEN["generate"].n == 2 and SEEN["generate"].params.temperature == 0
    assert "[0] Hel" in result.output and "[1] Wor" in result.output
    assert "[0] finished: stop (samples/a)" in result.output
    assert "[1] finished: length (samples/b)" in result.output
    assert "3 prompt + 4 completion tokens" in result.output


def test_deploy_sends_the_proto_target(target):
    result = _kiln(target, "models", "deploy", "models/m")
    assert result.exit_code == 0, result.output
    assert "models/m is READY on ray-serve" in result.output


def test_missing_triton_prints_the_command_that_adds_it(target):
    result = _kiln(target, "models", "deploy", "models/m", "--target", "triton")
    assert result.exit_code == 1
    assert "FAILED_PRECONDITION" in result.output
    assert f"-m pip install --no-deps {TRITON_PACKAGE}" in result.output


@pytest.mark.parametrize(
    ("word", "number"),
    [("int4", models_pb2.QUANTIZATION_INT4), ("none", models_pb2.QUANTIZATION_UNSPECIFIED)],
)
def test_export_quantization_choices(target, word, number):
    result = _kiln(target, "models", "export", "models/m", "--quantization", word, "--prune-sparsity", "0.5")
    assert result.exit_code == 0, result.output
    assert SEEN["export"].quantization == number and SEEN["export"].prune_sparsity == pytest.approx(0.5)
    assert "exported models/exported: 2.0 KiB" in result.output
