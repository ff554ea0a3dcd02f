"""Search spaces and objectives as plain Python values (or the YAML/JSON a CLI user writes), to
SearchParameter and Objective protos.

A space maps each target field path of the job to its domain:

    hyperparameters.learning_rate: {low: 1.0e-4, high: 1.0e-2, log: true}   # float range
    hyperparameters.warmup_steps: {low: 0, high: 20, step: 5}                # int range (both ints)
    sft.lora.dropout: {low: 0, high: 0.2, type: float}                        # say float explicitly
    sft.tuning: {choices: [FULL, LORA]}                                       # categorical
    sft.lora.rank: {low: 4, high: 32, log: true, when: {sft.tuning: [LORA]}}  # conditional

Numbers written as text ("1e-4", which YAML 1.1 reads as a string) are accepted. An objective is
"metric:min" or "metric:max" (min when the direction is left out).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kiln.v1 import sweeps_pb2

_DIRECTIONS = {
    "min": sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE,
    "minimize": sweeps_pb2.OBJECTIVE_DIRECTION_MINIMIZE,
    "max": sweeps_pb2.OBJECTIVE_DIRECTION_MAXIMIZE,
    "maximize": sweeps_pb2.OBJECTIVE_DIRECTION_MAXIMIZE,
}
_KEYS = {"low", "high", "log", "step", "type", "choices", "when"}


def _number(value: Any, what: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None


def parameter(target: str, spec: Mapping[str, Any]) -> sweeps_pb2.SearchParameter:
    unknown = sorted(set(spec) - _KEYS)
    if unknown:
        raise ValueError(f"{target}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_KEYS))})")
    p = sweeps_pb2.SearchParameter(target=target)
    if "choices" in spec:
        p.categorical.values.extend(str(c).lower() if isinstance(c, bool) else str(c) for c in spec["choices"])
    elif "low" in spec and "high" in spec:
        low, high = spec["low"], spec["high"]
        kind = spec.get("type") or (
            "int" if all(isinstance(v, int) and not isinstance(v, bool) for v in (low, high)) else "float"
        )
        if kind == "int":
            p.int_range.CopyFrom(
                sweeps_pb2.IntRange(
                    low=int(low), high=int(high), log=bool(spec.get("log")), step=int(spec.get("step", 0))
                )
            )
        elif kind == "float":
            p.float_range.CopyFrom(
                sweeps_pb2.FloatRange(
                    low=_number(low, f"{target}.low"),
                    high=_number(high, f"{target}.high"),
                    log=bool(spec.get("log")),
                    step=_number(spec.get("step", 0), f"{target}.step"),
                )
            )
        else:
            raise ValueError(f"{target}: type must be int or float, got {kind!r}")
    else:
        raise ValueError(f"{target}: give choices, or low and high")
    when = spec.get("when")
    if when:
        if not isinstance(when, Mapping) or len(when) != 1:
            raise ValueError(f"{target}: when must name one parameter and its values, e.g. {{sft.tuning: [LORA]}}")
        ((parent, values),) = when.items()
        values = values if isinstance(values, list | tuple) else [values]
        p.condition.CopyFrom(sweeps_pb2.Condition(parameter=parent, values=[str(v) for v in values]))
    return p


def search_space(
    space: Mapping[str, Mapping[str, Any]] | Iterable[sweeps_pb2.SearchParameter],
) -> list[sweeps_pb2.SearchParameter]:
    """SearchParameters from a {target: domain} mapping (or SearchParameters as they are)."""
    if isinstance(space, Mapping):
        return [parameter(target, spec) for target, spec in space.items()]
    return list(space)


def objective(text: str | sweeps_pb2.Objective) -> sweeps_pb2.Objective:
    """ "val_loss:min" -> Objective(val_loss, MINIMIZE)."""
    if isinstance(text, sweeps_pb2.Objective):
        return text
    metric, _, direction = text.partition(":")
    if direction.lower() not in ("", *_DIRECTIONS):
        raise ValueError(f"objective direction must be min or max, got {direction!r} in {text!r}")
    return sweeps_pb2.Objective(metric=metric, direction=_DIRECTIONS[direction.lower() or "min"])
