"""Generate and GenerateStream.

Part of KilnClient (kiln.client), which combines one such class per service."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from kiln._transport import Transport
from kiln.v1 import sampling_pb2


class SamplingCalls(Transport):
    """Calls of SamplingService."""

    @staticmethod
    def _generate_request(
        model: str, prompt: str, n: int, bypass_cache: bool, request_id: str, params: Mapping[str, Any]
    ) -> sampling_pb2.GenerateRequest:
        return sampling_pb2.GenerateRequest(
            model=model,
            prompt=prompt,
            n=n,
            bypass_cache=bypass_cache,
            request_id=request_id,
            params=sampling_pb2.SamplingParams(**params),
        )

    def generate(
        self,
        model: str,
        prompt: str,
        *,
        n: int = 1,
        bypass_cache: bool = False,
        request_id: str = "",
        timeout: float | None = None,
        **params: Any,
    ) -> sampling_pb2.GenerateResponse:
        """n completions at once. params: temperature, top_k, top_p, max_tokens, stop, seed, ..."""
        request = self._generate_request(model, prompt, n, bypass_cache, request_id, params)
        return self._call(self._sampling.Generate, request, timeout=timeout)

    def generate_stream(
        self,
        model: str,
        prompt: str,
        *,
        n: int = 1,
        bypass_cache: bool = False,
        request_id: str = "",
        timeout: float | None = None,
        **params: Any,
    ) -> Iterator[sampling_pb2.GenerateStreamResponse]:
        """Chunks as they are produced; the last message carries the usage totals."""
        request = self._generate_request(model, prompt, n, bypass_cache, request_id, params)
        return self._stream(self._sampling.GenerateStream, request, timeout=timeout)
