"""The client's streams: one resumable watch for jobs and evaluations (backoff, RetryInfo, resume
point), server streams that raise KilnError and cancel when dropped, upload progress, and the
no-quantization export."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from kiln import KilnClient, KilnError
from kiln.v1 import datasets_pb2, evaluation_pb2, models_pb2, sampling_pb2
from kiln.watch import MAX_BACKOFF_S, resume_on_unavailable
from tests.unit.clients.python.fake_gateway import fake_gateway, server_stream, unary


# -- resume_on_unavailable, without a server ------------------------------------------------------
class _Event:
    def __init__(self, event_id: str):
        self.id = event_id


class _Broken(grpc.RpcError, grpc.Call):
    """What a broken grpc stream raises: an RpcError that is also a finished Call."""

    def __init__(self, code: grpc.StatusCode, retry_after_s: float | None = None):
        self._code = code
        status = status_pb2.Status(code=code.value[0], message="broken")
        if retry_after_s is not None:
            delay = duration_pb2.Duration()
            delay.FromMilliseconds(int(retry_after_s * 1000))
            status.details.add().Pack(error_details_pb2.RetryInfo(retry_delay=delay))
        self._trailing = rpc_status.to_status(status).trailing_metadata

    def code(self):
        return self._code

    def details(self):
        return "broken"

    def trailing_metadata(self):
        return self._trailing

    def initial_metadata(self):
        return ()

    def is_active(self):
        return False

    def time_remaining(self):
        return None

    def cancel(self):
        return False

    def add_callback(self, callback):
        return False


class _Stream:
    """Yields its events, then raises `error` (if any); records whether it was cancelled."""

    def __init__(self, events: list[str], error: Exception | None = None):
        self.events, self.error, self.cancelled = events, error, False

    def __iter__(self):
        for event_id in self.events:
            yield _Event(event_id)
        if self.error is not None:
            raise self.error

    def cancel(self) -> bool:
        self.cancelled = True
        return True


def test_resume_backs_off_doubling_and_honours_retry_info():
    unavailable = grpc.StatusCode.UNAVAILABLE
    streams = [
        _Stream(["1"], _Broken(unavailable)),
        _Stream([], _Broken(unavailable)),
        _Stream([], _Broken(unavailable, retry_after_s=7.0)),
        _Stream(["2", "3"]),
    ]
    cursors: list[str] = []
    sleeps: list[float] = []

    def open_stream(cursor: str) -> _Stream:
        cursors.append(cursor)
        return streams[len(cursors) - 1]

    events = list(resume_on_unavailable(open_stream, "0", backoff_s=1.0, sleep=sleeps.append))
    assert [e.id for e in events] == ["1", "2", "3"]
    assert cursors == ["0", "1", "1", "1"]
    assert sleeps == [1.0, 2.0, 7.0]  # the third waits for the server's RetryInfo, not 4 s
    assert all(s.cancelled for s in streams)


def test_resume_caps_backoff_and_gives_up():
    sleeps: list[float] = []

    def never(cursor: str) -> _Stream:
        return _Stream([], _Broken(grpc.StatusCode.UNAVAILABLE))

    with pytest.raises(KilnError) as info:
        list(resume_on_unavailable(never, max_reconnects=6, backoff_s=1.0, sleep=sleeps.append))
    assert info.value.code == grpc.StatusCode.UNAVAILABLE
    assert sleeps == [1.0, 2.0, 4.0, 8.0, MAX_BACKOFF_S, MAX_BACKOFF_S]


def test_resume_raises_other_errors_at_once():
    sleeps: list[float] = []
    gone = _Stream(["1"], _Broken(grpc.StatusCode.NOT_FOUND))
    with pytest.raises(KilnError) as info:
        list(resume_on_unavailable(lambda cursor: gone, sleep=sleeps.append))
    assert info.value.code == grpc.StatusCode.NOT_FOUND and sleeps == [] and gone.cancelled


# -- against a fake gateway -----------------------------------------------------------------------
class Fake:
    def __init__(self):
        self.watch_requests: list[evaluation_pb2.WatchEvaluationRequest] = []
        self.stream_cancelled = threading.Event()
        self.uploaded = b""
        self.export: models_pb2.ExportModelRequest | None = None

    def watch_evaluation(self, request, context):
        """Breaks UNAVAILABLE after the first event, once."""
        self.watch_requests.append(request)
        if not request.after_event_id:
            yield evaluation_pb2.EvaluationEvent(id="1-0")
            context.abort_with_status(
                rpc_status.to_status(status_pb2.Status(code=code_pb2.UNAVAILABLE, message="restarting"))
            )
        yield evaluation_pb2.EvaluationEvent(id="2-0")

    def generate_stream(self, request, context):
        if request.prompt == "fail":
            context.abort(grpc.StatusCode.FAILED_PRECONDITION, "model not deployed")
        # The termination callback, not a check after the yield: a cancel that lands while the
        # server is still sending "a" ends the call without resuming this generator at all.
        ran_out = threading.Event()
        context.add_callback(lambda: None if ran_out.is_set() else self.stream_cancelled.set())
        yield sampling_pb2.GenerateStreamResponse(text="a")
        deadline = time.monotonic() + 30
        while context.is_active() and time.monotonic() < deadline:
            time.sleep(0.01)
        if context.is_active():
            ran_out.set()  # nobody cancelled: this end must not count as one

    def upload(self, requests, context):
        first = next(requests)
        assert first.HasField("metadata")
        self.uploaded = b"".join(r.chunk for r in requests)
        return datasets_pb2.Dataset(name="datasets/d", size_bytes=len(self.uploaded))

    def export_model(self, request, context):
        self.export = request
        return models_pb2.Model(name="models/e")


@pytest.fixture(scope="module")
def fake():
    fake = Fake()
    services = {
        "kiln.v1.EvaluationService": {
            "WatchEvaluation": server_stream(
                fake.watch_evaluation, evaluation_pb2.WatchEvaluationRequest, evaluation_pb2.EvaluationEvent
            )
        },
        "kiln.v1.SamplingService": {
            "GenerateStream": server_stream(
                fake.generate_stream, sampling_pb2.GenerateRequest, sampling_pb2.GenerateStreamResponse
            )
        },
        "kiln.v1.DatasetService": {
            "UploadDataset": grpc.stream_unary_rpc_method_handler(
                fake.upload,
                request_deserializer=datasets_pb2.UploadDatasetRequest.FromString,
                response_serializer=datasets_pb2.Dataset.SerializeToString,
            )
        },
        "kiln.v1.ModelService": {
            "ExportModel": unary(fake.export_model, models_pb2.ExportModelRequest, models_pb2.Model),
        },
    }
    with fake_gateway(services) as target:
        fake.target = target
        yield fake


@pytest.fixture
def client(fake):
    with KilnClient(fake.target, api_key="k", timeout=5) as client:
        yield client


def test_watch_evaluation_resumes_after_last_event(client, fake):
    events = list(client.watch_evaluation("evaluations/e", backoff_s=0.01))
    assert [e.id for e in events] == ["1-0", "2-0"]
    assert [r.after_event_id for r in fake.watch_requests] == ["", "1-0"]


def test_generate_stream_error_is_a_kiln_error(client):
    with pytest.raises(KilnError) as info:
        list(client.generate_stream("models/m", "fail"))
    assert info.value.code == grpc.StatusCode.FAILED_PRECONDITION


def test_dropping_a_stream_cancels_it_on_the_server(client, fake):
    stream = client.generate_stream("models/m", "go")
    assert next(stream).text == "a"
    stream.close()
    assert fake.stream_cancelled.wait(30)  # returns as soon as it is set; the slack is for a loaded machine


def test_upload_reports_progress(client, fake):
    blob = b'{"prompt": "p", "completion": "c"}\n' * 100
    seen: list[tuple[int, int]] = []
    dataset = client.upload_dataset(
        blob, "sft", chunk_size=1000, on_progress=lambda sent, total: seen.append((sent, total))
    )
    assert fake.uploaded == blob and dataset.size_bytes == len(blob)
    assert [sent for sent, _ in seen] == [min(i * 1000, len(blob)) for i in range(1, len(seen) + 1)]
    assert seen[-1] == (len(blob), len(blob))


@pytest.mark.parametrize("quantization", ["UNSPECIFIED", "none", 0])
def test_export_without_quantization(client, fake, quantization):
    if quantization == "none":
        with pytest.raises(ValueError, match="quantization must be one of"):
            client.export_model("models/m", quantization)
        return
    client.export_model("models/m", quantization, prune_sparsity=0.5)
    assert fake.export is not None and fake.export.quantization == models_pb2.QUANTIZATION_UNSPECIFIED
