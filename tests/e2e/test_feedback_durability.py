"""A gateway killed with SIGKILL in the middle of a StreamFeedback call loses no acknowledged record,
and resending the unacknowledged ones to a new gateway stores each record exactly once.

The gateways run as real `kiln serve` subprocesses against the session's Redis (and join the
session's Ray instance, which saves starting one per gateway).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import uuid
from pathlib import Path

import grpc
import redis.asyncio as aioredis
from grpc import aio

from kiln.v1 import feedback_pb2, feedback_pb2_grpc
from kiln_server.platform.keys import Keys
from kiln_server.sampling.record import SampleRecord
from kiln_server.sampling.samples import SampleStore
from kiln_server.tenants.store import TenantStore

REPO = Path(__file__).resolve().parents[2]
RECORDS = 1500
KILL_AFTER_ACKS = 40


async def _start_gateway(env: dict, log: Path) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kiln_server.cli",
        "serve",
        cwd=REPO,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=log.open("ab"),
    )
    try:
        async with asyncio.timeout(120):
            while line := (await proc.stdout.readline()).decode():
                if m := re.search(r"kiln serving on\s+(\S+):(\d+)", line):
                    return proc, f"127.0.0.1:{m.group(2)}"
        raise AssertionError(f"the gateway exited before serving; see {log}")
    except BaseException:
        _kill(proc)
        raise


def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        os.kill(proc.pid, signal.SIGKILL)


def _request(i: int) -> feedback_pb2.SubmitFeedbackRequest:
    return feedback_pb2.SubmitFeedbackRequest(
        feedback_id=f"fb-{i:04d}",
        feedback=feedback_pb2.Feedback(sample_id=f"samples/s-{i % 10}", rating={"value": 1 + i % 5}, comment="x" * 200),
    )


async def _stream(target: str, md: tuple, requests: list, on_ack=None) -> list[feedback_pb2.StreamFeedbackResponse]:
    """Sends every request without waiting, collects acks until the call ends (or breaks)."""
    acks: list = []
    async with aio.insecure_channel(target) as channel:
        call = feedback_pb2_grpc.FeedbackServiceStub(channel).StreamFeedback(metadata=md)

        async def write():
            for r in requests:
                await call.write(r)
            await call.done_writing()

        writer = asyncio.create_task(write())
        try:
            while (ack := await call.read()) != aio.EOF:
                acks.append(ack)
                if on_ack:
                    await on_ack(len(acks))
        except grpc.aio.AioRpcError as exc:
            assert exc.code() in (
                grpc.StatusCode.UNAVAILABLE,
                grpc.StatusCode.CANCELLED,
                grpc.StatusCode.UNKNOWN,
                grpc.StatusCode.INTERNAL,
            ), exc
        finally:
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
    return acks


async def test_killed_gateway_loses_no_acknowledged_feedback(tmp_path, redis_url, ray_instance):
    import ray

    prefix = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "KILN_REDIS_URL": redis_url,
        "KILN_REDIS_PREFIX": prefix,
        "KILN_PORT": "0",
        "KILN_DATA_DIR": str(tmp_path / "kiln"),
        "KILN_RAY_ADDRESS": ray.get_runtime_context().gcs_address,
        "KILN_LOG_JSON": "false",
        "KILN_LOG_LEVEL": "WARNING",
        "GRPC_VERBOSITY": "ERROR",
    }
    redis = aioredis.Redis.from_url(redis_url)
    keys = Keys(prefix)
    tenants = TenantStore(redis, keys)
    await tenants.create_tenant("acme")
    _, key = await tenants.create_key("acme")
    md = (("authorization", f"Bearer {key}"),)
    await SampleStore(redis, keys).put_many(
        "acme", [SampleRecord(f"s-{i}", f"prompt {i % 3}", f"text {i}", "models/m-1", "v1") for i in range(10)]
    )
    requests = [_request(i) for i in range(RECORDS)]
    log = tmp_path / "gateways.log"

    first, target = await _start_gateway(env, log)
    try:

        async def kill_midway(n_acks: int) -> None:
            if n_acks == KILL_AFTER_ACKS:
                # Stop reading for a moment and SIGKILL the gateway (no drain, no cleanup) meanwhile:
                # it has gone on storing records whose acks the client never reads.
                await asyncio.sleep(0.1)
                _kill(first)

        acks = await _stream(target, md, requests, kill_midway)
        await first.wait()
    finally:
        _kill(first)
    assert first.returncode == -signal.SIGKILL
    assert KILL_AFTER_ACKS <= len(acks) < RECORDS, "the kill must land in the middle of the stream"
    assert [a.sequence for a in acks] == list(range(len(acks))) and all(a.code == 0 for a in acks)
    acknowledged = {a.name for a in acks}
    stored = await redis.xlen(keys.feedback("acme"))
    assert stored >= len(acks)  # every acknowledged record is in Redis

    second, target = await _start_gateway(env, log)
    try:
        unacknowledged = requests[len(acks) :]
        resent = await _stream(target, md, unacknowledged)
        assert len(resent) == len(unacknowledged) and all(a.code == 0 for a in resent)
        # Records the first gateway stored but could not acknowledge come back as duplicates.
        assert sum(a.duplicate for a in resent) == stored - len(acks)

        names: list[str] = []
        async with aio.insecure_channel(target) as channel:
            stub = feedback_pb2_grpc.FeedbackServiceStub(channel)
            token = ""
            while True:
                page = await stub.ListFeedback(
                    feedback_pb2.ListFeedbackRequest(page_size=1000, page_token=token), metadata=md
                )
                names += [f.name for f in page.feedback]
                if not (token := page.next_page_token):
                    break
    finally:
        _kill(second)
        await second.wait()
        await redis.aclose()

    assert len(names) == len(set(names)) == RECORDS  # every record once, no duplicates
    assert acknowledged <= set(names)
    assert set(names) == {f"feedback/{r.feedback_id}" for r in requests}
