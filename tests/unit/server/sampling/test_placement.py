"""Placement arithmetic: which deploys can never fit, and how many replicas fit now."""

from __future__ import annotations

from kiln_server.sampling.placement import ClusterView, ReplicaNeed, capacity, free_now, never_fits


def view(*nodes: dict[str, float], available: dict[str, float] | None = None) -> ClusterView:
    return ClusterView(nodes=tuple(nodes), available=available if available is not None else {})


def test_a_replica_cannot_span_nodes():
    # 3 + 3 CPUs hold two 2-CPU replicas (one per node), not three.
    v = view({"CPU": 3}, {"CPU": 3})
    assert capacity(v, ReplicaNeed(replicas=3, cpus=2)) == 2
    why = never_fits(v, ReplicaNeed(replicas=3, cpus=2))
    assert "3 replicas" in why and "at most 2" in why and "6 CPU" in why
    assert never_fits(v, ReplicaNeed(replicas=2, cpus=2)) == ""


def test_gpus_bound_as_well_as_cpus():
    v = view({"CPU": 16, "GPU": 1}, {"CPU": 16})
    assert capacity(v, ReplicaNeed(replicas=1, cpus=1, gpus=1)) == 1
    assert "GPU" in never_fits(v, ReplicaNeed(replicas=2, cpus=1, gpus=1))
    assert never_fits(view({"CPU": 8}), ReplicaNeed(replicas=1, cpus=1, gpus=0.5)) != ""


def test_fractional_cpus_and_free_room():
    v = view({"CPU": 4}, available={"CPU": 1.0})
    need = ReplicaNeed(replicas=3, cpus=0.5)
    assert capacity(v, need) == 8
    assert free_now(v, need) == 2
    assert free_now(view({"CPU": 4}, available={}), need) == 0
    # Floating point: 0.3 x 10 is not below 3.0 for placement purposes.
    assert free_now(view({"CPU": 4}, available={"CPU": 3.0}), ReplicaNeed(replicas=10, cpus=0.3)) == 10
