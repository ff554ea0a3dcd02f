"""The generic request checks: driven by descriptors, so they hold for every message and field."""

from __future__ import annotations

import math

import pytest
from google.protobuf import timestamp_pb2

from kiln.v1 import datasets_pb2, feedback_pb2, jobs_pb2, sampling_pb2
from kiln_server.platform import validate
from kiln_server.platform.errors import MAX_DETAIL_CHARS, FieldViolation, InvalidArgument, NotFound, clip


def fields(message) -> list[str]:
    return [v.field for v in validate.violations(message)]


def test_a_clean_request_has_no_violations():
    job = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_SFT, base_model="kiln-gpt-tiny", labels={"team": "a"})
    job.hyperparameters.learning_rate = 1e-3
    job.hyperparameters.seed = 2**32 - 1
    assert fields(jobs_pb2.CreateJobRequest(job=job)) == []
    validate.check(jobs_pb2.CreateJobRequest(job=job))


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_non_finite_floats_anywhere(bad):
    req = jobs_pb2.CreateJobRequest(job=jobs_pb2.Job())
    req.job.hyperparameters.weight_decay = bad
    req.job.sft.lora.alpha = bad
    assert sorted(fields(req)) == ["job.hyperparameters.weight_decay", "job.sft.lora.alpha"]
    params = sampling_pb2.GenerateRequest(params=sampling_pb2.SamplingParams(temperature=bad, top_p=bad))
    assert fields(params) == ["params.temperature", "params.top_p"]


def test_unknown_enum_values_name_the_field():
    assert fields(jobs_pb2.ListJobsRequest(state=99, method=77)) == ["state", "method"]  # type: ignore[arg-type]
    req = jobs_pb2.CreateJobRequest(job=jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_SFT))
    req.job.hyperparameters.precision = 42  # type: ignore[assignment]
    assert fields(req) == ["job.hyperparameters.precision"]
    with pytest.raises(InvalidArgument, match="unknown Precision value 42"):
        validate.check(req)


def test_seed_beyond_32_bits():
    req = jobs_pb2.CreateJobRequest(job=jobs_pb2.Job())
    req.job.hyperparameters.seed = 2**32
    assert fields(req) == ["job.hyperparameters.seed"]


def test_timestamps_outside_their_defined_range():
    for seconds, nanos in ((10**12, 0), (-(10**11), 0), (0, -1)):
        f = feedback_pb2.FeedbackFilter(start_time=timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos))
        assert fields(feedback_pb2.ListFeedbackRequest(filter=f)) == ["filter.start_time"]
    ok = feedback_pb2.FeedbackFilter(end_time=timestamp_pb2.Timestamp(seconds=253_402_300_799))
    assert fields(feedback_pb2.ListFeedbackRequest(filter=ok)) == []


def test_labels_are_bounded():
    meta = datasets_pb2.DatasetMetadata(labels={f"k{i}": "v" for i in range(validate.MAX_LABELS + 1)})
    assert fields(meta) == ["labels"]
    assert fields(datasets_pb2.DatasetMetadata(labels={"k" * 64: "v"})) == ["labels"]
    assert fields(datasets_pb2.DatasetMetadata(labels={"k": "v" * 257})) == ["labels"]
    assert fields(datasets_pb2.DatasetMetadata(labels={"k": "v" * 256})) == []


def test_error_texts_are_clipped_to_fit_grpc_trailers():
    huge = "x" * 200_000
    assert len(clip(huge)) == MAX_DETAIL_CHARS and clip("short") == "short"
    err = InvalidArgument([FieldViolation(huge, huge) for _ in range(100)])
    assert len(err.to_status().SerializeToString()) < 16 * 1024
    assert len(NotFound("job", huge).to_status().SerializeToString()) < 4 * 1024


def test_artifact_uris_shown_to_clients_hide_the_server_layout(tmp_path):
    from kiln_server.models.convert import model_proto
    from kiln_server.platform.artifacts import ArtifactStore, published, rel_of
    from tests.unit.server.records import model_record

    store = ArtifactStore(str(tmp_path / "artifacts"))
    (tmp_path / "f").write_bytes(b"x")
    uri = store.put_file(tmp_path / "f", "jobs/acme/j-1/artifacts/loss_curve.png")
    assert uri == "kiln://artifacts/jobs/acme/j-1/artifacts/loss_curve.png" and rel_of(uri).startswith("jobs/")
    # Records written by earlier gateways held server paths; responses rewrite them.
    legacy = f"{tmp_path}/artifacts/models/acme/m-1"
    assert published(legacy) == "kiln://artifacts/models/acme/m-1"
    record = model_record("m-1")
    record.artifact_uri, record.artifact_rel = legacy, "models/acme/m-1"
    assert model_proto(record).artifact_uri == "kiln://artifacts/models/acme/m-1"
