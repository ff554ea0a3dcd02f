"""Every bad input gets a precise status at the call, never INTERNAL or UNKNOWN, and nothing is
created: one gateway, one tenant, the whole class of bad inputs (enum values no proto names,
non-finite floats, out-of-range numbers and timestamps, oversized free-form fields, bad
encodings in uploaded datasets, reused request ids)."""

from __future__ import annotations

import json
import math

import grpc
import pytest
from google.protobuf import timestamp_pb2

from kiln.v1 import (
    datasets_pb2,
    evaluation_pb2,
    evaluation_pb2_grpc,
    feedback_pb2,
    feedback_pb2_grpc,
    jobs_pb2,
    sampling_pb2,
    sampling_pb2_grpc,
)
from kiln_server.datasets.ingest import MAX_ROW_BYTES
from tests.e2e.conftest import demo_records, field_violations, sft_job, upload_stream

HUGE = "x" * 200_000  # far over gRPC's 8 KiB default trailer budget if echoed whole


@pytest.fixture
async def env(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, demo_records(8))
    return gateway, t, ds


async def _invalid(call, field: str) -> list[tuple[str, str]]:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    details = err.value.details() or ""
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (err.value.code(), details[:300])
    violations = field_violations(err.value)
    assert field in [f for f, _ in violations], violations
    assert len(details) <= 2048
    return violations


def _job_with(ds_name: str, mutate) -> jobs_pb2.Job:
    job = sft_job(ds_name, max_steps=1)
    mutate(job)
    return job


BAD_JOBS = [
    (lambda j: setattr(j, "method", 999), "job.method"),
    (lambda j: setattr(j.hyperparameters, "precision", 77), "job.hyperparameters.precision"),
    (lambda j: setattr(j.hyperparameters, "learning_rate", math.inf), "job.hyperparameters.learning_rate"),
    (lambda j: setattr(j.hyperparameters, "learning_rate", math.nan), "job.hyperparameters.learning_rate"),
    (lambda j: setattr(j.hyperparameters, "weight_decay", math.nan), "job.hyperparameters.weight_decay"),
    (lambda j: setattr(j.sft.lora, "alpha", math.inf), "job.sft.lora.alpha"),
    (lambda j: setattr(j.hyperparameters, "seed", 2**40), "job.hyperparameters.seed"),
    (lambda j: setattr(j, "display_name", HUGE), "job.display_name"),
    (lambda j: j.labels.update({f"k{i}": "v" for i in range(100)}), "job.labels"),
    (lambda j: j.labels.update({"k": HUGE}), "job.labels"),
    (lambda j: j.labels.update({HUGE: "v"}), "job.labels"),
    (lambda j: setattr(j, "base_model", HUGE), "job.base_model"),
    (lambda j: setattr(j, "training_dataset", HUGE), "job.training_dataset"),
    # Server paths: no shared model directories are configured, so none is accepted.
    (lambda j: setattr(j, "base_model", "/etc"), "job.base_model"),
    (lambda j: setattr(j, "base_model", "../artifacts/models"), "job.base_model"),
    (
        lambda j: (
            j.ClearField("sft"),
            j.__setattr__("method", jobs_pb2.JOB_METHOD_DISTILL),
            j.distill.__setattr__("teacher_model", "/tmp"),
        ),
        "job.distill.teacher_model",
    ),
]


async def test_bad_job_specs(env):
    gw, t, ds = env
    for mutate, field in BAD_JOBS:  # one gateway for the lot: each case is one call
        job = _job_with(ds.name, mutate)
        await _invalid(gw.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=t.md), field)
    assert not (await gw.jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=t.md)).jobs


async def test_bad_filters_ids_and_tokens(env):
    gw, t, _ = env
    md = t.md
    evals = evaluation_pb2_grpc.EvaluationServiceStub(gw.channel)
    feedback = feedback_pb2_grpc.FeedbackServiceStub(gw.channel)
    unknown: dict = {"state": 99}  # enum numbers no proto names (a newer client's, a fuzzer's)
    await _invalid(gw.jobs.ListJobs(jobs_pb2.ListJobsRequest(**unknown), metadata=md), "state")
    await _invalid(gw.jobs.ListJobs(jobs_pb2.ListJobsRequest(method=99), metadata=md), "method")  # type: ignore[arg-type]
    await _invalid(evals.ListEvaluations(evaluation_pb2.ListEvaluationsRequest(**unknown), metadata=md), "state")
    await _invalid(gw.jobs.GetJob(jobs_pb2.GetJobRequest(name=HUGE), metadata=md), "name")
    await _invalid(gw.datasets.GetDataset(datasets_pb2.GetDatasetRequest(name=HUGE), metadata=md), "name")
    await _invalid(gw.jobs.ListJobs(jobs_pb2.ListJobsRequest(page_token=HUGE), metadata=md), "page_token")

    async def watch_job(after):
        async for _ in gw.jobs.WatchJob(jobs_pb2.WatchJobRequest(name="jobs/j-1", after_event_id=after), metadata=md):
            pass

    async def watch_eval(after):
        req = evaluation_pb2.WatchEvaluationRequest(name="evaluations/e-1", after_event_id=after)
        async for _ in evals.WatchEvaluation(req, metadata=md):
            pass

    for garbage in ("garbage", "1-2-3", "99999999999999999999999-0", HUGE):
        await _invalid(watch_job(garbage), "after_event_id")
        await _invalid(watch_eval(garbage), "after_event_id")
    far = timestamp_pb2.Timestamp(seconds=10**12)
    for f in (feedback_pb2.FeedbackFilter(start_time=far), feedback_pb2.FeedbackFilter(end_time=far)):
        which = "filter.start_time" if f.HasField("start_time") else "filter.end_time"
        await _invalid(feedback.ListFeedback(feedback_pb2.ListFeedbackRequest(filter=f), metadata=md), which)
    for seconds in (-(10**11), -5):  # out of Timestamp's range; before the epoch feedback ids count from
        before_epoch = feedback_pb2.FeedbackFilter(start_time=timestamp_pb2.Timestamp(seconds=seconds))
        req = feedback_pb2.ListFeedbackRequest(filter=before_epoch)
        await _invalid(feedback.ListFeedback(req, metadata=md), "filter.start_time")
    at_epoch = feedback_pb2.ListFeedbackRequest(filter=feedback_pb2.FeedbackFilter(end_time=timestamp_pb2.Timestamp()))
    await _invalid(feedback.ListFeedback(at_epoch, metadata=md), "filter.end_time")


async def test_bad_feedback_fields_are_bounded(env):
    gw, t, _ = env
    feedback = feedback_pb2_grpc.FeedbackServiceStub(gw.channel)

    def submit(**kw):
        fb = feedback_pb2.Feedback(sample_id="samples/" + "0" * 32, thumbs=feedback_pb2.Thumbs(up=True))
        for k, v in kw.items():
            if k == "feedback_id":
                continue
            setattr(fb, k, v)
        req = feedback_pb2.SubmitFeedbackRequest(feedback=fb, feedback_id=kw.get("feedback_id", ""))
        return feedback.SubmitFeedback(req, metadata=t.md)

    await _invalid(submit(comment=HUGE), "feedback.comment")
    await _invalid(submit(user_id=HUGE), "feedback.user_id")
    await _invalid(submit(source=HUGE), "feedback.source")
    await _invalid(submit(feedback_id=HUGE), "feedback_id")
    await _invalid(submit(sample_id=HUGE), "feedback.sample_id")


async def test_bad_sampling_params(env):
    gw, t, _ = env
    sampling = sampling_pb2_grpc.SamplingServiceStub(gw.channel)
    for params, field in (
        (sampling_pb2.SamplingParams(temperature=1e-300), "params.temperature"),
        (sampling_pb2.SamplingParams(temperature=math.nan), "params.temperature"),
        (sampling_pb2.SamplingParams(temperature=math.inf), "params.temperature"),
        (sampling_pb2.SamplingParams(top_p=math.nan), "params.top_p"),
        (sampling_pb2.SamplingParams(repetition_penalty=1e-300), "params.repetition_penalty"),
        (sampling_pb2.SamplingParams(repetition_penalty=1e300), "params.repetition_penalty"),
        (sampling_pb2.SamplingParams(temperature=1e-5), "params.temperature"),
    ):
        req = sampling_pb2.GenerateRequest(model="kiln-gpt-tiny", prompt="hi", params=params)
        await _invalid(sampling.Generate(req, metadata=t.md), field)


def _lines(*records) -> bytes:
    return b"".join(r if isinstance(r, bytes) else json.dumps(r).encode() + b"\n" for r in records)


GOOD = {"prompt": "a", "completion": "b"}
BAD_UPLOADS = [
    (b"\xef\xbb\xbf" + _lines(GOOD), "chunk.line[1]"),
    (json.dumps(GOOD).encode("utf-16"), "chunk.line[1]"),
    (_lines(GOOD, GOOD) + b'{"prompt": "\\ud800", "completion": "b"}\n', "chunk.line[3]"),
    (_lines(GOOD, {"prompt": "a" * (MAX_ROW_BYTES + 1024), "completion": "b"}), "chunk.line[2]"),
    (_lines(GOOD) + b"\xff\xfe\n", "chunk.line[2]"),
]


async def test_rejected_uploads_leave_nothing(env):
    gw, t, _ = env
    before = (await gw.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)).datasets
    for data, field in BAD_UPLOADS:
        # One chunk: the server's rejection then never races the client's sending of later chunks.
        one_chunk = upload_stream(data, datasets_pb2.DATASET_FORMAT_SFT, chunk_size=len(data))
        await _invalid(gw.datasets.UploadDataset(one_chunk, metadata=t.md), field)
    after = (await gw.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)).datasets
    assert len(after) == len(before)
    tenant_dir = gw.config.data_dir / "artifacts" / "datasets" / t.name
    assert sorted(p.name for p in tenant_dir.iterdir()) == [d.name.split("/")[1] for d in before]
    assert not list((gw.config.scratch_dir / "uploads").glob("upload-*"))


async def test_scratch_of_a_killed_upload_is_cleaned_at_start(gateway_factory, tmp_path):
    uploads = tmp_path / "restart" / "kiln" / "scratch" / "uploads"  # make_config puts data_dir at .../kiln
    uploads.mkdir(parents=True)
    (uploads / "upload-killed.jsonl").write_bytes(b'{"prompt": "half')
    await gateway_factory(data_dir=tmp_path / "restart")
    assert not list(uploads.glob("upload-*"))


async def test_bad_upload_metadata(env):
    gw, t, _ = env
    sft = datasets_pb2.DATASET_FORMAT_SFT
    data = _lines(GOOD)
    await _invalid(gw.upload(t, data, display_name=HUGE), "metadata.display_name")
    await _invalid(gw.upload(t, data, fmt=42), "metadata.format")
    many = {f"k{i}": "v" for i in range(100)}
    await _invalid(gw.datasets.UploadDataset(upload_stream(data, sft, labels=many), metadata=t.md), "metadata.labels")
    await _invalid(
        gw.datasets.UploadDataset(upload_stream(data, sft, labels={"k": HUGE}), metadata=t.md), "metadata.labels"
    )


async def test_request_id_reuse_with_a_different_body(env):
    gw, t, ds = env
    sft = datasets_pb2.DATASET_FORMAT_SFT
    first = await gw.datasets.UploadDataset(upload_stream(_lines(GOOD), sft, request_id="u-1"), metadata=t.md)
    again = await gw.datasets.UploadDataset(upload_stream(_lines(GOOD), sft, request_id="u-1"), metadata=t.md)
    assert first.name == again.name
    other = upload_stream(_lines(GOOD), sft, request_id="u-1", display_name="another")
    await _invalid(gw.datasets.UploadDataset(other, metadata=t.md), "request_id")


async def test_concurrent_generate_with_one_request_id_returns_one_set_of_samples(env):
    import asyncio

    gw, t, _ = env
    sampling = sampling_pb2_grpc.SamplingServiceStub(gw.channel)
    req = sampling_pb2.GenerateRequest(model="kiln-gpt-tiny", prompt="once upon", n=2, request_id="same-1")
    req.params.max_tokens = 4
    answers = await asyncio.gather(*(sampling.Generate(req, metadata=t.md) for _ in range(12)))
    ids = {tuple(c.sample_id for c in a.completions) for a in answers}
    assert len(ids) == 1, ids
    # The same request_id for a different request is refused, while and after the first runs.
    req.prompt = "something else"
    await _invalid(sampling.Generate(req, metadata=t.md), "request_id")


async def test_request_bytes_that_do_not_decode_are_invalid_argument(env):
    gw, t, _ = env
    for method, raw in (
        ("/kiln.v1.JobService/GetJob", b"\x0a\x02\xff\xfe"),  # name: invalid UTF-8
        ("/kiln.v1.JobService/ListJobs", b"\x08\xff\xff"),  # page_size: truncated varint
        ("/kiln.v1.DatasetService/UploadDataset", b"\x0a\x03\x0a\x01\xc3"),  # metadata.display_name
    ):
        if method.endswith("UploadDataset"):
            call = gw.channel.stream_unary(method)(iter([raw]), metadata=t.md)
        else:
            call = gw.channel.unary_unary(method)(raw, metadata=t.md)
        await _invalid(call, "request")


async def test_upload_request_id_reuse_is_caught_past_the_first_bytes(env):
    gw, t, _ = env
    sft = datasets_pb2.DATASET_FORMAT_SFT
    name = "a display name longer than thirty-two bytes"
    await gw.datasets.UploadDataset(
        upload_stream(_lines(GOOD), sft, request_id="u-2", display_name=name), metadata=t.md
    )
    other = upload_stream(_lines(GOOD), sft, request_id="u-2", display_name=name, labels={"k": "v"})
    await _invalid(gw.datasets.UploadDataset(other, metadata=t.md), "request_id")


async def test_a_revoked_key_ends_an_open_feedback_stream(gateway, monkeypatch):
    import asyncio

    from kiln_server.platform.interceptors import AuthInterceptor

    monkeypatch.setattr(AuthInterceptor, "REVERIFY_S", 0.2)
    await gateway.server.tenants.create_tenant("t-revoked")
    key_id, key = await gateway.server.tenants.create_key("t-revoked")
    feedback = feedback_pb2_grpc.FeedbackServiceStub(gateway.channel)
    pending: asyncio.Queue = asyncio.Queue()

    async def requests():
        while (item := await pending.get()) is not None:
            yield item

    call = feedback.StreamFeedback(requests(), metadata=(("authorization", f"Bearer {key}"),))
    unknown_sample = feedback_pb2.SubmitFeedbackRequest(
        feedback=feedback_pb2.Feedback(sample_id="samples/" + "0" * 32, thumbs=feedback_pb2.Thumbs(up=True))
    )
    await pending.put(unknown_sample)
    first = await call.read()
    assert first.code == grpc.StatusCode.NOT_FOUND.value[0]  # the stream works: acknowledged on its own
    await gateway.server.tenants.revoke_key("t-revoked", key_id)
    await asyncio.sleep(0.3)
    await pending.put(unknown_sample)
    try:
        after = await call.read()
        assert after is grpc.aio.EOF, after
        code = await call.code()
    except grpc.aio.AioRpcError as err:
        code = err.code()
    assert code == grpc.StatusCode.UNAUTHENTICATED
    await pending.put(None)
