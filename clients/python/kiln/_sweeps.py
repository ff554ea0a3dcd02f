"""Hyperparameter and architecture sweeps.

Part of KilnClient (kiln.client), which combines one such class per service."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kiln._transport import Transport
from kiln.messages import enum_number
from kiln.space import objective, search_space
from kiln.v1 import (
    jobs_pb2,
    sweeps_pb2,
)
from kiln.watch import resume_on_unavailable


class SweepCalls(Transport):
    """Calls of SweepService."""

    def create_sweep(
        self,
        template: jobs_pb2.Job,
        space: Mapping[str, Mapping[str, Any]] | Iterable[sweeps_pb2.SearchParameter],
        objectives: Iterable[str | sweeps_pb2.Objective],
        *,
        max_trials: int,
        max_concurrent_trials: int = 1,
        max_wall_time_s: float = 0,
        algorithm: str | int = "tpe",
        pruner: str | int = "none",
        seed: int = 0,
        display_name: str = "",
        labels: Mapping[str, str] | None = None,
        request_id: str | None = None,
    ) -> sweeps_pb2.Sweep:
        """Starts a sweep whose trials are `template` jobs with the searched fields sampled.

        space: {target path: domain} (see kiln.space), e.g.
            {"hyperparameters.learning_rate": {"low": 1e-4, "high": 1e-2, "log": True}}.
        objectives: "metric:min" / "metric:max" (e.g. "val_loss:min").
        algorithm: random, grid, tpe, gp, cma_es, nsga_ii; pruner: none, successive_halving,
            median, hyperband.
        """
        budget = sweeps_pb2.SweepBudget(max_trials=max_trials, max_concurrent_trials=max_concurrent_trials)
        if max_wall_time_s:
            budget.max_wall_time.FromMilliseconds(int(max_wall_time_s * 1000))
        sweep = sweeps_pb2.Sweep(
            display_name=display_name,
            template=template,
            parameters=search_space(space),
            objectives=[objective(o) for o in objectives],
            algorithm=enum_number(sweeps_pb2.SweepAlgorithm.DESCRIPTOR, algorithm, "algorithm"),
            pruner=enum_number(sweeps_pb2.SweepPruner.DESCRIPTOR, pruner, "pruner"),
            budget=budget,
            seed=seed,
            labels=dict(labels or {}),
        )
        request = sweeps_pb2.CreateSweepRequest(sweep=sweep, request_id=request_id or "")
        return self._call(self._sweeps.CreateSweep, request)

    def get_sweep(self, name: str) -> sweeps_pb2.Sweep:
        return self._call(self._sweeps.GetSweep, sweeps_pb2.GetSweepRequest(name=name))

    def list_sweeps(self, state: str | int | None = None, page_size: int = 50) -> Iterator[sweeps_pb2.Sweep]:
        """Every sweep of the caller, newest first; state ("running", ...) filters them."""
        request = sweeps_pb2.ListSweepsRequest(
            page_size=page_size,
            state=enum_number(sweeps_pb2.SweepState.DESCRIPTOR, state, "state") if state is not None else None,
        )
        return self._paginate(self._sweeps.ListSweeps, request, "sweeps")

    def cancel_sweep(self, name: str) -> sweeps_pb2.Sweep:
        return self._call(self._sweeps.CancelSweep, sweeps_pb2.CancelSweepRequest(name=name))

    def watch_sweep(
        self, name: str, after_event_id: str = "", *, max_reconnects: int = 8, backoff_s: float = 0.5
    ) -> Iterator[sweeps_pb2.SweepEvent]:
        """Yields the sweep's events until it ends, reopening a broken (UNAVAILABLE) stream
        after the last event seen, like `watch_job`."""

        def open_stream(cursor: str) -> Any:
            request = sweeps_pb2.WatchSweepRequest(name=name, after_event_id=cursor)
            return self._sweeps.WatchSweep(request, metadata=self._metadata)

        return resume_on_unavailable(open_stream, after_event_id, max_reconnects=max_reconnects, backoff_s=backoff_s)
