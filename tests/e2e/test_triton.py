"""Quantized exports served by a real tritonserver (nvidia-pytriton's binary, Python backend), through
the real gateway, real Redis and, for the comparison path, real Ray Serve.

Quality tolerances (built-in kiln-gpt-tiny, greedy, 4 prompts x 16 tokens), measured against the
fp32 model on the same engine:
- int8: >= 90% of greedy tokens agree and the mean |logprob difference| on the agreeing prefix is
  <= 0.02 nats;
- int4 (group 128): >= 60% agree and mean |logprob difference| <= 0.15 nats.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import grpc
import pytest

from kiln.v1 import models_pb2, models_pb2_grpc, sampling_pb2, sampling_pb2_grpc
from kiln_server.sampling.triton import TritonNotInstalled, pytriton_home
from tests.e2e.conftest import field_violations

MODEL = "kiln-gpt-tiny"
TRITON = models_pb2.DEPLOYMENT_TARGET_TRITON
RAY_SERVE = models_pb2.DEPLOYMENT_TARGET_RAY_SERVE
INT8, INT4 = models_pb2.QUANTIZATION_INT8, models_pb2.QUANTIZATION_INT4
PROMPTS = [
    "Reverse the word: light\n",
    "What is the capital of Sweden?\n",
    "Convert to uppercase: window bridge\n",
    "Hello",
]


def _tritonserver_runs() -> str:
    try:
        pytriton_home()
    except TritonNotInstalled as exc:
        return str(exc)
    return ""


pytestmark = pytest.mark.skipif(bool(_tritonserver_runs()), reason=f"no tritonserver: {_tritonserver_runs()}")


class Client:
    def __init__(self, gw, tenant):
        self.gw, self.t = gw, tenant
        self.models = models_pb2_grpc.ModelServiceStub(gw.channel)
        self.sampling = sampling_pb2_grpc.SamplingServiceStub(gw.channel)

    async def export(self, **kw) -> models_pb2.Model:
        return await self.models.ExportModel(models_pb2.ExportModelRequest(**kw), metadata=self.t.md)

    async def deploy(self, name: str, target=TRITON) -> models_pb2.Model:
        return await self.models.DeployModel(
            models_pb2.DeployModelRequest(name=name, target=target), metadata=self.t.md
        )

    async def undeploy(self, name: str) -> models_pb2.Model:
        return await self.models.UndeployModel(models_pb2.UndeployModelRequest(name=name), metadata=self.t.md)

    async def generate(self, model: str, prompt: str, **params) -> sampling_pb2.GenerateResponse:
        return await self.sampling.Generate(_req(model, prompt, **params), metadata=self.t.md)

    async def stream(self, model: str, prompt: str, **params) -> list[sampling_pb2.GenerateStreamResponse]:
        return [m async for m in self.sampling.GenerateStream(_req(model, prompt, **params), metadata=self.t.md)]


def _req(model: str, prompt: str, **params) -> sampling_pb2.GenerateRequest:
    bypass = params.pop("bypass_cache", False)
    return sampling_pb2.GenerateRequest(
        model=model, prompt=prompt, params=sampling_pb2.SamplingParams(**params), bypass_cache=bypass
    )


def _streamed(msgs) -> tuple[list[int], str, list[float]]:
    ids, text, lps = [], "", []
    for m in msgs:
        ids += list(m.token_ids)
        text += m.text
        lps += [lp.logprob for lp in m.logprobs]
    return ids, text, lps


@pytest.fixture(scope="module")
async def gw(redis_url, ray_instance, tmp_path_factory):
    from kiln_server.platform.app import create_server
    from tests.e2e.conftest import Gateway, make_config

    server, port = await create_server(
        make_config(tmp_path_factory.mktemp("triton"), redis_url, serve_replica_cpus=0.5, serve_max_batch=8)
    )
    await server.start()
    gateway = Gateway(server, port, server.config)
    yield gateway
    await gateway.close()  # stops the private tritonserver too
    assert server.triton.process is None


def _artifact_dir(gw, model: models_pb2.Model, tenant) -> Path:
    return Path(gw.config.artifact_root) / "models" / tenant.name / model.name.removeprefix("models/")


async def test_export_validation(gw):
    c = Client(gw, await gw.tenant())
    cases = [
        (dict(name=MODEL), "quantization"),  # nothing to do
        (dict(name=MODEL, quantization=INT8, activation_aware=True), "calibration_dataset"),
        (dict(name=MODEL, quantization=INT4, group_size=48), "group_size"),
        (dict(name=MODEL, quantization=INT4, group_size=8), "group_size"),
        (dict(name=MODEL, prune_sparsity=1.0), "prune_sparsity"),
        (dict(name=MODEL, prune_sparsity=-0.1), "prune_sparsity"),
        (dict(name=MODEL, quantization=INT8, structured_pruning=True), "structured_pruning"),
    ]
    for kw, field in cases:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await c.export(**kw)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, kw
        assert field in [f for f, _ in field_violations(err.value)], (kw, field_violations(err.value))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.export(name="models/m-000000000000", quantization=INT8)
    assert err.value.code() == grpc.StatusCode.NOT_FOUND


async def test_triton_serves_quantized_exports(gw):
    ray_tenant, triton_tenant = await gw.tenant(), await gw.tenant()
    ray_c, c = Client(gw, ray_tenant), Client(gw, triton_tenant)

    # -- export, idempotent by request_id --------------------------------------------------------
    int8 = await c.export(name=MODEL, quantization=INT8, request_id="export-int8")
    again = await c.export(name=MODEL, quantization=INT8, request_id="export-int8")
    assert again.name == int8.name
    int4 = await c.export(name=MODEL, quantization=INT4, request_id="export-int4")
    for m, q in ((int8, INT8), (int4, INT4)):
        assert m.quantization == q and m.base_model == MODEL and m.family == 1  # causal_lm
        assert m.version.startswith(m.name.removeprefix("models/") + "@")
        assert 0 < m.metrics["size_ratio"] < (0.35 if q == INT8 else 0.25), m.metrics
        assert m.metrics["perplexity_after"] > 0 and m.size_bytes > 0
    with pytest.raises(grpc.aio.AioRpcError) as err:  # same key, different request
        await c.export(name=MODEL, quantization=INT4, request_id="export-int8")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT

    # -- fp32 on both targets: same engine, same seeded outputs ---------------------------------
    deployed, _ = await asyncio.gather(c.deploy(MODEL), ray_c.deploy(MODEL, RAY_SERVE))
    assert deployed.deployment.target == TRITON and deployed.deployment.state == "READY"
    seeded = dict(temperature=0.9, seed=11, max_tokens=12, logprobs=True)
    t_unary, r_unary = await asyncio.gather(
        c.generate(MODEL, PROMPTS[0], **seeded), ray_c.generate(MODEL, PROMPTS[0], **seeded)
    )
    assert list(t_unary.completions[0].token_ids) == list(r_unary.completions[0].token_ids)
    assert t_unary.completions[0].text == r_unary.completions[0].text
    assert t_unary.completions[0].sample_id.startswith("samples/")
    assert [x.logprob for x in t_unary.completions[0].logprobs] == pytest.approx(
        [x.logprob for x in r_unary.completions[0].logprobs], abs=1e-4
    )
    t_stream = await c.stream(MODEL, PROMPTS[1], bypass_cache=True, **seeded)
    r_stream = await ray_c.stream(MODEL, PROMPTS[1], bypass_cache=True, **seeded)
    assert len(t_stream) > 2 and t_stream[-1].usage.completion_tokens == 12
    assert _streamed(t_stream)[:2] == _streamed(r_stream)[:2]
    assert len({m.sample_id for m in t_stream[:-1]}) == 1
    # Deterministic requests are cached for Triton models like any other.
    cached = await c.generate(MODEL, PROMPTS[0], **seeded)
    assert cached.cached and cached.completions[0].text == t_unary.completions[0].text

    # -- int8 / int4 on Triton agree with fp32 within the stated tolerances ----------------------
    await asyncio.gather(c.deploy(int8.name), c.deploy(int4.name))
    greedy = dict(temperature=0.0, max_tokens=16, logprobs=True)
    base = await asyncio.gather(*(c.generate(MODEL, p, **greedy) for p in PROMPTS))
    for model, min_agree, max_lp in ((int8.name, 0.9, 0.02), (int4.name, 0.6, 0.15)):
        outs = await asyncio.gather(*(c.generate(model, p, **greedy) for p in PROMPTS))
        assert outs[0].model_version == (int8 if model == int8.name else int4).version
        agree = total = 0
        diffs = []
        for b, q in zip(base, outs, strict=True):
            bt, qt = list(b.completions[0].token_ids), list(q.completions[0].token_ids)
            total += len(bt)
            agree += sum(x == y for x, y in zip(bt, qt, strict=False))
            prefix = next((i for i, (x, y) in enumerate(zip(bt, qt, strict=False)) if x != y), len(bt))
            diffs += [
                abs(x.logprob - y.logprob)
                for x, y in zip(b.completions[0].logprobs[:prefix], q.completions[0].logprobs[:prefix], strict=True)
            ]
        assert agree / total >= min_agree, (model, agree / total)
        assert sum(diffs) / len(diffs) <= max_lp, (model, sum(diffs) / len(diffs))
    streamed = await c.stream(int4.name, PROMPTS[3], **greedy)
    assert streamed[-1].usage.completion_tokens == 16 and streamed[-1].model_version == int4.version

    # -- undeploy unloads: Triton no longer lists it READY, sampling is refused ------------------
    triton = gw.server.triton
    index_names = {m.name: m.state for m in (await triton._client_for().get_model_repository_index()).models}
    int4_app = next(n for n in index_names if n.endswith(int4.name.removeprefix("models/")))
    assert index_names[int4_app] == "READY"
    undeployed = await c.undeploy(int4.name)
    assert not undeployed.HasField("deployment") or not undeployed.deployment.state
    assert await triton.model_state(int4_app) not in ("READY", "UNLOADING")
    assert not (triton.model_repository / int4_app).exists()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.generate(int4.name, PROMPTS[0], **greedy)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    # -- Triton down: its models are UNAVAILABLE, Ray Serve keeps sampling -----------------------
    await asyncio.to_thread(triton.process.stop)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.generate(int8.name, PROMPTS[2], temperature=0.0, max_tokens=4, bypass_cache=True)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    assert "Triton" in err.value.details() and "unreachable" in err.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.stream(MODEL, PROMPTS[2], temperature=0.0, max_tokens=4, bypass_cache=True)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
    still = await ray_c.generate(MODEL, PROMPTS[2], temperature=0.0, max_tokens=4, bypass_cache=True)
    assert still.usage.completion_tokens == 4
    await ray_c.undeploy(MODEL)


async def test_corrupt_export_is_refused_at_deploy(gw):
    c = Client(gw, await gw.tenant())
    bad_weights = await c.export(name=MODEL, quantization=INT8)
    bad_manifest = await c.export(name=MODEL, quantization=INT8, prune_sparsity=0.1)

    weights = _artifact_dir(gw, bad_weights, c.t) / "quantized.safetensors"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF  # one flipped byte inside the tensor data
    weights.write_bytes(bytes(data))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.deploy(bad_weights.name)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "sha256" in err.value.details() and "corrupt" in err.value.details()

    # The weights still match their hash, but the manifest now disagrees with them: the model's
    # initialize (load_compressed's shape check) fails inside Triton, and deploy reports why.
    manifest_path = _artifact_dir(gw, bad_manifest, c.t) / "kiln_compress.json"
    manifest = json.loads(manifest_path.read_text())
    layer = next(k for k, v in manifest["modules"].items() if v["kind"] == "linear")
    manifest["modules"][layer]["out_features"] *= 2
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await c.deploy(bad_manifest.name)
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "Triton could not load" in err.value.details() and layer in err.value.details()
    model = await c.models.GetModel(models_pb2.GetModelRequest(name=bad_manifest.name), metadata=c.t.md)
    assert model.deployment.state == "FAILED"
