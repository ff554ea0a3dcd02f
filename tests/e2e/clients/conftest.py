"""One gateway (embedded defaults, real Redis, Ray and Ray Serve) and one fault server for all
client languages, plus the small SFT dataset their example flows upload."""

from __future__ import annotations

import asyncio

import pytest

from tests.e2e.clients.harness import LANGUAGES, FaultServer, build
from tests.e2e.conftest import Gateway, demo_records, make_config


@pytest.fixture(scope="session")
async def clients_gateway(redis_url, ray_instance, tmp_path_factory):
    from kiln_server.platform.app import create_server

    # Serving replicas take half a CPU, so a deployment fits beside a training job on 2 cores.
    config = make_config(tmp_path_factory.mktemp("clients"), redis_url, serve_replica_cpus=0.5)
    server, port = await create_server(config)
    await server.start()
    gateway = Gateway(server, port, server.config)
    yield gateway
    await gateway.close()


@pytest.fixture(scope="session")
async def client_builds():
    """Every client's build, started together: while one language's example runs (mostly
    waiting on training and deployment), the others keep compiling. Tests ask for it after
    the gateway, so compilers never compete with Ray's start-up (which has a deadline)."""
    tasks = {name: asyncio.create_task(build(lang)) for name, lang in LANGUAGES.items()}
    yield tasks
    for task in tasks.values():
        task.cancel()
    await asyncio.gather(*tasks.values(), return_exceptions=True)


@pytest.fixture(scope="session")
async def fault_server():
    fault = FaultServer()
    await fault.server.start()
    yield fault
    await fault.server.stop(0)


@pytest.fixture(scope="session")
def sft_dataset(tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "train.jsonl"
    path.write_bytes(demo_records(32))
    return path


def pytest_terminal_summary(terminalreporter):
    from tests.e2e.clients.harness import TIMINGS

    if TIMINGS:
        terminalreporter.section("client e2e timings (s)")
        for lang, phases in TIMINGS.items():
            terminalreporter.write_line(f"{lang:<11}" + "  ".join(f"{k} {v:6.1f}" for k, v in phases.items()))


# Quickest build first: its example runs while the slower clients are still compiling.
BUILD_ORDER = ("typescript", "java", "go", "cpp")


def pytest_collection_modifyitems(items):
    slots = [i for i, item in enumerate(items) if item.nodeid.startswith("tests/e2e/clients/test_")]
    ordered = sorted(
        (items[i] for i in slots),
        key=lambda item: next((n for n, lang in enumerate(BUILD_ORDER) if f"test_{lang}" in item.nodeid), 99),
    )
    for slot, item in zip(slots, ordered, strict=True):
        items[slot] = item
