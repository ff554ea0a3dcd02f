"""Quotas, roles, the admin API and the audit log against a live gateway over real gRPC."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from kiln.v1 import (
    admin_pb2,
    admin_pb2_grpc,
    datasets_pb2,
    jobs_pb2,
    models_pb2,
    sampling_pb2,
    sampling_pb2_grpc,
)
from kiln_server.tenants.record import Role
from tests.e2e.conftest import Tenant, demo_records, sft_job


def details(err: grpc.aio.AioRpcError) -> dict[str, Any]:
    """The google.rpc.Status details of an error, by type name."""
    out: dict[str, Any] = {}
    status = rpc_status.from_call(err)
    for d in status.details if status else []:
        for kind in (
            error_details_pb2.QuotaFailure,
            error_details_pb2.RetryInfo,
            error_details_pb2.PreconditionFailure,
        ):
            if d.Is(kind.DESCRIPTOR):
                msg = kind()
                d.Unpack(msg)
                out[kind.__name__] = msg
    return out


async def rpc_error(call) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    return err.value


async def admin_of(gateway) -> tuple[admin_pb2_grpc.AdminServiceStub, Tenant]:
    ops = await gateway.tenant()
    _, secret = await gateway.server.tenants.create_key(ops.name, Role.ADMIN)
    return admin_pb2_grpc.AdminServiceStub(gateway.channel), Tenant(ops.name, secret)


async def test_quotas_are_enforced_with_details_naming_them(gateway):
    admin, ops = await admin_of(gateway)
    t = await gateway.tenant()
    name = f"tenants/{t.name}"
    # No job of this tenant may run (running_jobs 0), one may wait, no model may be deployed,
    # and one sampling call per second (bursts of two).
    q = await admin.SetQuotas(
        admin_pb2.SetQuotasRequest(
            name=name,
            quotas=admin_pb2.Quotas(queued_jobs=1, running_jobs=0, deployments=0, sampling_requests_per_s=1),
        ),
        metadata=ops.md,
    )
    assert (q.queued_jobs, q.running_jobs, q.gpus) == (1, 0, gateway.config.quota_gpus)
    ds = await gateway.upload(t, demo_records(20))
    create = jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=1), request_id="r1")
    first = await gateway.jobs.CreateJob(create, metadata=t.md)
    err = await rpc_error(gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=sft_job(ds.name)), metadata=t.md))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    d = details(err)
    assert d["QuotaFailure"].violations[0].subject == "quotas.queued_jobs" and "RetryInfo" in d
    # A retry of the accepted create is answered (same job), not refused by the full queue.
    assert (await gateway.jobs.CreateJob(create, metadata=t.md)).name == first.name
    # GPUs no node of this CPU-only cluster has: FAILED_PRECONDITION at once, nothing created.
    gpu_job = sft_job(ds.name)
    gpu_job.resources.gpus = 1
    other = await gateway.tenant()
    ds_other = await gateway.upload(other, demo_records(20))
    gpu_job.training_dataset = ds_other.name
    err = await rpc_error(gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=gpu_job), metadata=other.md))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert details(err)["PreconditionFailure"].violations[0].subject == "job.resources.gpus"
    assert not (await gateway.jobs.ListJobs(jobs_pb2.ListJobsRequest(), metadata=other.md)).jobs
    # Deployments quota: refused before anything starts.
    err = await rpc_error(
        gateway.models.DeployModel(
            models_pb2.DeployModelRequest(
                name="kiln-gpt-tiny", replicas=1, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE
            ),
            metadata=t.md,
        )
    )
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert details(err)["QuotaFailure"].violations[0].subject == "quotas.deployments"
    # Sampling: two calls pass the limiter (to a model that does not exist: NOT_FOUND), the
    # third is RESOURCE_EXHAUSTED with a retry delay.
    sampling = sampling_pb2_grpc.SamplingServiceStub(gateway.channel)
    codes = []
    for _ in range(3):
        e = await rpc_error(
            sampling.Generate(sampling_pb2.GenerateRequest(model="models/m-000000000000", prompt="hi"), metadata=t.md)
        )
        codes.append(e.code())
    assert codes[:2] == [grpc.StatusCode.NOT_FOUND] * 2 and codes[2] == grpc.StatusCode.RESOURCE_EXHAUSTED
    d = details(e)
    assert d["QuotaFailure"].violations[0].subject == "quotas.sampling_requests_per_s"
    assert d["RetryInfo"].retry_delay.ToMilliseconds() > 0


async def test_viewer_reads_only_and_members_cannot_administer(gateway):
    admin, ops = await admin_of(gateway)
    t = await gateway.tenant()
    created = await admin.CreateApiKey(
        admin_pb2.CreateApiKeyRequest(parent=f"tenants/{t.name}", role=admin_pb2.ROLE_VIEWER, ttl_seconds=600),
        metadata=ops.md,
    )
    assert created.api_key.role == admin_pb2.ROLE_VIEWER and created.api_key.HasField("expire_time")
    viewer = Tenant(t.name, created.secret)
    ds = await gateway.upload(t, demo_records(20))
    assert [
        d.name
        for d in (await gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=viewer.md)).datasets
    ] == [ds.name]
    for call in (
        gateway.datasets.DeleteDataset(datasets_pb2.DeleteDatasetRequest(name=ds.name), metadata=viewer.md),
        gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=sft_job(ds.name)), metadata=viewer.md),
        admin.ListTenants(admin_pb2.ListTenantsRequest(), metadata=viewer.md),
        admin.ListTenants(admin_pb2.ListTenantsRequest(), metadata=t.md),  # a member is no admin
    ):
        assert (await rpc_error(call)).code() == grpc.StatusCode.PERMISSION_DENIED
    # The dataset is still there, and the audit log has who tried what, with the result.
    await gateway.datasets.GetDataset(datasets_pb2.GetDatasetRequest(name=ds.name), metadata=viewer.md)
    events = (
        await admin.ListAuditEvents(admin_pb2.ListAuditEventsRequest(tenant=f"tenants/{t.name}"), metadata=ops.md)
    ).events
    seen = [(e.method.rsplit("/", 1)[1], e.code, e.role) for e in events]
    assert ("DeleteDataset", "PERMISSION_DENIED", "viewer") in seen
    assert ("CreateJob", "PERMISSION_DENIED", "viewer") in seen
    assert ("UploadDataset", "OK", "member") in seen
    assert not any(m.startswith(("Get", "List")) for m, _, _ in seen)  # reads are not audited
    delete = next(e for e in events if e.method.endswith("DeleteDataset"))
    assert delete.resource == ds.name and delete.principal == f"key:{created.api_key.key_id}"


async def test_admin_api_manages_keys_and_deletes_a_tenant_with_its_data(gateway):
    admin, ops = await admin_of(gateway)
    md = ops.md
    tenant = await admin.CreateTenant(
        admin_pb2.CreateTenantRequest(tenant_id="acme-h3", display_name="Acme"), metadata=md
    )
    assert tenant.name == "tenants/acme-h3" and tenant.display_name == "Acme"
    err = await rpc_error(admin.CreateTenant(admin_pb2.CreateTenantRequest(tenant_id="acme-h3"), metadata=md))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    err = await rpc_error(admin.CreateTenant(admin_pb2.CreateTenantRequest(tenant_id="Bad Id"), metadata=md))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    key = await admin.CreateApiKey(admin_pb2.CreateApiKeyRequest(parent=tenant.name), metadata=md)
    acme = Tenant("acme-h3", key.secret)
    ds = await gateway.upload(acme, demo_records(20))
    listed = (await admin.ListApiKeys(admin_pb2.ListApiKeysRequest(parent=tenant.name), metadata=md)).api_keys
    assert [k.key_id for k in listed] == [key.api_key.key_id] and listed[0].HasField("last_used_time")
    assert listed[0].role == admin_pb2.ROLE_MEMBER
    # Rotation: the old secret stops, the new one works.
    rotated = await admin.RotateApiKey(admin_pb2.RotateApiKeyRequest(name=key.api_key.name), metadata=md)
    assert (
        await rpc_error(gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=acme.md))
    ).code() == grpc.StatusCode.UNAUTHENTICATED
    acme = Tenant("acme-h3", rotated.secret)
    await gateway.datasets.GetDataset(datasets_pb2.GetDatasetRequest(name=ds.name), metadata=acme.md)
    err = await rpc_error(
        admin.RevokeApiKey(admin_pb2.RevokeApiKeyRequest(name="tenants/acme-h3/keys/00000000"), metadata=md)
    )
    assert err.code() == grpc.StatusCode.NOT_FOUND
    err = await rpc_error(admin.RevokeApiKey(admin_pb2.RevokeApiKeyRequest(name="keys/x"), metadata=md))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    # A queued job (the tenant may run none) is cancelled by the delete.
    await admin.SetQuotas(
        admin_pb2.SetQuotasRequest(name=tenant.name, quotas=admin_pb2.Quotas(running_jobs=0)), metadata=md
    )
    job = await gateway.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=sft_job(ds.name, max_steps=1)), metadata=acme.md)
    err = await rpc_error(admin.SetQuotas(admin_pb2.SetQuotasRequest(name=tenant.name, reset=["nope"]), metadata=md))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    redis, prefix = gateway.server.redis, gateway.config.redis_prefix
    assert await redis.keys(f"{prefix}:t:acme-h3:*")
    artifacts = Path(gateway.config.artifact_root) / "datasets" / "acme-h3"
    assert artifacts.exists()
    result = await admin.DeleteTenant(admin_pb2.DeleteTenantRequest(name=tenant.name), metadata=md)
    assert result.api_keys_revoked == 1 and result.operations_cancelled == 1 and result.records_removed > 0
    assert await redis.keys(f"{prefix}:t:acme-h3:*") == []
    assert not artifacts.exists()
    assert f"acme-h3/{job.name.split('/')[1]}".encode() not in await redis.lrange(f"{prefix}:queue", 0, -1)
    err = await rpc_error(gateway.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=acme.md))
    assert err.code() == grpc.StatusCode.UNAUTHENTICATED
    names = [t.name for t in (await admin.ListTenants(admin_pb2.ListTenantsRequest(), metadata=md)).tenants]
    assert tenant.name not in names
    err = await rpc_error(admin.DeleteTenant(admin_pb2.DeleteTenantRequest(name=tenant.name), metadata=md))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    audit = await admin.ListAuditEvents(admin_pb2.ListAuditEventsRequest(method="DeleteTenant"), metadata=md)
    assert [e.code for e in audit.events] == ["NOT_FOUND", "OK"] and audit.events[1].resource == tenant.name


async def test_cli_admin_through_the_gateway(gateway):
    """`kiln admin --gateway`: the same commands over the AdminService, with an admin key."""
    import asyncio

    from typer.testing import CliRunner

    from kiln_server.cli.root import app

    _, ops = await admin_of(gateway)
    remote = ["--api-key", ops.key, "admin", "--gateway", f"127.0.0.1:{gateway.port}"]
    runner = CliRunner()

    async def kiln(*args: str):
        # In a thread: the CLI's blocking calls must not stall the gateway on this event loop.
        return await asyncio.to_thread(runner.invoke, app, [*remote, *args])

    result = await kiln("tenants", "create", "cli-h3")
    assert result.exit_code == 0 and "created tenant" in result.output, result.output
    result = await kiln("keys", "create", "cli-h3", "--role", "viewer", "--quiet")
    assert result.exit_code == 0 and result.stdout.strip().startswith("kiln_"), result.output
    key_id = result.stdout.strip().split("_")[1]
    result = await kiln("keys", "list", "cli-h3")
    assert key_id in result.output and "viewer" in result.output
    result = await kiln("quotas", "set", "cli-h3", "gpus=2", "sampling_requests_per_s=3.5")
    assert result.exit_code == 0 and "3.5" in result.output, result.output
    assert (await gateway.server.tenants.exists("cli-h3")) and (await kiln("quotas", "get", "cli-h3")).exit_code == 0
    result = await kiln("quotas", "set", "cli-h3", "gpus=-1")
    assert result.exit_code == 2 and "INVALID_ARGUMENT" in result.output
    result = await kiln("audit", "--method", "SetQuotas")
    assert result.exit_code == 0 and "INVALID_ARGUMENT" in result.output and "OK" in result.output
    result = await kiln("tenants", "delete", "cli-h3", "--yes")
    assert result.exit_code == 0 and not await gateway.server.tenants.exists("cli-h3")
    # A member key is refused by the AdminService: exit 1 with the status.
    member = await gateway.tenant()
    result = await asyncio.to_thread(
        runner.invoke,
        app,
        ["--api-key", member.key, "admin", "--gateway", f"127.0.0.1:{gateway.port}", "tenants", "list"],
    )
    assert result.exit_code == 1 and "PERMISSION_DENIED" in result.output
