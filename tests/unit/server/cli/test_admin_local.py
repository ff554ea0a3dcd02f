"""`kiln admin` in local mode (straight to an embedded Redis): roles, rotation, quotas, audit
and tenant deletion. The same commands through a gateway are in tests/e2e/test_tenancy_admin.py."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from kiln_server.cli import app
from kiln_server.platform.redis_embedded import EmbeddedRedis

runner = CliRunner()


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.delenv("KILN_REDIS_URL", raising=False)
    monkeypatch.delenv("KILN_REDIS_PREFIX", raising=False)
    monkeypatch.delenv("KILN_ADMIN_GATEWAY", raising=False)
    embedded = EmbeddedRedis(tmp_path / "redis")
    embedded.start()
    yield ["--data-dir", str(tmp_path)]
    assert embedded.process is not None
    embedded.process.terminate()
    embedded.process.wait(timeout=10)


def kiln(*args: str):
    return runner.invoke(app, ["admin", *args])


def test_local_admin_roles_rotation_quotas_and_delete(data):
    assert kiln("tenants", "create", "acme", *data).exit_code == 0
    result = kiln("keys", "create", "acme", "--role", "viewer", "--ttl", "3600", "--quiet", *data)
    assert result.exit_code == 0, result.output
    key_id = result.stdout.strip().split("_")[1]
    result = kiln("keys", "list", "acme", *data)
    assert key_id in result.output and "viewer" in result.output
    result = kiln("keys", "rotate", "acme", key_id, "--quiet", *data)
    new_id = result.stdout.strip().split("_")[1]
    assert result.exit_code == 0 and new_id != key_id
    listed = kiln("keys", "list", "acme", *data).output
    assert new_id in listed and key_id not in listed
    result = kiln("quotas", "set", "acme", "gpus=3", "--reset", "replicas", *data)
    assert result.exit_code == 0 and "3" in result.output, result.output
    assert kiln("quotas", "set", "acme", "nope=1", *data).exit_code == 2
    assert kiln("quotas", "set", "acme", "gpus=-2", *data).exit_code == 2
    assert kiln("quotas", "get", "nobody", *data).exit_code == 1
    assert kiln("audit", *data).exit_code == 0  # empty: nothing went through a gateway
    result = kiln("tenants", "delete", "acme", "--yes", *data)
    assert result.exit_code == 0 and "api_keys_revoked 1" in result.output, result.output
    assert "acme" not in kiln("tenants", "list", *data).output
    assert kiln("tenants", "delete", "acme", "--yes", *data).exit_code == 1
