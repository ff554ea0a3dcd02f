"""SamplingService over real gRPC, against real Ray Serve deployments and a real Redis."""

from __future__ import annotations

import asyncio
import shutil
import time

import grpc
import pytest
import torch
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status

from kiln.v1 import models_pb2, models_pb2_grpc, sampling_pb2, sampling_pb2_grpc
from kiln_server.platform.redis_embedded import EmbeddedRedis
from kiln_trainer.inference.engine import Engine, GenerationRequest
from kiln_trainer.inference.params import SamplingParams
from kiln_trainer.models.loader import load_causal_lm
from tests.e2e.conftest import field_violations

MODEL = "kiln-gpt-tiny"
RAY_SERVE = models_pb2.DEPLOYMENT_TARGET_RAY_SERVE


def P(**kw) -> sampling_pb2.SamplingParams:
    return sampling_pb2.SamplingParams(**kw)


def req(prompt="Once upon a time", **kw) -> sampling_pb2.GenerateRequest:
    params = kw.pop("params", P(temperature=0.9, seed=7, max_tokens=12))
    return sampling_pb2.GenerateRequest(model=kw.pop("model", MODEL), prompt=prompt, params=params, **kw)


class Client:
    def __init__(self, gw, tenant):
        self.gw, self.t = gw, tenant
        self.models = models_pb2_grpc.ModelServiceStub(gw.channel)
        self.sampling = sampling_pb2_grpc.SamplingServiceStub(gw.channel)

    async def deploy(self, name=MODEL, **kw):
        return await self.models.DeployModel(
            models_pb2.DeployModelRequest(name=name, target=RAY_SERVE, **kw), metadata=self.t.md
        )

    async def undeploy(self, name=MODEL):
        return await self.models.UndeployModel(models_pb2.UndeployModelRequest(name=name), metadata=self.t.md)

    async def generate(self, request, **kw):
        return await self.sampling.Generate(request, metadata=self.t.md, **kw)

    async def stream(self, request):
        return [m async for m in self.sampling.GenerateStream(request, metadata=self.t.md)]


@pytest.fixture(scope="module")
async def served(redis_url, ray_instance, tmp_path_factory):
    """One gateway and tenant with the built-in tiny model deployed, shared by this module."""
    from kiln_server.platform.app import create_server
    from tests.e2e.conftest import Gateway, make_config

    server, port = await create_server(
        make_config(tmp_path_factory.mktemp("sampling"), redis_url, serve_replica_cpus=0.5)
    )
    await server.start()
    gw = Gateway(server, port, server.config)
    c = Client(gw, await gw.tenant())
    await c.deploy()
    yield c
    await _undeploy_all(gw)
    await gw.close()


async def _undeploy_all(gw) -> None:
    from ray import serve

    prefix = gw.config.redis_prefix
    for app in list(serve.status().applications):
        if app.startswith(prefix):
            await asyncio.to_thread(serve.delete, app)


@pytest.fixture(scope="module")
def local_engine():
    """The same built-in weights in this process: the reference for what the service returns."""
    e = Engine(load_causal_lm(MODEL), max_batch=64)
    yield e
    e.stop()


def expected(engine: Engine, prompt: str, index: int = 0, **params) -> str:
    return engine.generate([GenerationRequest(engine.tokenize(prompt), SamplingParams(**params), index=index)])[0].text


async def test_an_undeployed_registered_model_names_deploy_model(gateway, local_engine, tmp_path):
    c = Client(gateway, await gateway.tenant())
    name = f"models/{await _register(gateway, c.t.name, local_engine, tmp_path)}"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.generate(req(model=name))
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "DeployModel" in err.value.details()


async def test_unknown_base_model_is_not_found_and_lists_the_builtins(gateway):
    c = Client(gateway, await gateway.tenant())
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.generate(req(model="gpt-nope"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    assert "kiln-gpt-tiny" in err.value.details() and "kiln-gpt-small" in err.value.details()
    (detail,) = rpc_status.from_call(err.value).details
    info = error_details_pb2.ResourceInfo()
    assert detail.Unpack(info) and info.resource_name == "gpt-nope"
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.deploy("gpt-nope")
    assert err.value.code() == grpc.StatusCode.NOT_FOUND and "kiln-gpt-tiny" in err.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as err:  # a malformed resource name is still bad input
        await c.generate(req(model="models/Not An Id"))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert [f for f, _ in field_violations(err.value)] == ["model"]


async def test_unary_n_completions_and_seeded_determinism(served, local_engine):
    r = req(n=3, bypass_cache=True)
    first = await served.generate(r)
    again = await served.generate(r)
    assert [c.text for c in first.completions] == [c.text for c in again.completions]
    assert [c.index for c in first.completions] == [0, 1, 2]
    assert len({c.sample_id for c in first.completions} | {c.sample_id for c in again.completions}) == 6
    assert all(c.sample_id.startswith("samples/") for c in first.completions)
    # Each sample has its own stream derived from (seed, index), and matches a local run.
    for c in first.completions:
        assert c.text == expected(local_engine, "Once upon a time", c.index, temperature=0.9, seed=7, max_tokens=12)
    assert len({c.text for c in first.completions}) > 1
    assert first.usage.completion_tokens == sum(len(c.token_ids) for c in first.completions)
    assert first.usage.prompt_tokens > 0 and first.model_version.startswith(MODEL)
    assert all(c.finish_reason == sampling_pb2.FINISH_REASON_LENGTH for c in first.completions)


async def test_streamed_deltas_add_up_to_the_unary_text(served):
    r = req(prompt="The river", n=2, bypass_cache=True, params=P(temperature=1.0, seed=3, max_tokens=16))
    unary = await served.generate(r)
    msgs = await served.stream(r)
    last = msgs[-1]
    assert last.usage.completion_tokens == unary.usage.completion_tokens and last.model_version
    for c in unary.completions:
        mine = [m for m in msgs[:-1] if m.index == c.index]
        assert "".join(m.text for m in mine) == c.text
        assert [t for m in mine for t in m.token_ids] == list(c.token_ids)
        assert mine[-1].finish_reason == c.finish_reason and len({m.sample_id for m in mine}) == 1
        assert all(m.finish_reason == 0 for m in mine[:-1])


async def test_stop_sequences_end_the_sample_early(served, local_engine):
    free = expected(local_engine, "A long road", temperature=0.0, max_tokens=24)
    stop = free[6:9]
    r = req(prompt="A long road", params=P(temperature=0.0, max_tokens=24, stop=[stop]), bypass_cache=True)
    out = (await served.generate(r)).completions[0]
    assert out.finish_reason == sampling_pb2.FINISH_REASON_STOP
    assert out.text == free[: free.find(stop)]
    streamed = await served.stream(r)
    assert "".join(m.text for m in streamed) == out.text


async def test_logprobs_agree_with_a_direct_forward_pass(served, local_engine):
    r = req(
        prompt="Hello world",
        bypass_cache=True,
        params=P(temperature=1.0, seed=11, max_tokens=10, logprobs=True, top_logprobs=3),
    )
    c = (await served.generate(r)).completions[0]
    prompt = local_engine.tokenize("Hello world")
    with torch.no_grad():
        lp = local_engine.lm.model(torch.tensor([prompt + list(c.token_ids)])).log_softmax(-1)[0]
    for i, tok in enumerate(c.logprobs):
        assert tok.token_id == c.token_ids[i]
        assert tok.logprob == pytest.approx(float(lp[len(prompt) - 1 + i, tok.token_id]), abs=1e-4)
        assert len(tok.top_logprobs) == 3
        assert tok.top_logprobs[0].logprob >= tok.top_logprobs[-1].logprob


async def test_cache_hits_misses_and_bypass(served):
    r = req(prompt="cache me", params=P(temperature=0.0, max_tokens=8))
    miss = await served.generate(r)
    hit = await served.generate(r)
    assert not miss.cached and hit.cached
    assert [c.sample_id for c in hit.completions] == [c.sample_id for c in miss.completions]
    assert [c.text for c in hit.completions] == [c.text for c in miss.completions]
    fresh = await served.generate(req(prompt="cache me", params=P(temperature=0.0, max_tokens=8), bypass_cache=True))
    assert not fresh.cached and fresh.completions[0].text == miss.completions[0].text
    # A streamed miss is replayed chunk for chunk on a streamed hit.
    sr = req(prompt="stream me", params=P(temperature=0.0, max_tokens=8))
    first, second = await served.stream(sr), await served.stream(sr)
    assert not first[-1].cached and second[-1].cached
    assert [(m.text, list(m.token_ids)) for m in first[:-1]] == [(m.text, list(m.token_ids)) for m in second[:-1]]
    # Unseeded sampling is never cached.
    rnd = req(prompt="random", params=P(temperature=1.0, max_tokens=4))
    assert not (await served.generate(rnd)).cached and not (await served.generate(rnd)).cached


async def test_idempotent_retry_returns_the_same_samples(served):
    r = req(prompt="retry", params=P(temperature=1.0, max_tokens=6), request_id="gen-1")
    a, b = await served.generate(r), await served.generate(r)
    assert [c.sample_id for c in a.completions] == [c.sample_id for c in b.completions]
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await served.generate(req(prompt="something else", request_id="gen-1"))
    assert field_violations(err.value)[0][0] == "request_id"


async def test_bad_input_names_the_field(served):
    cases = [
        (req(params=P(top_p=0.0)), grpc.StatusCode.INVALID_ARGUMENT, "params.top_p"),
        (req(params=P(top_p=1.5)), grpc.StatusCode.INVALID_ARGUMENT, "params.top_p"),
        (req(params=P(temperature=-0.5)), grpc.StatusCode.INVALID_ARGUMENT, "params.temperature"),
        (req(prompt=""), grpc.StatusCode.INVALID_ARGUMENT, "prompt"),
        (req(n=17), grpc.StatusCode.INVALID_ARGUMENT, "n"),
        (req(params=P(max_tokens=5000)), grpc.StatusCode.INVALID_ARGUMENT, "params.max_tokens"),
    ]
    for r, code, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await served.generate(r)
        assert err.value.code() == code, field
        assert field_violations(err.value)[0][0] == field
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await served.generate(req(model="models/m-doesnotexist"))
    assert err.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await served.generate(req(model="no-such-model"))
    assert err.value.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.INVALID_ARGUMENT)


async def _replica_stats(served) -> dict:
    from ray import serve

    dep = await served.gw.server.tenants.redis.hgetall(served.gw.server.tenants.keys.deployment(served.t.name, MODEL))
    return await serve.get_app_handle(dep[b"app"].decode()).stats.remote()


async def test_cancelling_a_stream_frees_its_slot(served):
    call = served.sampling.GenerateStream(
        req(prompt="go on", params=P(temperature=1.0, max_tokens=200), bypass_cache=True), metadata=served.t.md
    )
    got = 0
    async for _ in call:
        got += 1
        if got == 2:
            break
    call.cancel()
    deadline = time.monotonic() + 10
    while (stats := await _replica_stats(served))["running"] and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert stats["running"] == 0 and stats["waiting"] == 0


async def test_a_deadline_stops_the_generation(served):
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await served.generate(
            req(prompt="slow", params=P(temperature=1.0, max_tokens=240), n=16, bypass_cache=True), timeout=0.05
        )
    assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    deadline = time.monotonic() + 10
    while (stats := await _replica_stats(served))["running"] and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    assert stats["running"] == 0


async def test_fifty_concurrent_streams_are_correct_and_independent(served, local_engine):
    prompts = [f"Story number {i}:" for i in range(50)]
    reqs = [
        req(prompt=p, params=P(temperature=1.0, seed=100 + i, max_tokens=10), bypass_cache=True)
        for i, p in enumerate(prompts)
    ]
    results = await asyncio.gather(*(served.stream(r) for r in reqs))
    for i, msgs in enumerate(results):
        text = "".join(m.text for m in msgs)
        assert text == expected(local_engine, prompts[i], temperature=1.0, seed=100 + i, max_tokens=10), i
        # Ten tokens, or fewer when the model ended the sample itself.
        assert msgs[-1].usage.completion_tokens == sum(len(m.token_ids) for m in msgs) <= 10


async def test_tenants_never_share_models_or_cache_entries(served, gateway_factory):
    other = Client(served.gw, await served.gw.tenant())
    r = req(prompt="private", params=P(temperature=0.0, max_tokens=6))
    assert not (await served.generate(r)).cached and (await served.generate(r)).cached
    try:
        # Same request, other tenant: a miss, served by a deployment of its own that its first
        # call made (built-ins deploy on demand), not by the first tenant's.
        assert not (await other.generate(r)).cached
        mine = await served.models.GetModel(models_pb2.GetModelRequest(name=MODEL), metadata=served.t.md)
        theirs = await other.models.GetModel(models_pb2.GetModelRequest(name=MODEL), metadata=other.t.md)
        assert mine.deployment.state == theirs.deployment.state == "READY"
        from ray import serve

        from kiln_server.sampling.ray_serve import app_name

        prefix = served.gw.config.redis_prefix
        apps = {app_name(prefix, t.name, MODEL) for t in (served.t, other.t)}
        assert len(apps) == 2 and apps <= set(serve.status().applications)
    finally:
        await other.undeploy()


async def test_registered_model_cache_is_dropped_on_delete_and_survives_restart(served, local_engine, tmp_path):
    gw, t = served.gw, served.t
    model_id = await _register(gw, t.name, local_engine, tmp_path)
    name = f"models/{model_id}"
    await served.deploy(name)
    r = req(model=name, prompt="registered", params=P(temperature=0.7, seed=5, max_tokens=8))
    first = await served.generate(r)
    # Seeded output is the same after the replica is restarted (undeploy + deploy).
    await served.undeploy(name)
    await served.deploy(name)
    again = await served.generate(
        req(model=name, prompt="registered", params=P(temperature=0.7, seed=5, max_tokens=8), bypass_cache=True)
    )
    assert again.completions[0].text == first.completions[0].text
    model = await served.models.GetModel(models_pb2.GetModelRequest(name=name), metadata=t.md)
    assert model.deployment.state == "READY" and model.deployment.target == RAY_SERVE
    with pytest.raises(grpc.aio.AioRpcError) as err:  # deployed models cannot be deleted
        await served.models.DeleteModel(models_pb2.DeleteModelRequest(name=name), metadata=t.md)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    await served.undeploy(name)
    # Undeployed through this gateway: the cached answer is not served on a remembered route.
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await served.generate(r)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    keys = gw.server.tenants.keys
    index = keys.cache_index(t.name, model.version)
    assert await gw.server.redis.scard(index) > 0
    await served.models.DeleteModel(models_pb2.DeleteModelRequest(name=name), metadata=t.md)
    assert await gw.server.redis.scard(index) == 0
    assert not await gw.server.redis.keys(keys.cache_entry(t.name, model.version, "*"))


async def test_cache_hits_are_charged_to_the_tenants_quota(served):
    """A hit is charged like any call: the Lua call that charges it also reads the entry."""
    from kiln_server.tenants.quotas import QuotaStore

    gw, t = served.gw, served.t
    r = req(prompt="charged", params=P(temperature=0.0, max_tokens=4))
    assert not (await served.generate(r)).cached
    # Set as another gateway would (straight to Redis): it applies here within the local TTL.
    quotas = QuotaStore(gw.server.redis, gw.server.tenants.keys, gw.config.quotas())
    await quotas.set(t.name, {"sampling_requests_per_s": 0.5})  # a burst of 1 call
    try:
        await asyncio.sleep(gw.config.local_cache_ttl_s)
        outcomes = []
        for _ in range(3):
            try:
                outcomes.append((await served.generate(r)).cached)
            except grpc.aio.AioRpcError as err:
                outcomes.append(err.code())
        assert outcomes[0] is True and grpc.StatusCode.RESOURCE_EXHAUSTED in outcomes[1:]
    finally:
        await quotas.set(t.name, {}, ("sampling_requests_per_s",))
        await asyncio.sleep(gw.config.local_cache_ttl_s)


async def _register(gw, tenant: str, engine: Engine, tmp_path) -> str:
    """Registers the tiny model's weights as a tenant model, the way a finished job does."""
    from kiln_server.models.record import ModelRecord
    from kiln_server.models.store import ModelStore
    from kiln_server.platform.names import new_id

    model_id = new_id("models")
    rel = f"models/{tenant}/{model_id}"
    dest = gw.server.config.data_dir / "artifacts" / rel
    src = engine.lm.save(tmp_path / "weights")
    shutil.copytree(src, dest)
    model = ModelRecord(
        id=model_id,
        display_name="tiny",
        base_model=MODEL,
        artifact_uri=str(dest),
        artifact_rel=rel,
        version=f"{model_id}@v1",
        parameter_count=1,
        size_bytes=1,
        create_time=int(time.time() * 1000),
    )
    await ModelStore(gw.server.redis, gw.server.tenants.keys).create(tenant, model)
    return model_id


async def test_past_its_queue_a_deployment_answers_resource_exhausted(gateway_factory, tmp_path):
    gw = await gateway_factory(serve_max_batch=1, serve_max_queue=1, serve_replica_cpus=0.5)
    c = Client(gw, await gw.tenant())
    await c.deploy()
    try:
        r = req(prompt="busy", params=P(temperature=1.0, max_tokens=120), bypass_cache=True)
        outcomes = await asyncio.gather(*(c.generate(r) for _ in range(8)), return_exceptions=True)
        errors = [o for o in outcomes if isinstance(o, grpc.aio.AioRpcError)]
        assert errors and all(e.code() == grpc.StatusCode.RESOURCE_EXHAUSTED for e in errors)
        status = rpc_status.from_call(errors[0])
        assert any(d.Is(error_details_pb2.RetryInfo.DESCRIPTOR) for d in status.details)
        assert any(not isinstance(o, Exception) for o in outcomes)
    finally:
        await _undeploy_all(gw)


async def test_sampling_survives_redis_going_away(gateway_factory, tmp_path):
    redis = EmbeddedRedis(tmp_path / "own-redis")
    url = redis.start()
    stopped = False
    gw = await gateway_factory(redis_url=url, serve_replica_cpus=0.5)
    try:
        c = Client(gw, await gw.tenant())
        await c.deploy()
        health = health_pb2_grpc.HealthStub(gw.channel)
        check = health_pb2.HealthCheckRequest(service="kiln.redis")
        assert (await health.Check(check)).status == health_pb2.HealthCheckResponse.SERVING
        r = req(prompt="still here", params=P(temperature=0.0, max_tokens=6))
        before = await c.generate(r)
        redis.stop()
        stopped = True
        after = await c.generate(r)  # answered by the replica, uncached
        assert not after.cached and after.completions[0].text == before.completions[0].text
        streamed = await c.stream(r)
        assert "".join(m.text for m in streamed) == before.completions[0].text
        deadline = time.monotonic() + 10
        while (await health.Check(check)).status != health_pb2.HealthCheckResponse.NOT_SERVING:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        assert (await health.Check(health_pb2.HealthCheckRequest())).status == health_pb2.HealthCheckResponse.SERVING
    finally:
        await _undeploy_all(gw)
        if not stopped:
            redis.stop()


async def test_sampling_metrics_are_exported(served):
    from prometheus_client import generate_latest

    await served.stream(req(prompt="metrics", params=P(temperature=1.0, max_tokens=4)))
    await served.generate(req(prompt="metrics", params=P(temperature=0.0, max_tokens=4)))
    await served.generate(req(prompt="metrics", params=P(temperature=0.0, max_tokens=4)))
    text = generate_latest().decode()
    for name in (
        "kiln_sampling_time_to_first_token_seconds_count",
        "kiln_sampling_tokens_total",
        "kiln_sampling_tokens_per_second_count",
        "kiln_sampling_batch_occupancy",
        "kiln_sampling_queue_depth",
        'kiln_sampling_cache_lookups_total{result="hit"}',
        "kiln_sampling_cache_hit_ratio",
    ):
        assert name in text, name


async def test_registered_models_deploy_on_demand_when_configured(gateway_factory, local_engine, tmp_path):
    gw = await gateway_factory(deploy_on_demand=True, serve_replica_cpus=0.5)
    c = Client(gw, await gw.tenant())
    name = f"models/{await _register(gw, c.t.name, local_engine, tmp_path)}"
    try:
        out = await c.generate(req(model=name, prompt="on demand", params=P(temperature=0.0, max_tokens=4)))
        assert out.completions[0].finish_reason != 0
        model = await c.models.GetModel(models_pb2.GetModelRequest(name=name), metadata=c.t.md)
        assert model.deployment.state == "READY"
    finally:
        await _undeploy_all(gw)
