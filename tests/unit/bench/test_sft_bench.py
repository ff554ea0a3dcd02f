"""bench.sft's pure parts: reading a job's metric events into a run, and the shared target loss."""

import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from bench.sft import KILN, TRL, Run, kiln_run, shared_target
from kiln.v1 import jobs_pb2


def event(ms: int, step: int, **values: float) -> jobs_pb2.JobEvent:
    t = Timestamp()
    t.FromMilliseconds(ms)
    return jobs_pb2.JobEvent(time=t, metrics=jobs_pb2.Metrics(step=step, values=values))


def test_kiln_run_takes_step_seconds_from_tokens_per_s_and_skips_validation_in_the_event_clock():
    events = [
        jobs_pb2.JobEvent(log=jobs_pb2.LogLine(level="info", message="loaded kiln-gpt-small")),
        event(10_000, 1, loss=5.0, tokens=1000, tokens_per_s=100),  # step 1: not timed
        event(12_000, 2, loss=4.0, tokens=1500, tokens_per_s=250),  # 2 s
        event(15_000, 2, val_loss=4.5),  # a 3 s validation pass
        event(19_000, 3, loss=3.0, tokens=2500, tokens_per_s=250),  # 4 s
        event(20_000, 3, val_loss=3.5),  # after the last step: outside the clock either way
    ]
    run = kiln_run(events, 1, wall=60.0)
    assert run.tokens == [1000, 500, 1000]
    assert run.times == pytest.approx([0.0, 2.0, 6.0])
    assert run.evals == [[2.0, 4.5], [3.0, 3.5]]
    assert run.tokens_per_s == pytest.approx(1500 / 6.0)
    assert run.info["event_clock_s"] == pytest.approx(9.0 - 3.0)
    assert run.time_to(4.0) == pytest.approx(6.0) and run.time_to(4.5) == pytest.approx(2.0)
    assert run.time_to(3.0) is None


def test_kiln_run_needs_a_metrics_event_per_step():
    with pytest.raises(RuntimeError, match="a metrics event per step"):
        kiln_run([event(1, 1, tokens=10, tokens_per_s=1), event(2, 3, tokens=20, tokens_per_s=1)], 1, 1.0)


def test_shared_target_is_the_worst_best_loss_within_the_first_three_quarters():
    def run(side: str, evals: list[list[float]]) -> Run:
        return Run(side, 1, [float(i) for i in range(8)], [100] * 8, evals, 1.0)

    runs = [
        run(KILN, [[2, 3.0], [4, 2.0], [6, 1.5], [8, 0.1]]),  # step 8 is past 75% of 8 steps
        run(TRL, [[2, 3.2], [4, 2.5], [6, 2.2], [8, 1.0]]),
        run("plain", [[6, 9.0]]),  # throughput rows do not set the target
    ]
    target = shared_target(runs)
    assert target == pytest.approx(2.2, abs=1e-3) and target >= 2.2
    assert all(r.time_to(target) is not None for r in runs[:2])
