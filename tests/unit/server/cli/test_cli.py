"""The `kiln` CLI: config errors, exit statuses, watching a job, admin commands.

Client commands run against a tiny in-process grpc server (generic handlers on the Kiln
method paths); admin commands against the embedded Redis of a temporary data dir. No Ray.
"""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import timestamp_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status
from typer.testing import CliRunner

from kiln.v1 import datasets_pb2, jobs_pb2
from kiln_server.cli import app
from kiln_server.platform.redis_embedded import EmbeddedRedis
from tests.unit.clients.python.fake_gateway import fake_gateway, server_stream, unary

runner = CliRunner()


def test_serve_rejects_out_of_range_port():
    result = runner.invoke(app, ["serve", "--port", "70000"])
    assert result.exit_code == 2
    assert "invalid configuration" in result.output
    assert "--port / KILN_PORT" in result.output
    assert "65535" in result.output


def test_serve_rejects_bad_env(monkeypatch):
    monkeypatch.setenv("KILN_REDIS_URL", "http://localhost:6379")
    result = runner.invoke(app, ["serve"])
    assert result.exit_code == 2
    assert "--redis-url / KILN_REDIS_URL" in result.output


def test_enum_option_rejects_unknown_choice():
    result = runner.invoke(app, ["jobs", "list", "--state", "sleeping"])
    assert result.exit_code == 2


# -- client commands against a fake gateway -------------------------------------------------------
def _ts(seconds: int) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=seconds)


def _state(event_id: str, t: int, state: int, reason: str = "") -> jobs_pb2.JobEvent:
    return jobs_pb2.JobEvent(
        id=event_id,
        time=_ts(t),
        state_change=jobs_pb2.StateChange(state=state, attempt=1, reason=reason),
    )


def _metrics(event_id: str, t: int, step: int, **values: float) -> jobs_pb2.JobEvent:
    return jobs_pb2.JobEvent(
        id=event_id, time=_ts(t), metrics=jobs_pb2.Metrics(step=step, total_steps=20, values=values)
    )


def _log(event_id: str, t: int, message: str, level: str = "info") -> jobs_pb2.JobEvent:
    return jobs_pb2.JobEvent(id=event_id, time=_ts(t), log=jobs_pb2.LogLine(level=level, message=message))


HISTORIES = {
    "jobs/ok": [
        _state("1-0", 1000, jobs_pb2.JOB_STATE_RUNNING),
        _log("2-0", 1000, "attempt 1 started"),
        _metrics("3-0", 1001, 10, loss=2.5, tokens_per_s=1234.0),
        _metrics("4-0", 1002, 20, loss=1.25, tokens_per_s=1300.0),
        _metrics("5-0", 1002, 20, val_loss=1.5),
        _state("6-0", 1003, jobs_pb2.JOB_STATE_SUCCEEDED),
    ],
    "jobs/bad": [
        _state("1-0", 1000, jobs_pb2.JOB_STATE_RUNNING),
        _log("2-0", 1000, "training diverged", level="error"),
        _state("3-0", 1001, jobs_pb2.JOB_STATE_FAILED, reason="RuntimeError: diverged"),
    ],
}
FINAL = {"jobs/ok": jobs_pb2.JOB_STATE_SUCCEEDED, "jobs/bad": jobs_pb2.JOB_STATE_FAILED}


def _list_datasets(request, context):
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message="bad page token")
    status.details.add().Pack(
        error_details_pb2.BadRequest(
            field_violations=[error_details_pb2.BadRequest.FieldViolation(field="page_token", description="stale")]
        )
    )
    context.abort_with_status(rpc_status.to_status(status))


def _get_job(request, context):
    if request.name not in FINAL:
        context.abort(grpc.StatusCode.NOT_FOUND, f"job {request.name!r} not found")
    output = "models/m-1" if FINAL[request.name] == jobs_pb2.JOB_STATE_SUCCEEDED else ""
    return jobs_pb2.Job(name=request.name, state=FINAL[request.name], step=20, total_steps=20, output_model=output)


def _watch_job(request, context):
    yield from HISTORIES[request.name]


@pytest.fixture(scope="module")
def target():
    services = {
        "kiln.v1.DatasetService": {
            "ListDatasets": unary(_list_datasets, datasets_pb2.ListDatasetsRequest, datasets_pb2.ListDatasetsResponse)
        },
        "kiln.v1.JobService": {
            "GetJob": unary(_get_job, jobs_pb2.GetJobRequest, jobs_pb2.Job),
            "WatchJob": server_stream(_watch_job, jobs_pb2.WatchJobRequest, jobs_pb2.JobEvent),
        },
    }
    with fake_gateway(services) as target:
        yield target


def _kiln(target: str, *args: str):
    return runner.invoke(app, ["--target", target, "--api-key", "k", *args])


def test_rpc_error_prints_details_and_fails(target):
    result = _kiln(target, "datasets", "list")
    assert result.exit_code == 1
    assert "INVALID_ARGUMENT" in result.output
    assert "bad page token" in result.output
    assert "page_token: stale" in result.output


def test_not_found_fails(target):
    result = _kiln(target, "jobs", "get", "jobs/nope")
    assert result.exit_code == 1
    assert "NOT_FOUND" in result.output


def test_watch_succeeded_exits_zero(target):
    result = _kiln(target, "jobs", "watch", "jobs/ok")
    assert result.exit_code == 0, result.output
    assert "attempt 1 started" in result.output
    assert "SUCCEEDED" in result.output
    assert "20/20" in result.output
    assert "1.2500" in result.output and "1.5000" in result.output  # loss and val_loss
    assert "model models/m-1" in result.output


def test_watch_failed_exits_one(target):
    result = _kiln(target, "jobs", "watch", "jobs/bad")
    assert result.exit_code == 1
    assert "training diverged" in result.output
    assert "RuntimeError: diverged" in result.output


def test_unreachable_gateway_fails():
    result = runner.invoke(app, ["--target", "127.0.0.1:1", "jobs", "get", "jobs/x"])
    assert result.exit_code == 1
    assert "UNAVAILABLE" in result.output


# -- admin commands against an embedded Redis -----------------------------------------------------
@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A data dir whose embedded Redis already runs, as while a gateway serves: every admin
    command reuses it instead of starting and stopping its own."""
    monkeypatch.delenv("KILN_REDIS_URL", raising=False)
    monkeypatch.delenv("KILN_REDIS_PREFIX", raising=False)
    embedded = EmbeddedRedis(tmp_path / "redis")
    embedded.start()
    yield tmp_path
    embedded.process.terminate()  # SIGTERM: redis flushes and exits at once
    embedded.process.wait(timeout=10)


def test_admin_tenants_and_keys(data_dir):
    data = ["--data-dir", str(data_dir)]

    result = runner.invoke(app, ["admin", "tenants", "create", "acme", "--display-name", "Acme", *data])
    assert result.exit_code == 0, result.output
    assert "created tenant" in result.output
    result = runner.invoke(app, ["admin", "tenants", "create", "acme", *data])
    assert result.exit_code == 0 and "already exists" in result.output

    result = runner.invoke(app, ["admin", "keys", "create", "acme", "--quiet", *data])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("kiln_")
    key_id = secret.split("_")[1]

    result = runner.invoke(app, ["admin", "tenants", "list", *data])
    assert result.exit_code == 0 and "acme" in result.output and "Acme" in result.output
    result = runner.invoke(app, ["admin", "keys", "list", "acme", *data])
    assert result.exit_code == 0 and key_id in result.output

    result = runner.invoke(app, ["admin", "keys", "revoke", "acme", key_id, *data])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["admin", "keys", "revoke", "acme", key_id, *data])
    assert result.exit_code == 1 and "has no key" in result.output

    result = runner.invoke(app, ["admin", "keys", "create", "nobody", *data])
    assert result.exit_code == 1 and "not found" in result.output
    result = runner.invoke(app, ["admin", "tenants", "create", "Not_Valid", *data])
    assert result.exit_code == 2 and "must match" in result.output
