"""Sampling end to end: idempotency, cache, routing to the replica, samples kept for feedback.

`Sampler.generate` and `Sampler.stream` take a validated SampleCall and produce protos; the
servicer only converts and delegates. The gateway holds no model: a cache hit never reaches a
replica, and a miss is one call to the model's Ray Serve application or Triton model (both
backends speak EngineReplica's dict protocol through `generate(app, req)` / `stream(app, req)`).

The cache-hit path is one Redis round trip: when this gateway resolved the model's route less
than KilnConfig.local_cache_ttl_s ago, `probe` names the entry's key up front, and the servicer
reads it in the same Lua call that charges the tenant's sampling quota (tenants/ratelimit.py);
`generate`/`stream` then answer from what that call read.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from redis.exceptions import RedisError

from kiln.v1 import sampling_pb2
from kiln_server.platform import metrics
from kiln_server.platform.errors import InvalidArgument, KilnError, ResourceExhausted, Unavailable
from kiln_server.platform.repository import IDEMPOTENCY_TTL_S
from kiln_server.sampling.cache import SamplingCache, pack, request_digest, unpack
from kiln_server.sampling.ray_serve import RayServeBackend
from kiln_server.sampling.record import SampleRecord, image_prompt, image_uri
from kiln_server.sampling.requests import SampleCall, chunk, chunks_from_response, completion
from kiln_server.sampling.router import TRITON, Route, Router
from kiln_server.sampling.samples import SampleStore
from kiln_server.sampling.triton import TritonBackend

log = logging.getLogger("kiln.sampling")


def _raise_replica_error(err: dict, model: str) -> None:
    code, message = err.get("code"), err.get("message", "")
    if code == "INVALID_ARGUMENT":
        raise InvalidArgument.field(err.get("field") or "prompt", message)
    if code == "RESOURCE_EXHAUSTED":
        raise ResourceExhausted(message, subject=model, retry_after_s=err.get("retry_after_s") or 0.5)
    raise Unavailable(f"the replica serving {model} failed: {message}")


@dataclass(frozen=True)
class Probe:
    """A cache lookup made before the call reaches the sampler: the route (fresh in this
    gateway), the entry's key, and once read (`read`), the entry's value (None: a miss)."""

    route: Route
    key: str
    read: bool = False
    value: bytes | None = None


@dataclass(eq=False)
class Sampler:
    router: Router
    serve: RayServeBackend
    cache: SamplingCache
    samples: SampleStore
    triton: TritonBackend | None = None
    _hits: int = field(default=0, init=False)  # cache hits and lookups since start, for the hit ratio
    _lookups: int = field(default=0, init=False)

    # -- unary -----------------------------------------------------------------------------------
    async def generate(
        self, tenant: str, call: SampleCall, probe: Probe | None = None
    ) -> sampling_pb2.GenerateResponse:
        route, replay = await self._route(tenant, call, probe)
        if replay is not None:
            return replay[0]
        started = time.perf_counter()
        result = await self._call_replica(route, call)
        ids = [uuid.uuid4().hex for _ in result["completions"]]
        resp = sampling_pb2.GenerateResponse(
            completions=[completion(c, sid) for c, sid in zip(result["completions"], ids, strict=True)],
            usage=sampling_pb2.Usage(**result["usage"]),
            model_version=route.version,
        )
        self._observe(route, result, time.perf_counter() - started)
        await self._remember(tenant, call, route, resp, None)
        return resp

    def backend_for(self, route: Route) -> RayServeBackend | TritonBackend:
        if route.target == TRITON:
            if self.triton is None:
                raise Unavailable(f"{route.model} is deployed on Triton, which this gateway is not configured for")
            return self.triton
        return self.serve

    async def _call_replica(self, route: Route, call: SampleCall) -> dict:
        # A cancelled await (client gone, deadline passed) cancels the backend call and frees the slots.
        try:
            result = await self.backend_for(route).generate(route.app, call.replica_request())
        except KilnError:
            raise
        except Exception as exc:
            raise Unavailable(f"the replica serving {route.model} is unreachable: {type(exc).__name__}") from exc
        if "error" in result:
            _raise_replica_error(result["error"], route.model)
        return result

    # -- streaming -------------------------------------------------------------------------------
    async def stream(
        self, tenant: str, call: SampleCall, probe: Probe | None = None
    ) -> AsyncIterator[sampling_pb2.GenerateStreamResponse]:
        route, replay = await self._route(tenant, call, probe)
        if replay is not None:
            resp, chunks = replay
            for c in chunks or chunks_from_response(resp)[:-1]:
                yield c
            yield sampling_pb2.GenerateStreamResponse(usage=resp.usage, model_version=resp.model_version, cached=True)
            return
        started = time.perf_counter()
        first_token_at = None
        ids: dict[int, str] = {}
        parts: dict[int, dict] = {}
        sent: list[sampling_pb2.GenerateStreamResponse] = []
        gen = self.backend_for(route).stream(route.app, call.replica_request())
        try:
            async for item in gen:
                if "error" in item:
                    _raise_replica_error(item["error"], route.model)
                if "usage" in item:
                    self._observe(route, item, time.perf_counter() - started)
                    last = sampling_pb2.GenerateStreamResponse(
                        usage=sampling_pb2.Usage(**item["usage"]), model_version=route.version
                    )
                    resp = self._assemble(parts, ids, last)
                    await self._remember(tenant, call, route, resp, sent)
                    yield last
                    return
                sid = ids.setdefault(item["index"], uuid.uuid4().hex)
                if first_token_at is None and (item.get("token_ids") or "png" in item):
                    first_token_at = time.perf_counter()
                    metrics.SAMPLE_TTFT.labels(route.model).observe(first_token_at - started)
                _accumulate(parts, item)
                msg = chunk(item, sid)
                sent.append(msg)
                yield msg
        except (asyncio.CancelledError, GeneratorExit):
            gen.cancel()
            raise
        except KilnError:
            raise
        except Exception as exc:
            raise Unavailable(f"the replica serving {route.model} failed: {type(exc).__name__}: {exc}") from exc
        raise Unavailable(f"the stream from {route.model} ended early")

    @staticmethod
    def _assemble(parts: dict[int, dict], ids: dict[int, str], last) -> sampling_pb2.GenerateResponse:
        comps = [completion(parts[i], ids[i]) for i in sorted(parts)]
        return sampling_pb2.GenerateResponse(completions=comps, usage=last.usage, model_version=last.model_version)

    # -- cache, idempotency and samples ----------------------------------------------------------
    def probe(self, tenant: str, call: SampleCall) -> Probe | None:
        """The cache entry a cacheable call without request_id would be answered from, when
        the route is known without reading Redis (None otherwise: the call takes `_route`)."""
        if call.request_id or not self._cacheable(call):
            return None
        route = self.router.fresh(tenant, call.model, call.check_for)
        if route is None:
            return None
        return Probe(route, self.cache.keys.cache_entry(tenant, route.version, self._digest(call)))

    async def _route(self, tenant: str, call: SampleCall, probe: Probe | None = None):
        """The route and any stored answer. The cache lookup, which needs only the model's
        version, runs alongside the router's deployment lookup instead of after it (or was
        made already: `probe`)."""
        if probe is not None and probe.read:
            self.cache.degraded = False
            return probe.route, self._counted(unpack(probe.value) if probe.value else None)
        looked: dict[str, tuple[bytes, list[bytes]] | None] = {}
        alongside = None
        if self._cacheable(call):

            async def alongside(version: str) -> None:
                looked[version] = await self.cache.get(tenant, version, self._digest(call))

        route = await self.router.resolve(tenant, call.model, call.check_for, alongside)
        return route, await self._replayable(tenant, call, route, looked)

    def _cacheable(self, call: SampleCall) -> bool:
        return call.params.deterministic and not call.bypass_cache and self.cache.enabled

    async def _replayable(self, tenant: str, call: SampleCall, route: Route, looked: dict | None = None):
        """A stored answer for this call (idempotent retry or cache hit), with `cached` set.
        `looked` holds cache lookups already made, by model version."""
        if call.request_id:
            stored = await self._idempotent(tenant, call, route)
            if stored is not None:
                return stored
        if not self._cacheable(call):
            return None
        if looked is not None and route.version in looked:
            hit = looked[route.version]
        else:  # a fresh or last-known route (Redis trouble): no lookup ran alongside
            hit = await self.cache.get(tenant, route.version, self._digest(call))
        return self._counted(hit)

    def _counted(self, hit: tuple[bytes, list[bytes]] | None):
        """A cache lookup's result as a stored answer (None on a miss), counted in the metrics."""
        self._lookups += 1
        metrics.CACHE_LOOKUPS.labels("error" if self.cache.degraded else ("hit" if hit else "miss")).inc()
        self._hits += hit is not None
        metrics.CACHE_HIT_RATIO.set(self._hits / self._lookups)
        if hit is None:
            return None
        resp = sampling_pb2.GenerateResponse.FromString(hit[0])
        resp.cached = True
        return resp, [sampling_pb2.GenerateStreamResponse.FromString(c) for c in hit[1]]

    @staticmethod
    def _digest(call: SampleCall) -> str:
        return request_digest(call.prompt, call.params.canonical(), call.n)

    def _fingerprint(self, call: SampleCall, route: Route) -> str:
        return hashlib.sha256(f"{route.model}|{self._digest(call)}".encode()).hexdigest()[:32]

    async def _idempotent(self, tenant: str, call: SampleCall, route: Route):
        key = self.router.models.keys.idempotency(tenant, "generate", call.request_id)
        try:
            value = await self.cache.redis.get(key)
        except (RedisError, OSError):
            return None
        if value is None:
            return None
        fingerprint, _, body = value.partition(b"|")
        if fingerprint.decode() != self._fingerprint(call, route):
            raise InvalidArgument.field("request_id", "already used for a different sampling request")
        resp_bytes, chunks = unpack(body)
        resp = sampling_pb2.GenerateResponse.FromString(resp_bytes)
        return resp, [sampling_pb2.GenerateStreamResponse.FromString(c) for c in chunks]

    async def _remember(self, tenant: str, call: SampleCall, route: Route, resp, chunks) -> None:
        body = resp.SerializeToString()
        chunk_bytes = [c.SerializeToString() for c in chunks] if chunks is not None else None
        if call.params.deterministic:
            await self.cache.put(tenant, route.version, self._digest(call), body, chunk_bytes)
        records = [
            SampleRecord(
                c.sample_id.removeprefix("samples/"),
                *_content(call, c),
                model=route.model,
                model_version=route.version,
                params=call.params.canonical(),
                index=c.index,
                finish_reason=sampling_pb2.FinishReason.Name(c.finish_reason).removeprefix("FINISH_REASON_"),
            )
            for c in resp.completions
        ]
        try:
            await self.samples.put_many(tenant, records)
            if call.request_id:
                key = self.router.models.keys.idempotency(tenant, "generate", call.request_id)
                value = self._fingerprint(call, route).encode() + b"|" + pack(body, chunk_bytes)
                await self.cache.redis.set(key, value, ex=IDEMPOTENCY_TTL_S)
        except (RedisError, OSError) as exc:
            # Sampling still answers; feedback on these samples will be NOT_FOUND.
            log.warning("samples not stored: state store unreachable", extra={"error": str(exc)})

    def _observe(self, route: Route, result: dict, seconds: float) -> None:
        tokens = result["usage"]["completion_tokens"]
        metrics.SAMPLE_TOKENS.labels(route.model).inc(tokens)
        if seconds > 0:
            metrics.SAMPLE_TOKENS_PER_S.labels(route.model).observe(tokens / seconds)
        stats = result.get("stats") or {}
        if stats.get("max_batch"):
            metrics.BATCH_OCCUPANCY.labels(route.model).set(stats["running"] / stats["max_batch"])
            metrics.QUEUE_DEPTH.labels(route.model).set(stats["waiting"])


def _content(call: SampleCall, c: sampling_pb2.Completion) -> tuple[str, str]:
    """A sample's (prompt, text) as kept for feedback; an image's are its condition and PNG."""
    if c.WhichOneof("output") == "image":
        return image_prompt(call.params.class_label), image_uri(c.image.png)
    return call.prompt, c.text


def _accumulate(parts: dict[int, dict], item: dict) -> None:
    if "png" in item:  # an image arrives whole
        parts[item["index"]] = item
        return
    c = parts.setdefault(
        item["index"], {"index": item["index"], "token_ids": [], "text": "", "logprobs": [], "finish_reason": None}
    )
    c["token_ids"] += item["token_ids"]
    c["text"] += item["text"]
    c["logprobs"] += item["logprobs"]
    c["finish_reason"] = item["finish_reason"] or c["finish_reason"]
