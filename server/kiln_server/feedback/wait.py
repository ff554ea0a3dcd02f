"""Live human feedback for a running job: publish its samples, wait for people to rate them.

A PPO job with `human_feedback` calls `RedisTrainContext.collect_feedback(samples, timeout)`
each iteration. The samples are written to the tenant's sample store under the names people
rate ("samples/{id}", model "jobs/{job_id}") and a `feedback_requested` log event tells a
labelling tool which ids to show; ratings and thumbs on them arrive through FeedbackService
like any other feedback, and are read here from the tenant's feedback stream.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

import redis

from kiln_server.platform.keys import Keys
from kiln_server.sampling.samples import DEFAULT_SAMPLE_TTL_S

_POLL_MS = 500


def score_of(kind: str, signal: dict) -> float | None:
    """A rating or thumbs as a score in [0, 1] (the same mapping as feedback exports)."""
    if kind == "thumbs":
        return 1.0 if signal.get("up") else 0.0
    if kind == "rating":
        lo, hi = signal.get("scale_min", 0.0), signal.get("scale_max", 0.0)
        if lo == 0 and hi == 0:
            lo, hi = 1.0, 5.0
        return (signal["value"] - lo) / (hi - lo)
    return None


def publish_samples(client: redis.Redis, keys: Keys, tenant: str, job_id: str, samples: Iterable) -> list[str]:
    """Stores the samples so FeedbackService accepts feedback on them; returns their ids."""
    ids = []
    with client.pipeline(transaction=True) as pipe:
        for s in samples:
            key = keys.sample(tenant, s.sample_id)
            pipe.hset(
                key,
                mapping={
                    "sample_id": s.sample_id,
                    "prompt": s.prompt,
                    "text": s.completion,
                    "model": f"jobs/{job_id}",
                    "model_version": f"jobs/{job_id}",
                    "params": "{}",
                    "index": 0,
                    "finish_reason": "STOP",
                    "create_time": time.time(),
                },
            )
            pipe.expire(key, DEFAULT_SAMPLE_TTL_S)
            ids.append(s.sample_id)
        pipe.execute()
    return ids


def wait_for_scores(
    client: redis.Redis, keys: Keys, tenant: str, sample_ids: list[str], after: str, timeout_s: float, should_stop
) -> dict[str, float]:
    """Mean score per sample from feedback stored after stream id `after`, until every sample has
    one or the timeout passes."""
    wanted = {f"samples/{i}": i for i in sample_ids}
    scores: dict[str, list[float]] = {}
    deadline = time.monotonic() + timeout_s
    stream = keys.feedback(tenant)
    while len(scores) < len(wanted) and time.monotonic() < deadline and not should_stop():
        block = max(1, min(_POLL_MS, int((deadline - time.monotonic()) * 1000)))
        for _, entries in client.xread({stream: after}, block=block, count=500) or []:
            for entry_id, fields in entries:
                after = entry_id.decode()
                record = json.loads(fields[b"record"])
                sid = wanted.get(record.get("sample_id", ""))
                score = score_of(record.get("kind", ""), record.get("signal", {})) if sid else None
                if score is not None:
                    scores.setdefault(sid, []).append(score)
    return {sid: sum(v) / len(v) for sid, v in scores.items()}
