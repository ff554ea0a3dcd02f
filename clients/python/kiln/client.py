"""A thin synchronous client for the Kiln API.

Methods take plain Python values, return the generated protos, and raise `KilnError` (with the
google.rpc.Status details unpacked) instead of grpc.RpcError. List methods are iterators over
every page; `watch_job` resumes a broken stream after the last event it saw.

    with KilnClient("127.0.0.1:50051", api_key="kiln_...") as kiln:
        dataset = kiln.upload_dataset("train.jsonl", "sft")
        job = kiln.create_job("kiln-gpt-tiny", dataset.name, hyperparameters={"max_steps": 100})
        for event in kiln.watch_job(job.name):
            print(event)
"""

from __future__ import annotations

from kiln._datasets import DatasetCalls
from kiln._evaluations import EvaluationCalls
from kiln._feedback import FeedbackCalls
from kiln._jobs import JobCalls
from kiln._models import ModelCalls
from kiln._sampling import SamplingCalls
from kiln._sweeps import SweepCalls
from kiln._transport import DEFAULT_TARGET
from kiln.errors import KilnError

__all__ = ["DEFAULT_TARGET", "KilnClient", "KilnError"]


# One class per service, each a thin set of calls over the shared Transport; the client is
# their union, so `KilnClient` keeps one flat namespace of methods.
class KilnClient(DatasetCalls, JobCalls, ModelCalls, SamplingCalls, FeedbackCalls, EvaluationCalls, SweepCalls):
    """Synchronous client for the Kiln gateway; use it as a context manager to close the channel.

    target and api_key default to $KILN_TARGET and $KILN_API_KEY. `timeout` is the deadline in
    seconds of each unary call; uploads get more time in proportion to their size, and
    `watch_job` streams have none (jobs run for hours).
    """

    def __repr__(self) -> str:
        return f"KilnClient(target={self.target!r})"
