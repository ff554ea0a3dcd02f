"""SamplingService: convert, delegate to the Sampler, convert back.

Calls with a request_id run one at a time per request_id (platform/claims.py): a concurrent
duplicate waits for the first call and then replays its stored result, same sample ids.

Every call is charged to the tenant's sampling quota, cache hits too (sampling.proto: the
quota is charged before sampling). A call the result cache may answer has its entry read in
the charge's Redis round trip (Sampler.probe), so a hit costs one round trip in all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json

from kiln.v1 import sampling_pb2_grpc
from kiln_server.platform.claims import RequestClaims
from kiln_server.platform.context import current_tenant
from kiln_server.sampling import requests
from kiln_server.sampling.requests import SampleCall
from kiln_server.sampling.sampler import Probe, Sampler
from kiln_server.tenants.ratelimit import SamplingLimiter
from kiln_trainer.inference.params import DEFAULT_MAX_TOKENS


class SamplingService(sampling_pb2_grpc.SamplingServiceServicer):
    def __init__(self, sampler: Sampler, claims: RequestClaims | None = None, limiter: SamplingLimiter | None = None):
        self.sampler = sampler
        self.claims = claims
        self.limiter = limiter

    async def Generate(self, request, context):
        call = requests.parse(request)
        probe = await self._charge(call)
        async with self._claim(call):
            return await self.sampler.generate(current_tenant(), call, probe)

    async def GenerateStream(self, request, context):
        call = requests.parse(request)
        probe = await self._charge(call)
        async with self._claim(call):
            async for message in self.sampler.stream(current_tenant(), call, probe):
                yield message

    async def _charge(self, call: SampleCall) -> Probe | None:
        """Charges the quota; the cache entry the call may be answered from is read alongside."""
        probe = self.sampler.probe(current_tenant(), call)
        if self.limiter is None:
            return probe
        tokens = call.n * (call.params.max_tokens or DEFAULT_MAX_TOKENS)
        read, value = await self.limiter.take(current_tenant(), tokens, probe.key if probe else "")
        return dataclasses.replace(probe, read=read, value=value) if probe else None

    def _claim(self, call: SampleCall) -> contextlib.AbstractAsyncContextManager:
        if self.claims is None or not call.request_id:
            return contextlib.nullcontext()
        body = json.dumps([call.model, call.replica_request()], sort_keys=True).encode()
        fingerprint = hashlib.sha256(body).hexdigest()[:32]
        return self.claims.hold(current_tenant(), "generate", call.request_id, fingerprint)
