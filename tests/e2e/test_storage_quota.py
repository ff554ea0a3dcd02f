"""The storage-bytes quota over real gRPC and Redis: uploads, exports and a job's output model
past it are RESOURCE_EXHAUSTED naming quotas.storage_bytes and store nothing; deleting frees it."""

from __future__ import annotations

import grpc
import pytest

from kiln.v1 import admin_pb2, datasets_pb2, jobs_pb2, models_pb2
from tests.e2e.conftest import demo_records, sft_job, watch_until_done
from tests.e2e.test_tenancy_admin import admin_of, details, rpc_error

DATA = demo_records(20)


async def set_storage(gw, tenant, n: int) -> admin_pb2.Quotas:
    admin, ops = await admin_of(gw)
    return await admin.SetQuotas(
        admin_pb2.SetQuotasRequest(name=f"tenants/{tenant.name}", quotas=admin_pb2.Quotas(storage_bytes=n)),
        metadata=ops.md,
    )


def over_storage(err: grpc.aio.AioRpcError) -> None:
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED, err.details()
    assert [v.subject for v in details(err)["QuotaFailure"].violations] == ["quotas.storage_bytes"]


def stored_dirs(gw, kind: str, tenant) -> list[str]:
    root = gw.artifact_path(f"kiln://artifacts/{kind}/{tenant.name}")
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


def scratch_files(gw) -> list[str]:
    root = gw.config.scratch_dir
    return sorted(str(p) for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def datasets_of(gw, t) -> list[str]:
    reply = await gw.datasets.ListDatasets(datasets_pb2.ListDatasetsRequest(), metadata=t.md)
    return [d.name for d in reply.datasets]


async def test_uploads_past_the_storage_quota_store_nothing_and_deletes_free_room(gateway):
    t = await gateway.tenant()
    q = await set_storage(gateway, t, int(len(DATA) * 1.5))
    assert q.storage_bytes == int(len(DATA) * 1.5)
    first = await gateway.upload(t, DATA)
    # A second one would pass the quota: refused once its size is known, nothing kept.
    over_storage(await rpc_error(gateway.upload(t, DATA, display_name="second")))
    assert await datasets_of(gateway, t) == [first.name]
    assert stored_dirs(gateway, "datasets", t) == [first.name.removeprefix("datasets/")]
    assert scratch_files(gateway) == []
    # One far larger than the room is stopped while it streams.
    # (One chunk: an aio client still streaming when the server ends the call reports its own
    # failed write instead of the server's status.)
    over_storage(await rpc_error(gateway.upload(t, DATA * 50, chunk_size=1 << 22, display_name="big")))
    assert await datasets_of(gateway, t) == [first.name]
    # Deleting gives the bytes back.
    await gateway.datasets.DeleteDataset(datasets_pb2.DeleteDatasetRequest(name=first.name), metadata=t.md)
    again = await gateway.upload(t, DATA, display_name="again")
    assert await datasets_of(gateway, t) == [again.name]
    # Another tenant is not charged for this one's bytes.
    other = await gateway.tenant()
    await set_storage(gateway, other, len(DATA))
    await gateway.upload(other, DATA)
    # Bad values are INVALID_ARGUMENT naming the field.
    admin, ops = await admin_of(gateway)
    err = await rpc_error(
        admin.SetQuotas(
            admin_pb2.SetQuotasRequest(name=f"tenants/{t.name}", quotas=admin_pb2.Quotas(storage_bytes=-1)),
            metadata=ops.md,
        )
    )
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT and "quotas.storage_bytes" in (err.details() or "")


@pytest.mark.slow
async def test_an_export_past_the_storage_quota_stores_nothing(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, DATA)
    await set_storage(gateway, t, ds.size_bytes)  # full: refused before any compression runs
    err = await rpc_error(
        gateway.models.ExportModel(
            models_pb2.ExportModelRequest(name="kiln-gpt-tiny", quantization=models_pb2.QUANTIZATION_INT8),
            metadata=t.md,
        )
    )
    over_storage(err)
    assert not (await gateway.models.ListModels(models_pb2.ListModelsRequest(), metadata=t.md)).models
    assert stored_dirs(gateway, "models", t) == []
    assert not [f for f in scratch_files(gateway) if "/exports/" in f]


@pytest.mark.slow
async def test_a_job_output_past_the_storage_quota_fails_the_job_and_registers_nothing(gateway):
    t = await gateway.tenant()
    ds = await gateway.upload(t, DATA)
    await set_storage(gateway, t, len(DATA) + 1000)  # the dataset fits, the trained weights do not
    job = await gateway.jobs.CreateJob(
        jobs_pb2.CreateJobRequest(
            job=sft_job(ds.name, max_steps=4, warmup_steps=1, log_every=2, eval_every=4, checkpoint_every=4)
        ),
        metadata=t.md,
    )
    await watch_until_done(gateway, t, job.name, timeout=120)
    done = await gateway.jobs.GetJob(jobs_pb2.GetJobRequest(name=job.name), metadata=t.md)
    assert done.state == jobs_pb2.JOB_STATE_FAILED, done
    assert "quotas.storage_bytes" in done.error
    assert not done.output_model
    assert not (await gateway.models.ListModels(models_pb2.ListModelsRequest(), metadata=t.md)).models
    assert stored_dirs(gateway, "models", t) == []
