"""Can the Ray cluster place a deployment's replicas: never (fail fast), not now (wait), or now.

Ray Serve itself waits forever for replicas it cannot schedule, so DeployModel asks the cluster
first. The arithmetic is pure (unit-tested on node resource maps); `cluster_view` reads the live
cluster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ReplicaNeed:
    """What one replica reserves, and how many replicas the deploy must start."""

    replicas: int
    cpus: float
    gpus: float = 0.0


@dataclass(frozen=True)
class ClusterView:
    """Per alive node: its total resources; and what is free right now over the whole cluster."""

    nodes: tuple[dict[str, float], ...]
    available: dict[str, float]


def _fits(resources: dict[str, float], need: ReplicaNeed) -> int:
    """How many replicas fit in `resources` (a node's totals, or what is free)."""
    counts = []
    for key, per in (("CPU", need.cpus), ("GPU", need.gpus)):
        if per > 0:
            counts.append(math.floor(resources.get(key, 0.0) / per + 1e-9))
    return min(counts) if counts else need.replicas


def capacity(view: ClusterView, need: ReplicaNeed) -> int:
    """Replicas the cluster could hold if it were idle; a replica cannot span nodes."""
    return sum(_fits(node, need) for node in view.nodes)


def free_now(view: ClusterView, need: ReplicaNeed) -> int:
    """Replicas that fit in what is free now (summed over nodes: an upper bound on multi-node
    clusters, where Serve may still have to wait a moment; single-node clusters are exact)."""
    return _fits(view.available, need)


def never_fits(view: ClusterView, need: ReplicaNeed) -> str:
    """Why `need` can never be placed on this cluster as it is, or "" when it can."""
    room = capacity(view, need)
    if room >= need.replicas:
        return ""
    totals = {k: sum(n.get(k, 0.0) for n in view.nodes) for k in ("CPU", "GPU")}
    per = f"{need.cpus:g} CPU" + (f" and {need.gpus:g} GPU" if need.gpus else "")
    return (
        f"{need.replicas} replicas of {per} each cannot be placed: the cluster's {len(view.nodes)} node(s) "
        f"({totals['CPU']:g} CPU, {totals['GPU']:g} GPU in all) hold at most {room}"
    )


def cluster_view() -> ClusterView:
    """The live Ray cluster (blocking: call it in a thread)."""
    import ray

    nodes = tuple(
        {k: float(v) for k, v in n.get("Resources", {}).items()} for n in ray.nodes() if n.get("Alive", False)
    )
    return ClusterView(nodes=nodes, available={k: float(v) for k, v in ray.available_resources().items()})
