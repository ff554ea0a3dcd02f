"""Named scoring functions: programmatic rewards a PPO job can use instead of a reward model.

A job names one as `scoring_function`, either bare ("length") or with an argument after a colon
("contains:thanks", "keywords:yes,sure"). Each function maps (prompt, completion) text to a
float. Functions compose with weights: terms "WEIGHT*name[:arg]" (the weight optional, 1 when
left out) joined by " + " (spaces around the plus) score as the weighted sum, e.g.
"0.7*length:40 + 0.3*contains:thanks" or "keywords:yes,sure + -0.5*contains:sorry".
Torch-free, so the gateway can validate names cheaply.

Register more with the decorator:

    @register_scoring("polite")
    def polite(prompt: str, completion: str, arg: str | None) -> float: ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

ScoreFn = Callable[[str, str, "str | None"], float]


@dataclass(frozen=True)
class _Entry:
    fn: ScoreFn
    arg: str  # "none", "optional" or "required"
    help: str


_REGISTRY: dict[str, _Entry] = {}


def register_scoring(name: str, *, arg: str = "none", help: str = "") -> Callable[[ScoreFn], ScoreFn]:
    """Register `fn(prompt, completion, arg) -> float` under `name`; `arg` says whether the
    name takes a ":argument" ("none", "optional", "required")."""
    if not name or ":" in name:
        raise ValueError(f"a scoring function name must be non-empty and colon-free, got {name!r}")
    if arg not in ("none", "optional", "required"):
        raise ValueError(f"arg must be none, optional or required, got {arg!r}")

    def wrap(fn: ScoreFn) -> ScoreFn:
        if name in _REGISTRY:
            raise ValueError(f"scoring function {name!r} is already registered")
        _REGISTRY[name] = _Entry(fn, arg, help or (fn.__doc__ or "").strip().split("\n")[0])
        return fn

    return wrap


def available() -> dict[str, str]:
    """Registered names with a one-line description each."""
    return {name: e.help for name, e in sorted(_REGISTRY.items())}


TERM_SEPARATOR = " + "


def resolve(spec: str) -> Callable[[str, str], float]:
    """ "name", "name:arg" or a weighted sum of them ("0.7*length + 0.3*contains:thanks") -> a
    function of (prompt, completion). ValueError when a name is unknown, an argument missing,
    unexpected or malformed, or a weight not a finite number."""
    if not isinstance(spec, str) or not spec:
        raise ValueError(f"must be a scoring function name, got {spec!r}")
    if TERM_SEPARATOR not in spec and not _weight_prefix(spec)[1]:
        return _resolve_one(spec)
    terms = []
    for term in spec.split(TERM_SEPARATOR):
        weight, rest = _weight_prefix(term.strip())
        terms.append((weight, _resolve_one(rest)))

    def weighted(prompt: str, completion: str) -> float:
        return sum(w * fn(prompt, completion) for w, fn in terms)

    return weighted


def _weight_prefix(term: str) -> tuple[float, str]:
    """ "0.5*name:arg" -> (0.5, "name:arg"); a term without a numeric "W*" prefix -> (1, term)
    (a "*" inside an argument is left alone)."""
    import math

    head, sep, rest = term.partition("*")
    if not sep:
        return 1.0, term
    try:
        weight = float(head)
    except ValueError:
        return 1.0, term
    if not math.isfinite(weight):
        raise ValueError(f"the weight of {term!r} must be a finite number")
    return weight, rest.strip()


def _resolve_one(spec: str) -> Callable[[str, str], float]:
    if not spec:
        raise ValueError("an empty term in a weighted scoring function")
    name, sep, arg = spec.partition(":")
    entry = _REGISTRY.get(name)
    if entry is None:
        raise ValueError(f"unknown scoring function {name!r} (known: {', '.join(sorted(_REGISTRY))})")
    if entry.arg == "none" and sep:
        raise ValueError(f"scoring function {name!r} takes no argument, got {arg!r}")
    if entry.arg == "required" and not arg:
        raise ValueError(f"scoring function {name!r} needs an argument: {name}:<value>")
    value = arg if sep else None
    try:  # fail now, not mid-job, on an argument the function cannot parse
        entry.fn("", "", value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"bad argument {arg!r} for scoring function {name!r}: {e}") from None

    def score(prompt: str, completion: str) -> float:
        return float(entry.fn(prompt, completion, value))

    return score


def _required(arg: str | None) -> str:
    # resolve() refuses a missing argument first; this only narrows the type for the functions.
    if arg is None:
        raise ValueError("needs an argument")
    return arg


# -- built-ins ------------------------------------------------------------------------------------


@register_scoring(
    "length", arg="optional", help="longer is better (chars/100, at most 1); length:N peaks at N characters"
)
def _length(prompt: str, completion: str, arg: str | None) -> float:
    n = len(completion.strip())
    if arg is None:
        return min(n / 100.0, 1.0)
    target = int(arg)
    if target < 1:
        raise ValueError(f"length target must be >= 1, got {target}")
    return max(1.0 - abs(n - target) / target, -1.0)


@register_scoring("contains", arg="required", help="1 if the completion contains the word (case-insensitive), else 0")
def _contains(prompt: str, completion: str, arg: str | None) -> float:
    return float(_required(arg).lower() in completion.lower())


@register_scoring("keywords", arg="required", help="share of the comma-separated keywords that the completion mentions")
def _keywords(prompt: str, completion: str, arg: str | None) -> float:
    words = [w.strip().lower() for w in _required(arg).split(",") if w.strip()]
    if not words:
        raise ValueError("keywords needs at least one non-empty word")
    text = completion.lower()
    return sum(w in text for w in words) / len(words)


@register_scoring(
    "charset", arg="required", help="share of the completion's non-space characters that are in the given set"
)
def _charset(prompt: str, completion: str, arg: str | None) -> float:
    # A dense reward: every token moves it a little, which suits smoke tests on tiny models.
    chars = [c for c in completion if not c.isspace()]
    if not chars:
        return 0.0
    allowed = set(_required(arg))
    return sum(c in allowed for c in chars) / len(chars)
