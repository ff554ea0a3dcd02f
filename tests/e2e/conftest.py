"""End-to-end fixtures: a real Redis server, a real local Ray instance, real gRPC channels.

One embedded Redis and one Ray instance serve the whole session (each takes seconds to start);
every test gets its own gateway on port 0 with its own Redis key prefix and data directory, so
tests cannot see each other's jobs.
"""

from __future__ import annotations

import os
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from grpc import aio

from kiln.v1 import (
    datasets_pb2,
    datasets_pb2_grpc,
    jobs_pb2,
    jobs_pb2_grpc,
    models_pb2_grpc,
)
from kiln_server.jobs.scheduler import init_ray
from kiln_server.platform.app import create_server
from kiln_server.platform.config import KilnConfig
from kiln_server.platform.redis_embedded import EmbeddedRedis

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    embedded = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    url = embedded.start()
    yield url
    embedded.stop()


@pytest.fixture(scope="session")
def ray_instance():
    # Logical CPUs above the 2 physical ones let a few small jobs run side by side in tests.
    init_ray(KilnConfig(ray_num_cpus=4))
    yield
    import ray

    ray.shutdown()


@dataclass
class Tenant:
    name: str
    key: str

    @property
    def md(self) -> tuple:
        return (("authorization", f"Bearer {self.key}"),)


class Gateway:
    """A running gateway plus stubs; `tenant()` makes a tenant with an API key."""

    def __init__(self, server, port: int, config: KilnConfig):
        self.server = server
        self.port = port
        self.config = config
        self.channel = aio.insecure_channel(f"127.0.0.1:{port}")
        self.jobs = jobs_pb2_grpc.JobServiceStub(self.channel)
        self.datasets = datasets_pb2_grpc.DatasetServiceStub(self.channel)
        self.models = models_pb2_grpc.ModelServiceStub(self.channel)

    async def tenant(self, name: str | None = None) -> Tenant:
        name = name or f"t-{secrets.token_hex(4)}"
        await self.server.tenants.create_tenant(name)
        _, key = await self.server.tenants.create_key(name)
        return Tenant(name, key)

    async def upload(self, tenant: Tenant, data: bytes, fmt=datasets_pb2.DATASET_FORMAT_SFT, **meta):
        return await self.datasets.UploadDataset(upload_stream(data, fmt, **meta), metadata=tenant.md)

    def artifact_path(self, uri: str) -> Path:
        """The server-side file behind a URI a response carried (clients see kiln:// URIs only)."""
        from kiln_server.platform.artifacts import PUBLIC_PREFIX, ArtifactStore, rel_of

        assert uri.startswith(PUBLIC_PREFIX) and self.config.artifact_root not in uri, uri
        local = ArtifactStore(self.config.artifact_root).local_path(rel_of(uri))
        assert local is not None, "the test gateway's artifact store is local"
        return local

    async def close(self) -> None:
        await self.channel.close()
        await self.server.stop(grace=1)


def upload_stream(data: bytes, fmt, chunk_size: int = 4096, **meta):
    async def gen():
        yield datasets_pb2.UploadDatasetRequest(
            metadata=datasets_pb2.DatasetMetadata(display_name=meta.pop("display_name", "test"), format=fmt, **meta)
        )
        for i in range(0, len(data), chunk_size):
            yield datasets_pb2.UploadDatasetRequest(chunk=data[i : i + chunk_size])

    return gen()


def make_config(tmp_path: Path, redis_url: str, prefix: str | None = None, **overrides) -> KilnConfig:
    settings = dict(
        port=0,
        data_dir=tmp_path / "kiln",
        redis_url=redis_url,
        redis_prefix=prefix or f"test-{uuid.uuid4().hex[:8]}",
        log_json=False,
    )
    return KilnConfig(**{**settings, **overrides})


@pytest.fixture
async def gateway_factory(tmp_path, redis_url, ray_instance):
    """Starts gateways with config overrides; all are stopped at the end of the test."""
    started: list[Gateway] = []

    async def start(prefix: str | None = None, data_dir: Path | None = None, **overrides) -> Gateway:
        url = overrides.pop("redis_url", redis_url)  # a test may bring its own Redis server
        server, port = await create_server(make_config(data_dir or tmp_path, url, prefix, **overrides))
        await server.start()
        started.append(Gateway(server, port, server.config))
        return started[-1]

    yield start
    for gw in started:
        await gw.close()


@pytest.fixture
async def gateway(gateway_factory):
    return await gateway_factory()


def demo_records(n: int | None = None) -> bytes:
    from importlib.resources import files

    lines = (files("kiln_trainer.data") / "assets" / "demo_sft.jsonl").read_bytes().splitlines()
    return b"\n".join(lines[:n] if n else lines) + b"\n"


def sft_job(dataset: str, base_model: str = "kiln-gpt-tiny", **hp) -> jobs_pb2.Job:
    defaults = dict(
        max_steps=40,
        batch_size=8,
        max_seq_len=64,
        learning_rate=1e-3,
        log_every=5,
        eval_every=20,
        checkpoint_every=20,
        warmup_steps=5,
    )
    defaults.update(hp)
    return jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_SFT,
        base_model=base_model,
        training_dataset=dataset,
        hyperparameters=jobs_pb2.Hyperparameters(**defaults),
    )


def field_violations(err: grpc.aio.AioRpcError) -> list[tuple[str, str]]:
    from google.rpc import error_details_pb2
    from grpc_status import rpc_status

    status = rpc_status.from_call(err)
    out = []
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            br = error_details_pb2.BadRequest()
            detail.Unpack(br)
            out += [(v.field, v.description) for v in br.field_violations]
    return out


async def watch_until_done(gw: Gateway, tenant: Tenant, name: str, timeout: float = 240) -> list:
    import asyncio

    events = []

    async def run():
        async for ev in gw.jobs.WatchJob(jobs_pb2.WatchJobRequest(name=name), metadata=tenant.md):
            events.append(ev)

    await asyncio.wait_for(run(), timeout)
    return events
