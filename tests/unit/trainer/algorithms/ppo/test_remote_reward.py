"""The remote reward source against a real kiln.v1.RewardService on 127.0.0.1: batching by
prompt, order, bounded retries on UNAVAILABLE, and failures that name the target."""

from __future__ import annotations

import socket
from concurrent import futures

import grpc
import pytest

from kiln.v1 import rewards_pb2, rewards_pb2_grpc
from kiln_trainer.algorithms.ppo.experience import Sample
from kiln_trainer.algorithms.ppo.remote import RemoteReward, RewardServiceError, plan_requests


class LengthService(rewards_pb2_grpc.RewardServiceServicer):
    """Scores a completion by its length; fails the first `unavailable` calls UNAVAILABLE."""

    def __init__(self, unavailable: int = 0, extra_score: bool = False):
        self.unavailable = unavailable
        self.extra_score = extra_score
        self.requests: list[rewards_pb2.ScoreRequest] = []

    def Score(self, request, context):
        self.requests.append(request)
        if self.unavailable > 0:
            self.unavailable -= 1
            context.abort(grpc.StatusCode.UNAVAILABLE, "warming up")
        scores = [float(len(c)) for c in request.completions] + ([0.0] if self.extra_score else [])
        return rewards_pb2.ScoreResponse(scores=scores)


@pytest.fixture
def serve():
    servers = []

    def start(service) -> str:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
        rewards_pb2_grpc.add_RewardServiceServicer_to_server(service, server)
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return f"127.0.0.1:{port}"

    yield start
    for s in servers:
        s.stop(None)


def samples(prompts: list[str], completions: list[str]) -> list[Sample]:
    return [Sample(f"s{i}", [ord(p)], [0, i], p, c) for i, (p, c) in enumerate(zip(prompts, completions, strict=True))]


def test_requests_group_completions_by_prompt_in_batches():
    s = samples(["a", "b", "a", "a", "b"], ["1", "2", "3", "4", "5"])
    assert plan_requests(s, 2) == [("a", [0, 2]), ("a", [3]), ("b", [1, 4])]


def test_scores_come_back_in_sample_order(serve):
    service = LengthService()
    reward = RemoteReward(serve(service), batch_size=2, job="jobs/j1")
    s = samples(["p", "q", "p", "p"], ["x", "yy", "zzz", "wwww"])
    assert reward.score(s) == [1.0, 2.0, 3.0, 4.0]
    # Sent concurrently, so they may arrive in any order.
    got = sorted((r.prompt, list(r.sample_ids), list(r.completions)) for r in service.requests)
    assert got == [("p", ["s0", "s2"], ["x", "zzz"]), ("p", ["s3"], ["wwww"]), ("q", ["s1"], ["yy"])]
    assert all(r.job == "jobs/j1" for r in service.requests)
    # Token ids too, exact where text is not (id 0 stands for an eos the text drops).
    ids = sorted((list(r.prompt_token_ids), [list(c.ids) for c in r.completion_token_ids]) for r in service.requests)
    assert ids == [([ord("p")], [[0, 0], [0, 2]]), ([ord("p")], [[0, 3]]), ([ord("q")], [[0, 1]])]
    reward.close()


def test_unavailable_is_retried_within_the_bound(serve):
    target = serve(LengthService(unavailable=2))
    assert RemoteReward(target, retries=2, backoff_s=0.01).score(samples(["p"], ["ab"])) == [2.0]
    target = serve(LengthService(unavailable=3))
    with pytest.raises(RewardServiceError, match=f"{target} is unreachable: UNAVAILABLE after 3 tries"):
        RemoteReward(target, retries=2, backoff_s=0.01).score(samples(["p"], ["ab"]))


def test_an_unreachable_target_fails_with_its_address():
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    target = f"127.0.0.1:{port}"
    with pytest.raises(RewardServiceError, match=f"reward service at {target} is unreachable"):
        RemoteReward(target, timeout_s=2.0, retries=1, backoff_s=0.01).score(samples(["p"], ["x"]))


def test_a_wrong_number_of_scores_fails(serve):
    target = serve(LengthService(extra_score=True))
    with pytest.raises(RewardServiceError, match="returned 2 scores for 1 completions"):
        RemoteReward(target).score(samples(["p"], ["x"]))
