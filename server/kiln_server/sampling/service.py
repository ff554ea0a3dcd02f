"""SamplingService: convert, delegate to the Sampler, convert back."""

from __future__ import annotations

from kiln.v1 import sampling_pb2_grpc
from kiln_server.platform.context import current_tenant
from kiln_server.sampling import requests
from kiln_server.sampling.sampler import Sampler


class SamplingService(sampling_pb2_grpc.SamplingServiceServicer):
    def __init__(self, sampler: Sampler):
        self.sampler = sampler

    async def Generate(self, request, context):
        return await self.sampler.generate(current_tenant(), requests.parse(request))

    async def GenerateStream(self, request, context):
        async for message in self.sampler.stream(current_tenant(), requests.parse(request)):
            yield message
