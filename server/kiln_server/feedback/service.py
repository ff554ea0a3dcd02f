"""FeedbackService: submit (one or streamed), list and export feedback; rules in server/kiln_server/feedback/."""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Iterator

import redis.exceptions

from kiln.v1 import feedback_pb2, feedback_pb2_grpc
from kiln_server.datasets.record import DatasetRecord
from kiln_server.datasets.writer import DatasetWriter
from kiln_server.feedback.export import ExportResult, parse_export, preference_pairs, prompt_set
from kiln_server.feedback.record import FeedbackRecord
from kiln_server.feedback.store import FeedbackStore
from kiln_server.feedback.submission import (
    SIGNALS,
    AlreadyExists,
    Submission,
    parse_filter,
    parse_submission,
    resolve,
)
from kiln_server.platform import names
from kiln_server.platform.context import current_tenant
from kiln_server.platform.errors import FailedPrecondition, InvalidArgument, NotFound, Unavailable
from kiln_server.platform.pagination import Cursor, decode_token, encode_token, page_size_of
from kiln_server.sampling.samples import SampleStore

# Errors that belong to one record of a StreamFeedback call: its ack reports them and the call
# goes on. Anything else (Redis down, a bug) ends the call; acknowledged records stay stored.
_RECORD_ERRORS = (InvalidArgument, NotFound, AlreadyExists)
_COUNTERS = (
    "matched_feedback_count",
    "record_count",
    "dropped_tie_count",
    "dropped_gap_count",
    "dropped_limit_count",
    "unused_feedback_count",
)


class FeedbackService(feedback_pb2_grpc.FeedbackServiceServicer):
    def __init__(self, feedback: FeedbackStore, samples: SampleStore, exports: DatasetWriter):
        """`exports` writes through an ExportDatasetStore: export request_ids are their own namespace."""
        self.feedback = feedback
        self.samples = samples
        self.exports = exports

    async def SubmitFeedback(self, request, context):
        with _redis_unavailable():
            record, _ = await self._submit(current_tenant(), request)
        return feedback_proto(record)

    async def StreamFeedback(self, request_iterator, context):
        tenant = current_tenant()
        accepted = rejected = 0
        sequence = 0
        async for request in request_iterator:
            try:
                with _redis_unavailable():
                    record, duplicate = await self._submit(tenant, request)
            except _RECORD_ERRORS as exc:
                rejected += 1
                yield feedback_pb2.StreamFeedbackResponse(
                    sequence=sequence,
                    code=exc.code.value[0],
                    field=_field_of(exc),
                    message=exc.message,
                    accepted_count=accepted,
                    rejected_count=rejected,
                )
            else:
                accepted += 1
                yield feedback_pb2.StreamFeedbackResponse(
                    sequence=sequence,
                    name=names.name_of("feedback", record.feedback_id),
                    duplicate=duplicate,
                    accepted_count=accepted,
                    rejected_count=rejected,
                )
            sequence += 1

    async def ListFeedback(self, request, context):
        tenant = current_tenant()
        flt = parse_filter(request.filter)
        size = page_size_of(request.page_size)
        query, scope = f"{tenant}/feedback:{flt.fingerprint()}", self.feedback.keys.prefix
        cursor = decode_token(request.page_token, query, scope)
        with _redis_unavailable():
            records, more = await self.feedback.newest_first(tenant, flt, cursor.seen[0] if cursor else "", size)
        token = encode_token(Cursor(0.0, [records[-1].entry_id]), query, scope) if more and records else ""
        return feedback_pb2.ListFeedbackResponse(feedback=[feedback_proto(r) for r in records], next_page_token=token)

    async def ExportFeedback(self, request, context):
        tenant = current_tenant()
        spec = parse_export(request, time.time())
        fingerprint = hashlib.sha256(request.SerializeToString(deterministic=True)).hexdigest()[:32]
        with _redis_unavailable(), _reused_request_id():
            if (earlier := await self.exports.store.seen_request(tenant, request.request_id, fingerprint)) is not None:
                return await self._export_response(tenant, earlier)
            records = [r async for r in self.feedback.oldest_first(tenant, spec.filter)]
            result = preference_pairs(records, spec.pairing) if spec.kind == "preference" else prompt_set(records)
            if not result.records:
                raise FailedPrecondition(
                    f"nothing to export: {result.matched} feedback records matched the filter and none "
                    f"yields a {spec.kind} record; no dataset was created",
                    subject="filter",
                    violation_type="EMPTY_EXPORT",
                )
            dataset = await self.exports.commit(
                tenant,
                _jsonl(result.records),
                fmt=spec.kind,
                display_name=spec.display_name,
                request_id=request.request_id,
                fingerprint=fingerprint,
                feedback_export=_counters(result),
            )
        return _export_response(dataset)

    async def _submit(self, tenant: str, request) -> tuple[FeedbackRecord, bool]:
        """Stores one request; (record, True) when its feedback_id was stored before."""
        sub = parse_submission(request)
        # Resends are answered before the samples are looked up: a sample may expire after the
        # first submit, and the resend must still be recognised as one.
        if sub.feedback_id and (earlier := await self.feedback.find(tenant, sub.feedback_id)):
            return _same_content(sub, *earlier), True
        feedback_id = sub.feedback_id or names.new_id("feedback")
        record = await resolve(sub, feedback_id, lambda sample_id: self.samples.get(tenant, sample_id))
        created, _ = await self.feedback.append(tenant, record, sub.fingerprint)
        if created:
            return record, False
        # A concurrent call with the same feedback_id stored it between find() and append().
        return _same_content(sub, *await self.feedback.find(tenant, feedback_id)), True

    async def _export_response(self, tenant: str, dataset_id: str) -> feedback_pb2.ExportFeedbackResponse:
        dataset = await self.exports.store.get(tenant, dataset_id)
        if dataset is None:
            raise FailedPrecondition(
                f"the export with this request_id created datasets/{dataset_id}, which has since been "
                "deleted; use a new request_id to export again",
                subject=f"datasets/{dataset_id}",
            )
        return _export_response(dataset)


def _same_content(sub: Submission, earlier: FeedbackRecord, fingerprint: str) -> FeedbackRecord:
    if fingerprint != sub.fingerprint:
        name = names.name_of("feedback", earlier.feedback_id)
        raise AlreadyExists(
            "feedback",
            name,
            f"{name} already exists with different content; use a new feedback_id for new feedback",
            field="feedback_id",
        )
    return earlier


def feedback_proto(r: FeedbackRecord) -> feedback_pb2.Feedback:
    fb = feedback_pb2.Feedback(
        name=names.name_of("feedback", r.feedback_id),
        sample_id=r.sample_id,
        comment=r.comment,
        tags=r.tags,
        user_id=r.user_id,
        source=r.source,
        model=r.model,
        # A kind stored by a newer gateway is left out: clients skip records without a signal they know.
        **({r.kind: r.signal} if r.kind in SIGNALS else {}),
    )
    fb.create_time.FromMilliseconds(r.create_ms)
    return fb


def _counters(result: ExportResult) -> dict[str, int]:
    values = (
        result.matched,
        len(result.records),
        result.dropped_tie,
        result.dropped_gap,
        result.dropped_limit,
        result.unused,
    )
    return dict(zip(_COUNTERS, values, strict=True))


def _export_response(dataset: DatasetRecord) -> feedback_pb2.ExportFeedbackResponse:
    return feedback_pb2.ExportFeedbackResponse(
        dataset=names.name_of("datasets", dataset.id), **(dataset.feedback_export or {})
    )


def _jsonl(records: list[dict]) -> Iterator[bytes]:
    for r in records:
        yield json.dumps(r, ensure_ascii=False).encode() + b"\n"


def _field_of(exc: Exception) -> str:
    if isinstance(exc, InvalidArgument):
        return exc.violations[0].field if exc.violations else ""
    return getattr(exc, "field", "")


@contextlib.contextmanager
def _redis_unavailable() -> Iterator[None]:
    try:
        yield
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError) as exc:
        raise Unavailable(
            f"the feedback store is unreachable ({type(exc).__name__}); unacknowledged "
            "feedback was not stored, resend it"
        ) from exc


@contextlib.contextmanager
def _reused_request_id() -> Iterator[None]:
    # The dataset store words this for its own kind; say what it means for an export.
    try:
        yield
    except InvalidArgument as exc:
        if [v.field for v in exc.violations] != ["request_id"] or "already used" not in exc.message:
            raise
        raise InvalidArgument.field(
            "request_id", "already used for a different export; a retry must repeat the first request exactly"
        ) from exc
