"""Turning stored feedback into dataset records: the PreferencePairing rules and prompt sets.

Pure functions over `FeedbackRecord`s (oldest first), so every rule and counter is tested with
hand-worked examples in tests/unit/test_feedback_export.py.

Preference pairs, in the order they are written:
  1. each preference as given, and each correction as (corrected text over the sample's text),
     in feedback order; these bypass the rules below;
  2. per prompt (prompts in the order first seen), pairs of scored samples, largest score
     difference first. A rating scores (value - min) / (max - min), thumbs 1 or 0, and a sample
     judged several times scores the mean. Every two samples of one prompt are one candidate:
     equal scores are a tie (dropped, or written in both orders), a difference below
     min_rating_gap is dropped, anything else is written higher-score-chosen; then at most
     max_pairs_per_prompt pairs are kept per prompt, largest difference first, ties last.

A tie written in both orders is kept or dropped as a whole by max_pairs_per_prompt: one order
alone would claim a preference the feedback never expressed. Counters count candidates, so per
prompt with n scored samples: n*(n-1)/2 = written + dropped_tie + dropped_gap + dropped_limit
candidates.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from enum import StrEnum

from kiln.v1 import feedback_pb2
from kiln_server.feedback.submission import FeedbackFilter, FeedbackRecord, parse_filter, scale_of
from kiln_server.platform.errors import FieldViolation, InvalidArgument

# Scores are means of fractions; closer than this they are treated as equal (a tie), and a
# difference this close below min_rating_gap still counts as reaching it (so 0.25 keeps a
# one-star difference on a 1 to 5 scale however the floats round).
EPS = 1e-9


class Ties(StrEnum):
    DROP = "drop"
    BOTH_ORDERS = "both_orders"


@dataclass(frozen=True)
class Pairing:
    min_rating_gap: float = 0.0  # in [0, 1)
    ties: Ties = Ties.DROP
    max_pairs_per_prompt: int = 0  # 0: no limit


@dataclass
class ExportResult:
    records: list[dict]  # dataset lines: {"prompt", "chosen", "rejected"} or {"prompt"}
    matched: int = 0
    dropped_tie: int = 0
    dropped_gap: int = 0
    dropped_limit: int = 0
    unused: int = 0


def score(record: FeedbackRecord) -> float | None:
    """A rating or thumbs as a score in [0, 1]; None for other kinds."""
    if record.kind == "rating":
        lo, hi = scale_of(record.signal["scale_min"], record.signal["scale_max"])
        return (record.signal["value"] - lo) / (hi - lo)
    if record.kind == "thumbs":
        return 1.0 if record.signal["up"] else 0.0
    return None


def _blank(*texts: str) -> bool:
    return any(not t.strip() for t in texts)


@dataclass
class _Scored:
    """One sample with every score its feedback gave it."""

    text: str
    scores: list[float] = field(default_factory=list)
    used: bool = False

    @property
    def mean(self) -> float:
        return sum(self.scores) / len(self.scores)


@dataclass
class _Candidate:
    gap: float
    pairs: list[tuple[_Scored, _Scored]]  # (chosen, rejected); two for a tie in both orders


def preference_pairs(records: list[FeedbackRecord], pairing: Pairing) -> ExportResult:
    result = ExportResult(records=[], matched=len(records))
    groups: dict[str, dict[str, _Scored]] = {}  # prompt -> sample_id -> sample, both first-seen order
    for r in records:
        if r.kind in ("preference", "correction"):
            chosen, rejected = (
                (r.chosen_text, r.rejected_text) if r.kind == "preference" else (r.signal["text"], r.text)
            )
            if _blank(r.prompt, chosen, rejected) or chosen == rejected:
                result.unused += 1
                continue
            result.records.append({"prompt": r.prompt, "chosen": chosen, "rejected": rejected})
        elif (s := score(r)) is not None and not _blank(r.prompt, r.text):
            groups.setdefault(r.prompt, {}).setdefault(r.sample_id, _Scored(r.text)).scores.append(s)
        else:  # a kind this version cannot pair, or a sample with an empty text
            result.unused += 1

    for prompt, by_sample in groups.items():
        samples = list(by_sample.values())
        kept = _limit(_candidates(samples, pairing, result), pairing.max_pairs_per_prompt, result)
        for candidate in kept:
            for chosen, rejected in candidate.pairs:
                chosen.used = rejected.used = True
                result.records.append({"prompt": prompt, "chosen": chosen.text, "rejected": rejected.text})
        result.unused += sum(len(s.scores) for s in samples if not s.used)
    return result


def _candidates(samples: list[_Scored], pairing: Pairing, result: ExportResult) -> list[_Candidate]:
    out = []
    for i, a in enumerate(samples):
        for b in samples[i + 1 :]:
            gap = abs(a.mean - b.mean)
            if gap <= EPS:
                if pairing.ties == Ties.BOTH_ORDERS:
                    out.append(_Candidate(0.0, [(a, b), (b, a)]))
                else:
                    result.dropped_tie += 1
            elif gap < pairing.min_rating_gap - EPS:
                result.dropped_gap += 1
            else:
                out.append(_Candidate(gap, [(a, b) if a.mean > b.mean else (b, a)]))
    return out


def _limit(candidates: list[_Candidate], max_pairs: int, result: ExportResult) -> list[_Candidate]:
    ordered = sorted(candidates, key=lambda c: -c.gap)  # stable: equal gaps keep first-seen order
    if not max_pairs:
        return ordered
    kept, slots = [], max_pairs
    for candidate in ordered:
        if len(candidate.pairs) <= slots:
            kept.append(candidate)
            slots -= len(candidate.pairs)
        else:
            result.dropped_limit += 1
    return kept


def prompt_set(records: list[FeedbackRecord]) -> ExportResult:
    """The distinct prompts of the records, in the order first seen."""
    result = ExportResult(records=[], matched=len(records))
    seen: set[str] = set()
    for r in records:
        if _blank(r.prompt):
            result.unused += 1
        elif r.prompt not in seen:
            seen.add(r.prompt)
            result.records.append({"prompt": r.prompt})
    return result


# -- the request -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ExportSpec:
    kind: str  # "preference" (pairs) or "prompts": the dataset format written
    filter: FeedbackFilter
    pairing: Pairing
    display_name: str


_KINDS = {
    feedback_pb2.FEEDBACK_EXPORT_KIND_PREFERENCE_PAIRS: "preference",
    feedback_pb2.FEEDBACK_EXPORT_KIND_PROMPTS: "prompts",
}
_TIES = {
    feedback_pb2.TIE_HANDLING_UNSPECIFIED: Ties.DROP,
    feedback_pb2.TIE_HANDLING_DROP: Ties.DROP,
    feedback_pb2.TIE_HANDLING_BOTH_ORDERS: Ties.BOTH_ORDERS,
}


def parse_export(request, now_s: float) -> ExportSpec:
    """Checks an ExportFeedbackRequest; all violations are reported at once."""
    bad: list[FieldViolation] = []
    kind = _KINDS.get(request.kind)
    if kind is None:
        bad.append(FieldViolation("kind", "required: PREFERENCE_PAIRS or PROMPTS"))
    if len(request.display_name) > 200:
        bad.append(FieldViolation("display_name", f"at most 200 characters, got {len(request.display_name)}"))
    if len(request.request_id) > 128:
        bad.append(FieldViolation("request_id", "at most 128 characters"))
    p = request.pairing
    if kind == "preference":
        if not (math.isfinite(p.min_rating_gap) and 0 <= p.min_rating_gap < 1):
            bad.append(FieldViolation("pairing.min_rating_gap", f"must be in [0, 1), got {p.min_rating_gap}"))
        if p.ties not in _TIES:
            bad.append(FieldViolation("pairing.ties", f"unknown tie handling {p.ties}"))
    flt = FeedbackFilter()
    try:
        flt = parse_filter(request.filter)
    except InvalidArgument as exc:
        bad += exc.violations
    if bad:
        raise InvalidArgument(bad)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(now_s))
    return ExportSpec(
        kind=kind,
        filter=flt,
        display_name=request.display_name or f"feedback export {stamp}",
        pairing=Pairing(p.min_rating_gap, _TIES[p.ties], p.max_pairs_per_prompt) if kind == "preference" else Pairing(),
    )
