"""Live human feedback for a running job: publish its samples, wait for people to rate them.

A PPO job with `human_feedback` calls `RedisTrainContext.collect_feedback(samples, timeout)`
each iteration. The samples are written to the tenant's sample store under the names people
rate ("samples/{id}", model "jobs/{job_id}") and a `feedback_requested` log event tells a
labelling tool which ids to show; ratings and thumbs on them arrive through FeedbackService
like any other feedback, and are read here from the tenant's feedback stream.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import redis

from kiln_server.feedback.export import score
from kiln_server.feedback.store import FeedbackStore
from kiln_server.platform.keys import Keys
from kiln_server.sampling.record import SampleRecord
from kiln_server.sampling.samples import DEFAULT_SAMPLE_TTL_S, SampleStore

_POLL_MS = 500


def publish_samples(client: redis.Redis, keys: Keys, tenant: str, job_id: str, samples: Iterable[Any]) -> list[str]:
    """Stores the samples (each with sample_id, prompt, completion) so FeedbackService accepts
    feedback on them; returns their ids."""
    ids = []
    with client.pipeline(transaction=True) as pipe:
        for s in samples:
            record = SampleRecord(s.sample_id, s.prompt, s.completion, f"jobs/{job_id}", f"jobs/{job_id}")
            SampleStore.stage_put(pipe, keys, tenant, record, DEFAULT_SAMPLE_TTL_S)
            ids.append(s.sample_id)
        pipe.execute()
    return ids


def wait_for_scores(
    client: redis.Redis,
    keys: Keys,
    tenant: str,
    sample_ids: list[str],
    after: str,
    timeout_s: float,
    should_stop: Callable[[], bool],
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
                record = FeedbackStore.from_entry(entry_id, fields)
                sid = wanted.get(record.sample_id)
                value = score(record) if sid is not None else None
                if sid is not None and value is not None:
                    scores.setdefault(sid, []).append(value)
    return {sid: sum(v) / len(v) for sid, v in scores.items()}
