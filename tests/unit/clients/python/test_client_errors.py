"""KilnClient against a real in-process grpc server that answers with rich error statuses.

The server is a generic handler on the Kiln method paths, so every test runs the client's
real stubs, metadata and error unpacking over a socket; no Ray, Redis or gateway involved.
"""

from __future__ import annotations

from concurrent import futures

import grpc
import pytest
from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from kiln import KilnClient, KilnError
from kiln.v1 import datasets_pb2, jobs_pb2

API_KEY = "kiln_test_secret"


def _status(code: int, message: str, *details) -> status_pb2.Status:
    status = status_pb2.Status(code=code, message=message)
    for detail in details:
        status.details.add().Pack(detail)
    return status


def _retry_info(seconds: float) -> error_details_pb2.RetryInfo:
    delay = duration_pb2.Duration()
    delay.FromMilliseconds(int(seconds * 1000))
    return error_details_pb2.RetryInfo(retry_delay=delay)


BAD_REQUEST = _status(
    code_pb2.INVALID_ARGUMENT,
    "invalid argument: 2 fields",
    error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(
                field="job.hyperparameters.learning_rate", description="must be > 0.0, got 0.0"
            ),
            error_details_pb2.BadRequest.FieldViolation(
                field="job.hyperparameters.batch_size", description="must be >= 1, got 0"
            ),
        ]
    ),
)
NOT_FOUND = _status(
    code_pb2.NOT_FOUND,
    "dataset 'datasets/missing' not found",
    error_details_pb2.ResourceInfo(resource_type="dataset", resource_name="datasets/missing"),
)
EXHAUSTED = _status(
    code_pb2.RESOURCE_EXHAUSTED,
    "upload too large",
    error_details_pb2.QuotaFailure(
        violations=[error_details_pb2.QuotaFailure.Violation(subject="upload", description="> 1 MiB")]
    ),
    _retry_info(1.5),
)
ERRORS = {"datasets/bad": BAD_REQUEST, "datasets/missing": NOT_FOUND, "datasets/busy": EXHAUSTED}


class FakeKiln:
    """Just enough of DatasetService and JobService to exercise the client's error paths."""

    def __init__(self):
        self.watch_requests: list[jobs_pb2.WatchJobRequest] = []

    def _authorize(self, context: grpc.ServicerContext) -> None:
        if (("authorization", f"Bearer {API_KEY}")) not in tuple(context.invocation_metadata()):
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "missing API key")

    def get_dataset(self, request, context):
        self._authorize(context)
        context.send_initial_metadata((("x-request-id", "rid-123"),))
        if request.name in ERRORS:
            context.abort_with_status(rpc_status.to_status(ERRORS[request.name]))
        if request.name == "datasets/plain":
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "no details here")
        return datasets_pb2.Dataset(name=request.name)

    def list_datasets(self, request, context):
        self._authorize(context)
        if request.page_token == "":
            return datasets_pb2.ListDatasetsResponse(
                datasets=[
                    datasets_pb2.Dataset(name="datasets/a"),
                    datasets_pb2.Dataset(name="datasets/b"),
                ],
                next_page_token="page-2",
            )
        if request.page_token == "page-2":
            return datasets_pb2.ListDatasetsResponse(datasets=[datasets_pb2.Dataset(name="datasets/c")])
        context.abort_with_status(rpc_status.to_status(BAD_REQUEST))

    def watch_job(self, request, context):
        """jobs/flaky breaks after two events once; jobs/down is always unavailable."""
        self._authorize(context)
        self.watch_requests.append(request)
        unavailable = _status(code_pb2.UNAVAILABLE, "server is shutting down", _retry_info(0.01))
        if request.name == "jobs/down":
            context.abort_with_status(rpc_status.to_status(unavailable))
        if request.name == "jobs/gone":
            context.abort_with_status(rpc_status.to_status(NOT_FOUND))
        if request.after_event_id == "":
            yield _event("1-0", jobs_pb2.JOB_STATE_QUEUED)
            yield _event("2-0", jobs_pb2.JOB_STATE_RUNNING)
            context.abort_with_status(rpc_status.to_status(unavailable))
        yield _event("3-0", jobs_pb2.JOB_STATE_SUCCEEDED)


def _event(event_id: str, state: int) -> jobs_pb2.JobEvent:
    return jobs_pb2.JobEvent(id=event_id, state_change=jobs_pb2.StateChange(state=state, attempt=1))


@pytest.fixture(scope="module")
def fake():
    fake = FakeKiln()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "kiln.v1.DatasetService",
                {
                    "GetDataset": grpc.unary_unary_rpc_method_handler(
                        fake.get_dataset,
                        request_deserializer=datasets_pb2.GetDatasetRequest.FromString,
                        response_serializer=datasets_pb2.Dataset.SerializeToString,
                    ),
                    "ListDatasets": grpc.unary_unary_rpc_method_handler(
                        fake.list_datasets,
                        request_deserializer=datasets_pb2.ListDatasetsRequest.FromString,
                        response_serializer=datasets_pb2.ListDatasetsResponse.SerializeToString,
                    ),
                },
            ),
            grpc.method_handlers_generic_handler(
                "kiln.v1.JobService",
                {
                    "WatchJob": grpc.unary_stream_rpc_method_handler(
                        fake.watch_job,
                        request_deserializer=jobs_pb2.WatchJobRequest.FromString,
                        response_serializer=jobs_pb2.JobEvent.SerializeToString,
                    ),
                },
            ),
        )
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    fake.target = f"127.0.0.1:{port}"
    yield fake
    server.stop(grace=None)


@pytest.fixture
def client(fake):
    with KilnClient(fake.target, api_key=API_KEY, timeout=5) as client:
        yield client


def test_success_sends_bearer_key(client):
    assert client.get_dataset("datasets/ok").name == "datasets/ok"


def test_bad_request_field_violations(client):
    with pytest.raises(KilnError) as info:
        client.get_dataset("datasets/bad")
    err = info.value
    assert err.code == grpc.StatusCode.INVALID_ARGUMENT
    assert err.message == "invalid argument: 2 fields"
    assert err.field_violations == [
        ("job.hyperparameters.learning_rate", "must be > 0.0, got 0.0"),
        ("job.hyperparameters.batch_size", "must be >= 1, got 0"),
    ]
    assert err.resource_info is None and err.retry_after_s is None
    assert err.request_id == "rid-123"
    text = str(err)
    assert text.startswith("INVALID_ARGUMENT: invalid argument: 2 fields")
    assert "job.hyperparameters.learning_rate: must be > 0.0, got 0.0" in text
    assert "job.hyperparameters.batch_size: must be >= 1, got 0" in text


def test_not_found_resource_info(client):
    with pytest.raises(KilnError) as info:
        client.get_dataset("datasets/missing")
    err = info.value
    assert err.code == grpc.StatusCode.NOT_FOUND
    assert (err.resource_info.resource_type, err.resource_info.resource_name) == (
        "dataset",
        "datasets/missing",
    )
    assert err.field_violations == []


def test_retry_info_and_other_details(client):
    with pytest.raises(KilnError) as info:
        client.get_dataset("datasets/busy")
    err = info.value
    assert err.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert err.retry_after_s == pytest.approx(1.5)
    assert any(isinstance(d, error_details_pb2.QuotaFailure) for d in err.status_details)
    assert "retry after 1.5s" in str(err)


def test_error_without_details(client):
    with pytest.raises(KilnError) as info:
        client.get_dataset("datasets/plain")
    err = info.value
    assert (err.code, err.message, err.field_violations) == (
        grpc.StatusCode.FAILED_PRECONDITION,
        "no details here",
        [],
    )
    assert str(err) == "FAILED_PRECONDITION: no details here"


def test_missing_key_is_unauthenticated(fake, monkeypatch):
    monkeypatch.delenv("KILN_API_KEY", raising=False)
    with KilnClient(fake.target, timeout=5) as anonymous, pytest.raises(KilnError) as info:
        anonymous.get_dataset("datasets/ok")
    assert info.value.code == grpc.StatusCode.UNAUTHENTICATED


def test_env_supplies_target_and_key(fake, monkeypatch):
    monkeypatch.setenv("KILN_TARGET", fake.target)
    monkeypatch.setenv("KILN_API_KEY", API_KEY)
    with KilnClient(timeout=5) as from_env:
        assert from_env.get_dataset("datasets/ok").name == "datasets/ok"


def test_list_walks_every_page(client):
    assert [d.name for d in client.list_datasets(page_size=2)] == [
        "datasets/a",
        "datasets/b",
        "datasets/c",
    ]


def test_watch_resumes_after_last_event(client, fake):
    fake.watch_requests.clear()
    events = list(client.watch_job("jobs/flaky", backoff_s=0.01))
    assert [e.id for e in events] == ["1-0", "2-0", "3-0"]
    assert [r.after_event_id for r in fake.watch_requests] == ["", "2-0"]


def test_watch_gives_up_after_max_reconnects(client, fake):
    fake.watch_requests.clear()
    with pytest.raises(KilnError) as info:
        list(client.watch_job("jobs/down", max_reconnects=2, backoff_s=0.01))
    assert info.value.code == grpc.StatusCode.UNAVAILABLE
    assert len(fake.watch_requests) == 3  # the first try and two reconnects


def test_watch_does_not_retry_other_errors(client, fake):
    fake.watch_requests.clear()
    with pytest.raises(KilnError) as info:
        list(client.watch_job("jobs/gone", backoff_s=0.01))
    assert info.value.code == grpc.StatusCode.NOT_FOUND
    assert len(fake.watch_requests) == 1


def test_unknown_arguments_fail_before_sending(client):
    with pytest.raises(ValueError, match="unknown hyperparameters field"):
        client.create_job("kiln-gpt-tiny", "datasets/x", hyperparameters={"lr": 1e-3})
    with pytest.raises(ValueError, match="state must be one of"):
        client.list_jobs(state="runing")
    with pytest.raises(ValueError, match="format must be one of"):
        client.upload_dataset(b"{}\n", "csv")
    with pytest.raises(ValueError, match="tuning does not apply"):
        client.create_job("kiln-gpt-tiny", "datasets/x", method="distill", tuning="lora")
