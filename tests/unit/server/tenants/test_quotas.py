"""Quota overrides over defaults, the sampling token buckets, and the audit log, on real Redis."""

from __future__ import annotations

import asyncio
import math

import pytest

from kiln_server.platform.errors import InvalidArgument, ResourceExhausted
from kiln_server.tenants.audit import AuditLog
from kiln_server.tenants.quotas import Quotas, QuotaStore
from kiln_server.tenants.ratelimit import SamplingLimiter

DEFAULTS = Quotas(
    queued_jobs=20,
    running_jobs=4,
    gpus=8,
    deployments=4,
    replicas=8,
    sampling_requests_per_s=5.0,
    sampling_tokens_per_s=1000.0,
)


async def test_overrides_and_bounds(redis_client, keys):
    store = QuotaStore(redis_client, keys, DEFAULTS)
    assert await store.get("a") == DEFAULTS
    q = await store.set("a", {"gpus": 2, "sampling_requests_per_s": 0.5})
    assert (q.gpus, q.sampling_requests_per_s, q.queued_jobs) == (2, 0.5, 20)
    assert (await store.get("b")).gpus == 8  # other tenants keep the default
    assert (await store.set("a", {}, clear=("gpus",))).gpus == 8
    bad_values: list[dict[str, float]] = [{"gpus": -1}, {"sampling_tokens_per_s": math.inf}, {"replicas": math.nan}]
    for bad in bad_values:
        with pytest.raises(InvalidArgument) as err:
            await store.set("a", bad)
        assert err.value.violations[0].field == f"quotas.{next(iter(bad))}"


async def test_token_buckets_refuse_past_the_burst_and_refill(redis_client, keys):
    quotas = QuotaStore(redis_client, keys, DEFAULTS)
    limiter = SamplingLimiter(redis_client, keys, quotas)
    # 5/s with 2 s of burst: 10 calls pass at once, the 11th is refused with a retry delay.
    for _ in range(10):
        await limiter.take("a", 10)
    with pytest.raises(ResourceExhausted) as err:
        await limiter.take("a", 10)
    assert err.value.subject == "quotas.sampling_requests_per_s"
    assert err.value.retry_after_s is not None and 0 < err.value.retry_after_s <= 0.2 + 1e-9
    await limiter.take("b", 10)  # buckets are per tenant
    await asyncio.sleep(0.25)  # one request's worth refills (1 / 5 per s = 0.2 s)
    await limiter.take("a", 10)
    # Tokens: a call over the whole burst can never pass: no RetryInfo.
    with pytest.raises(ResourceExhausted) as err:
        await limiter.take("c", 2001)
    assert err.value.subject == "quotas.sampling_tokens_per_s" and err.value.retry_after_s is None
    # A refused tokens charge does not use up a request: both buckets are charged together.
    await limiter.take("d", 2000)
    with pytest.raises(ResourceExhausted) as err:
        await limiter.take("d", 500)
    assert err.value.subject == "quotas.sampling_tokens_per_s"
    level = float(await redis_client.hget(keys.rate_bucket("d", "sampling_requests_per_s"), "tokens"))
    assert 8.9 < level < 9.5  # 10 - 1 (the first call) + a little refill


async def test_audit_log_filters_and_pages(redis_client, keys):
    log = AuditLog(redis_client, keys)
    for i in range(7):
        await log.append(tenant="a" if i % 2 else "b", method=f"/kiln.v1.JobService/CreateJob{i}", code="OK")
    entries, token = await log.query(page_size=3)
    assert [e.method[-1] for e in entries] == ["6", "5", "4"] and token
    rest, token2 = await log.query(page_size=3, page_token=token)
    assert [e.method[-1] for e in rest] == ["3", "2", "1"]
    last, token3 = await log.query(page_size=3, page_token=token2)
    assert [e.method[-1] for e in last] == ["0"] and token3 == ""
    only_a, _ = await log.query(tenant="a")
    assert {e.tenant for e in only_a} == {"a"} and len(only_a) == 3
    assert [e.method[-1] for e in (await log.query(method="CreateJob5"))[0]] == ["5"]
    with pytest.raises(InvalidArgument):
        await log.query(page_size=3, page_token=token, tenant="a")  # a token of another query
    with pytest.raises(InvalidArgument):
        await log.query(start_ms=10, end_ms=5)
