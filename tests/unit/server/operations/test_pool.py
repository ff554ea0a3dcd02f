"""The warm worker's attempt bookkeeping, as a plain object (no Ray): an attempt runs on it at most
once, and a second hand-over of the same attempt (an adopting gateway's) gets the first's outcome."""

from __future__ import annotations

import threading
import time

from kiln_server.operations.pool import WarmWorker, attempt_key


class Gate:
    """A runner that counts its runs and holds each one until released."""

    runs = 0
    release = threading.Event()

    def __init__(self, outcome: str):
        self.outcome = outcome

    def attempt(self) -> str:
        type(self).runs += 1
        type(self).release.wait(10)
        return self.outcome


def test_an_attempt_handed_twice_runs_once_and_both_get_its_outcome():
    worker = WarmWorker(exit_idle_s=3600)
    key = attempt_key("t", "j-1", 1)
    Gate.runs, Gate.release = 0, threading.Event()
    outcomes: list[str] = []
    first = threading.Thread(target=lambda: outcomes.append(worker.run(key, Gate, ("SUCCEEDED",))))
    first.start()
    while Gate.runs == 0:
        time.sleep(0.01)
    # The adopting gateway hands the same attempt again (with other args: never used).
    second = threading.Thread(target=lambda: outcomes.append(worker.run(key, Gate, ("FAILED",))))
    second.start()
    time.sleep(0.1)
    assert outcomes == []  # the second waits for the running one
    Gate.release.set()
    first.join(5)
    second.join(5)
    assert outcomes == ["SUCCEEDED", "SUCCEEDED"] and Gate.runs == 1
    assert worker.run(key, Gate, ("FAILED",)) == "SUCCEEDED" and Gate.runs == 1  # after it ended, too
    # Another attempt (the next trial, or a retry) is a new key: it runs.
    assert worker.run(attempt_key("t", "j-1", 2), Gate, ("FAILED",)) == "FAILED" and Gate.runs == 2


class Boom:
    def attempt(self) -> str:
        raise RuntimeError("broken runner")


def test_a_runner_that_raises_is_a_failed_outcome_for_a_second_hand_over():
    worker = WarmWorker(exit_idle_s=3600)
    key = attempt_key("t", "j-2", 1)
    try:
        worker.run(key, Boom, ())
        raise AssertionError("the first caller sees the error")
    except RuntimeError as exc:
        assert "broken runner" in str(exc)
    assert worker.run(key, Boom, ()) == "FAILED"


def test_a_claim_restarts_the_idle_clock():
    worker = WarmWorker(exit_idle_s=3600)
    worker._idle_since -= 100  # idle for a while
    before = worker._idle_since
    worker.claim()
    assert worker._idle_since > before + 99 and not worker._busy
