"""Feedback on samples: checking a submission, the record that is stored, and list/export filters.

Everything here is plain Python: `parse_submission` reads the request proto (the conversion
boundary) and returns a `Submission`; `resolve` looks the judged samples up through an injected
function and returns the `FeedbackRecord` to store, with the samples' prompt and texts copied in
so an export still works after the samples' TTL. Tested without a server or Redis.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass

import grpc
from google.rpc import error_details_pb2

from kiln_server.feedback.record import FeedbackRecord
from kiln_server.platform import names
from kiln_server.platform.errors import FieldViolation, InvalidArgument, KilnError, NotFound
from kiln_server.sampling.record import SampleRecord

SIGNALS = ("rating", "thumbs", "preference", "correction")
FEEDBACK_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_TAGS, MAX_TAG_CHARS = 32, 64
MAX_COMMENT_CHARS, MAX_USER_ID_CHARS, MAX_SOURCE_CHARS = 4000, 128, 64
# A Rating with scale_min and scale_max both 0 means the usual five stars.
DEFAULT_SCALE = (1.0, 5.0)

SampleLookup = Callable[[str], Awaitable[SampleRecord | None]]


class AlreadyExists(KilnError):
    """A feedback_id that is already stored with different content."""

    code = grpc.StatusCode.ALREADY_EXISTS

    def __init__(self, resource_type: str, resource_name: str, message: str, field: str = ""):
        super().__init__(message)
        self.resource_type = resource_type
        self.resource_name = resource_name
        self.field = field

    def details(self) -> list:
        return [
            error_details_pb2.ResourceInfo(
                resource_type=self.resource_type, resource_name=self.resource_name, description=self.message
            )
        ]


class SampleNotFound(NotFound):
    """NOT_FOUND for a sample id, remembering which request field named it (for stream acks)."""

    def __init__(self, sample_name: str, field: str):
        super().__init__(
            "sample", sample_name, f"sample {sample_name!r} not found: never generated for this tenant, or expired"
        )
        self.field = field


def scale_of(scale_min: float, scale_max: float) -> tuple[float, float]:
    """The effective (min, max) of a Rating's scale."""
    return DEFAULT_SCALE if scale_min == 0 and scale_max == 0 else (scale_min, scale_max)


@dataclass(frozen=True)
class Submission:
    """A checked SubmitFeedbackRequest: content as given, ids still unresolved."""

    feedback_id: str  # "" lets the server choose one
    kind: str  # one of SIGNALS
    signal: dict  # the oneof member's fields as given, e.g. {"up": True}
    sample_id: str  # "samples/{id}" for rating, thumbs and correction; "" for preference
    comment: str
    tags: tuple[str, ...]
    user_id: str
    source: str
    fingerprint: str  # of the user-supplied content: a resend must match it exactly


# -- checking a submission -------------------------------------------------------------------------
class _Violations:
    def __init__(self) -> None:
        self.items: list[FieldViolation] = []

    def add(self, path: str, description: str) -> None:
        self.items.append(FieldViolation(path, description))

    def raise_any(self) -> None:
        if self.items:
            raise InvalidArgument(self.items)


def _blank(text: str) -> bool:
    # Dataset records reject whitespace-only strings, so feedback that would export them is refused.
    return not text.strip()


def parse_submission(request) -> Submission:
    """Checks every field of a SubmitFeedbackRequest; all violations are reported at once."""
    bad = _Violations()
    if request.feedback_id and not FEEDBACK_ID.match(request.feedback_id):
        bad.add("feedback_id", "must be 1 to 64 characters from A-Z, a-z, 0-9, '_' and '-'")
    if not request.HasField("feedback"):
        bad.add("feedback", "required")
        bad.raise_any()
    fb = request.feedback
    kind = fb.WhichOneof("signal")
    signal: dict = {}
    if kind is None:
        bad.add("feedback.signal", "required: one of rating, thumbs, preference or correction")
    elif kind == "rating":
        signal = _rating(fb.rating, bad)
    elif kind == "thumbs":
        signal = {"up": fb.thumbs.up}
    elif kind == "preference":
        signal = _preference(fb.preference, bad)
    else:
        signal = {"text": fb.correction.text}
        if _blank(fb.correction.text):
            bad.add("feedback.correction.text", "required: the completion as it should have been")

    sample_id = fb.sample_id
    if kind == "preference":
        if sample_id:
            bad.add("feedback.sample_id", "must be empty for a preference, which names its own samples")
    elif kind is not None:
        if not sample_id:
            bad.add("feedback.sample_id", f"required for {kind} feedback")
        else:
            _sample_name(sample_id, "feedback.sample_id", bad)

    if len(fb.tags) > MAX_TAGS:
        bad.add("feedback.tags", f"at most {MAX_TAGS} tags, got {len(fb.tags)}")
    for i, tag in enumerate(fb.tags):
        if not 1 <= len(tag) <= MAX_TAG_CHARS:
            bad.add(f"feedback.tags[{i}]", f"must be 1 to {MAX_TAG_CHARS} characters, got {len(tag)}")
    for name, limit in (("comment", MAX_COMMENT_CHARS), ("user_id", MAX_USER_ID_CHARS), ("source", MAX_SOURCE_CHARS)):
        if len(getattr(fb, name)) > limit:
            bad.add(f"feedback.{name}", f"at most {limit} characters, got {len(getattr(fb, name))}")
    bad.raise_any()

    content = type(fb)()
    content.CopyFrom(fb)
    for output_only in ("name", "model", "create_time"):
        content.ClearField(output_only)
    return Submission(
        feedback_id=request.feedback_id,
        kind=kind,
        signal=signal,
        sample_id=sample_id,
        comment=fb.comment,
        tags=tuple(fb.tags),
        user_id=fb.user_id,
        source=fb.source,
        fingerprint=hashlib.sha256(content.SerializeToString(deterministic=True)).hexdigest()[:32],
    )


def _rating(rating, bad: _Violations) -> dict:
    values = {"value": rating.value, "scale_min": rating.scale_min, "scale_max": rating.scale_max}
    for name, v in values.items():
        if not math.isfinite(v):
            bad.add(f"feedback.rating.{name}", f"must be a finite number, got {v}")
    if not all(math.isfinite(v) for v in values.values()):
        return values
    lo, hi = scale_of(rating.scale_min, rating.scale_max)
    if hi <= lo:
        bad.add("feedback.rating.scale_max", f"must be greater than scale_min ({lo:g}), got {hi:g}")
    elif not lo <= rating.value <= hi:
        bad.add("feedback.rating.value", f"must be within the scale [{lo:g}, {hi:g}], got {rating.value:g}")
    return values


def _preference(pref, bad: _Violations) -> dict:
    signal = {
        k: getattr(pref, k)
        for k in ("chosen_sample_id", "rejected_sample_id", "prompt", "chosen_text", "rejected_text")
    }
    by_ids = [k for k in ("chosen_sample_id", "rejected_sample_id") if signal[k]]
    by_texts = [k for k in ("prompt", "chosen_text", "rejected_text") if signal[k]]
    if by_ids and by_texts:
        for k in by_texts:
            bad.add(
                f"feedback.preference.{k}",
                "must be empty when the preference names sample ids; "
                "give either both sample ids or prompt, chosen_text and rejected_text",
            )
    elif by_ids:
        for k in ("chosen_sample_id", "rejected_sample_id"):
            if not signal[k]:
                bad.add(f"feedback.preference.{k}", "required: a preference by sample ids needs both")
            else:
                _sample_name(signal[k], f"feedback.preference.{k}", bad)
        if signal["chosen_sample_id"] and signal["chosen_sample_id"] == signal["rejected_sample_id"]:
            bad.add("feedback.preference.rejected_sample_id", "must differ from chosen_sample_id")
    else:
        for k in ("prompt", "chosen_text", "rejected_text"):
            if _blank(signal[k]):
                bad.add(
                    f"feedback.preference.{k}",
                    "required: give both sample ids, or prompt, chosen_text and rejected_text",
                )
        if signal["chosen_text"] and signal["chosen_text"] == signal["rejected_text"]:
            bad.add("feedback.preference.rejected_text", "must differ from chosen_text")
    return signal


def _sample_name(name: str, path: str, bad: _Violations) -> None:
    try:
        names.parse(name, "samples", path)
    except InvalidArgument as exc:
        bad.items += exc.violations


# -- resolving the judged samples ------------------------------------------------------------------
async def resolve(sub: Submission, feedback_id: str, lookup: SampleLookup) -> FeedbackRecord:
    """The record to store: samples looked up (NOT_FOUND when missing), their content copied in."""
    record = FeedbackRecord(
        feedback_id=feedback_id,
        kind=sub.kind,
        signal=dict(sub.signal),
        sample_id=sub.sample_id,
        comment=sub.comment,
        tags=list(sub.tags),
        user_id=sub.user_id,
        source=sub.source,
    )
    if sub.kind == "preference":
        if sub.signal["chosen_sample_id"]:
            chosen = await _sample(sub.signal["chosen_sample_id"], "feedback.preference.chosen_sample_id", lookup)
            rejected = await _sample(sub.signal["rejected_sample_id"], "feedback.preference.rejected_sample_id", lookup)
            if chosen.prompt != rejected.prompt:
                raise InvalidArgument.field(
                    "feedback.preference.rejected_sample_id", "must answer the same prompt as chosen_sample_id"
                )
            record.prompt, record.chosen_text, record.rejected_text = chosen.prompt, chosen.text, rejected.text
            record.model = chosen.model
            record.models = list(dict.fromkeys([chosen.model, rejected.model]))
        else:
            record.prompt = sub.signal["prompt"]
            record.chosen_text, record.rejected_text = sub.signal["chosen_text"], sub.signal["rejected_text"]
        return record
    sample = await _sample(sub.sample_id, "feedback.sample_id", lookup)
    if sub.kind == "correction" and sub.signal["text"] == sample.text:
        raise InvalidArgument.field("feedback.correction.text", "is the same as the sample's own text")
    record.prompt, record.text, record.model, record.models = sample.prompt, sample.text, sample.model, [sample.model]
    return record


async def _sample(name: str, path: str, lookup: SampleLookup) -> SampleRecord:
    sample = await lookup(names.parse(name, "samples", path))
    if sample is None:
        raise SampleNotFound(name, path)
    return sample


# -- filters ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedbackFilter:
    """Which records a list or an export covers; unset fields match anything.

    Times are in whole milliseconds, the resolution of stream entry ids: a record stored at
    t_ms matches when min_ms <= t_ms <= max_ms.
    """

    model: str = ""
    min_ms: int | None = None
    max_ms: int | None = None
    tag: str = ""
    user_id: str = ""
    source: str = ""

    @classmethod
    def from_times(cls, start_ns: int | None, end_ns: int | None, **fields: str) -> FeedbackFilter:
        """start is inclusive and end exclusive, both in nanoseconds (a Timestamp's resolution)."""
        min_ms = -(-start_ns // 1_000_000) if start_ns is not None else None
        max_ms = -(-end_ns // 1_000_000) - 1 if end_ns is not None else None
        return cls(min_ms=min_ms, max_ms=max_ms, **fields)

    def keeps(self, r: FeedbackRecord) -> bool:
        return (
            (not self.model or self.model in r.models)
            and (not self.tag or self.tag in r.tags)
            and (not self.user_id or r.user_id == self.user_id)
            and (not self.source or r.source == self.source)
            and (self.min_ms is None or r.create_ms >= self.min_ms)
            and (self.max_ms is None or r.create_ms <= self.max_ms)
        )

    def fingerprint(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


def parse_filter(proto, path: str = "filter") -> FeedbackFilter:
    """A FeedbackFilter proto (possibly unset) -> FeedbackFilter; end before start is INVALID_ARGUMENT."""
    start = proto.start_time.ToNanoseconds() if proto.HasField("start_time") else None
    end = proto.end_time.ToNanoseconds() if proto.HasField("end_time") else None
    # Feedback is stored under stream ids counted from the epoch: earlier times cannot bound them.
    for name, value in (("start_time", start), ("end_time", end)):
        if value is not None and value < (1 if name == "end_time" else 0):
            raise InvalidArgument.field(f"{path}.{name}", "must be after 1970-01-01T00:00:00Z")
    if start is not None and end is not None and end <= start:
        raise InvalidArgument.field(f"{path}.end_time", f"must be after {path}.start_time")
    return FeedbackFilter.from_times(
        start, end, model=proto.model, tag=proto.tag, user_id=proto.user_id, source=proto.source
    )
