"""Rewards from the user's own service: kiln.v1.RewardService/Score (protos/kiln/v1/rewards.proto).

The completions of a batch are grouped by prompt, each prompt's split into requests of at most
`batch_size`, and all requests sent at once (the service is asked to take concurrent calls). A
request that ends UNAVAILABLE or DEADLINE_EXCEEDED is retried with doubling backoff; when the
retries are spent, or on any other error or a malformed response, RewardServiceError says what
happened and names the target, which fails the job with that reason.
"""

from __future__ import annotations

import math
import time
from typing import Any

import grpc

from kiln_trainer.algorithms.ppo.experience import Sample

RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
MAX_BACKOFF_S = 5.0


class RewardServiceError(RuntimeError):
    pass


def plan_requests(samples: list[Sample], batch_size: int) -> list[tuple[str, list[int]]]:
    """(prompt, sample indices) per request: samples grouped by prompt text, in first-seen
    order, each group cut into runs of at most batch_size."""
    by_prompt: dict[str, list[int]] = {}
    for i, s in enumerate(samples):
        by_prompt.setdefault(s.prompt, []).append(i)
    return [
        (prompt, idx[k : k + batch_size]) for prompt, idx in by_prompt.items() for k in range(0, len(idx), batch_size)
    ]


class RemoteReward:
    def __init__(
        self,
        target: str,
        timeout_s: float = 30.0,
        batch_size: int = 64,
        retries: int = 3,
        job: str = "",
        backoff_s: float = 0.2,
    ):
        from kiln.v1 import rewards_pb2_grpc

        self.target = target
        self.timeout_s = timeout_s
        self.batch_size = batch_size
        self.retries = retries
        self.job = job
        self.backoff_s = backoff_s
        self.channel = grpc.insecure_channel(target)
        self.stub = rewards_pb2_grpc.RewardServiceStub(self.channel)

    def _request(self, prompt: str, idx: list[int], samples: list[Sample]) -> Any:
        from kiln.v1 import rewards_pb2

        return rewards_pb2.ScoreRequest(
            prompt=prompt,
            completions=[samples[i].completion for i in idx],
            job=self.job,
            sample_ids=[samples[i].sample_id for i in idx],
            # Samples are grouped by prompt text, so the first one's ids stand for the request's.
            prompt_token_ids=samples[idx[0]].prompt_ids,
            completion_token_ids=[rewards_pb2.TokenIds(ids=samples[i].completion_ids) for i in idx],
        )

    def score(self, samples: list[Sample]) -> list[float | None]:
        plan = plan_requests(samples, self.batch_size)
        requests = [self._request(prompt, idx, samples) for prompt, idx in plan]
        # Every request in flight at once; retries (rare) then go one at a time.
        futures = [self.stub.Score.future(r, timeout=self.timeout_s) for r in requests]
        out: list[float | None] = [None] * len(samples)
        for (_, idx), request, future in zip(plan, requests, futures, strict=True):
            scores = self._result(request, future)
            if len(scores) != len(idx):
                raise RewardServiceError(
                    f"the reward service at {self.target} returned {len(scores)} scores for {len(idx)} completions"
                )
            for i, x in zip(idx, scores, strict=True):
                if not math.isfinite(x):
                    raise RewardServiceError(f"the reward service at {self.target} returned a non-finite score {x}")
                out[i] = float(x)
        return out

    def _result(self, request: Any, future: Any) -> list[float]:
        delay = self.backoff_s
        for attempt in range(self.retries + 1):
            try:
                return list(future.result().scores)
            except grpc.RpcError as e:
                code = e.code()
                if code not in RETRYABLE:
                    raise RewardServiceError(
                        f"the reward service at {self.target} answered {code.name}: {e.details()}"
                    ) from None
                if attempt == self.retries:
                    raise RewardServiceError(
                        f"the reward service at {self.target} is unreachable: {code.name} after "
                        f"{self.retries + 1} tries ({e.details()})"
                    ) from None
            time.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_S)
            future = self.stub.Score.future(request, timeout=self.timeout_s)
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.channel.close()
