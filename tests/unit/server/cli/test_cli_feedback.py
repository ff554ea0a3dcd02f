"""`kiln feedback submit/list/export` against a tiny in-process fake FeedbackService (no Redis, no Ray)."""

from __future__ import annotations

import pytest
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from typer.testing import CliRunner

from kiln.v1 import feedback_pb2
from kiln_server.cli import app
from tests.unit.clients.python.fake_gateway import fake_gateway, unary

runner = CliRunner()
SEEN: dict[str, object] = {}


def _submit(request, context):
    SEEN["submit"] = request
    fb = feedback_pb2.Feedback()
    fb.CopyFrom(request.feedback)
    fb.name, fb.model = f"feedback/{request.feedback_id or 'f-1'}", "models/m-1"
    return fb


def _list(request, context):
    SEEN["list"] = request
    return feedback_pb2.ListFeedbackResponse(
        feedback=[
            feedback_pb2.Feedback(
                name="feedback/a",
                sample_id="samples/s-1",
                rating={"value": 4},
                tags=["x", "y"],
                model="models/m-1",
                source="chat-ui",
            ),
            feedback_pb2.Feedback(name="feedback/b", sample_id="samples/s-2", thumbs={"up": False}),
        ]
    )


def _export(request, context):
    SEEN["export"] = request
    if request.filter.tag == "none":
        status = status_pb2.Status(code=code_pb2.FAILED_PRECONDITION, message="nothing to export")
        status.details.add().Pack(error_details_pb2.PreconditionFailure())
        context.abort_with_status(rpc_status.to_status(status))
    return feedback_pb2.ExportFeedbackResponse(
        dataset="datasets/d-1",
        matched_feedback_count=9,
        record_count=5,
        dropped_tie_count=1,
        dropped_gap_count=2,
        dropped_limit_count=3,
        unused_feedback_count=4,
    )


@pytest.fixture(scope="module")
def target():
    rpcs = {
        "SubmitFeedback": (_submit, feedback_pb2.SubmitFeedbackRequest, feedback_pb2.Feedback),
        "ListFeedback": (_list, feedback_pb2.ListFeedbackRequest, feedback_pb2.ListFeedbackResponse),
        "ExportFeedback": (_export, feedback_pb2.ExportFeedbackRequest, feedback_pb2.ExportFeedbackResponse),
    }
    with fake_gateway({"kiln.v1.FeedbackService": {name: unary(*rpc) for name, rpc in rpcs.items()}}) as target:
        yield target


def _kiln(target: str, *args: str):
    return runner.invoke(app, ["--target", target, "--api-key", "k", "feedback", *args])


def test_submit_rating(target):
    result = _kiln(target, "submit", "samples/s-1", "--rating", "4", "--tag", "a", "--tag", "b", "--id", "r-1")
    assert result.exit_code == 0, result.output
    sent = SEEN["submit"]
    assert sent.feedback_id == "r-1" and sent.feedback.sample_id == "samples/s-1"
    assert sent.feedback.rating.value == 4 and list(sent.feedback.tags) == ["a", "b"] and sent.feedback.source == "cli"
    assert "feedback/r-1" in result.output and "rating 4 (1-5)" in result.output


def test_submit_thumbs_and_correction(target):
    result = _kiln(target, "submit", "samples/s-1", "--thumbs", "down")
    assert result.exit_code == 0, result.output
    assert SEEN["submit"].feedback.WhichOneof("signal") == "thumbs" and not SEEN["submit"].feedback.thumbs.up
    assert "thumbs down" in result.output
    result = _kiln(target, "submit", "samples/s-1", "--correction", "better", "--rating", "3")
    assert result.exit_code == 2 and "exactly one" in result.output
    result = _kiln(target, "submit", "samples/s-1", "--correction", "better")
    assert result.exit_code == 0 and SEEN["submit"].feedback.correction.text == "better"
    assert _kiln(target, "submit", "samples/s-1").exit_code == 2
    assert _kiln(target, "submit", "samples/s-1", "--thumbs", "sideways").exit_code == 2


def test_list_with_filters(target):
    result = _kiln(target, "list", "--model", "models/m-1", "--tag", "x")
    assert result.exit_code == 0, result.output
    flt = SEEN["list"].filter
    assert (flt.model, flt.tag, flt.user_id) == ("models/m-1", "x", "")
    assert "feedback/a" in result.output and "rating 4 (1-5)" in result.output and "thumbs down" in result.output


def test_export_pairs_prints_counters(target):
    result = _kiln(
        target,
        "export",
        "--kind",
        "pairs",
        "--min-rating-gap",
        "0.25",
        "--ties",
        "both_orders",
        "--max-pairs-per-prompt",
        "3",
        "--request-id",
        "e-1",
        "--tag",
        "t",
    )
    assert result.exit_code == 0, result.output
    sent = SEEN["export"]
    assert sent.kind == feedback_pb2.FEEDBACK_EXPORT_KIND_PREFERENCE_PAIRS and sent.request_id == "e-1"
    assert (sent.pairing.min_rating_gap, sent.pairing.ties, sent.pairing.max_pairs_per_prompt) == (
        0.25,
        feedback_pb2.TIE_HANDLING_BOTH_ORDERS,
        3,
    )
    assert sent.filter.tag == "t"
    assert "datasets/d-1" in result.output
    for label, value in (
        ("matched feedback", 9),
        ("dropped ties", 1),
        ("dropped below gap", 2),
        ("dropped by limit", 3),
        ("unused feedback", 4),
    ):
        assert any(label in line and str(value) in line for line in result.output.splitlines()), label


def test_export_prompts_and_failure(target):
    result = _kiln(target, "export", "--kind", "prompts")
    assert result.exit_code == 0, result.output
    assert SEEN["export"].kind == feedback_pb2.FEEDBACK_EXPORT_KIND_PROMPTS
    result = _kiln(target, "export", "--kind", "prompts", "--tag", "none")
    assert result.exit_code == 1 and "FAILED_PRECONDITION" in result.output
    assert _kiln(target, "export").exit_code == 2  # --kind is required
