"""Human feedback on samples, and its export as training data.

Part of KilnClient (kiln.client), which combines one such class per service."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kiln._transport import Transport
from kiln.messages import build, enum_number
from kiln.v1 import feedback_pb2


class FeedbackCalls(Transport):
    """Calls of FeedbackService."""

    def submit_feedback(
        self,
        sample_id: str = "",
        *,
        rating: float | None = None,
        scale: tuple[float, float] | None = None,
        thumbs: bool | None = None,
        correction: str | None = None,
        preference: Mapping[str, str] | None = None,
        comment: str = "",
        tags: Iterable[str] = (),
        user_id: str = "",
        source: str = "",
        feedback_id: str = "",
    ) -> feedback_pb2.Feedback:
        """Records one judgement of a sample: exactly one of rating, thumbs, correction, preference.

        rating is on `scale` (min, max), 1 to 5 by default. preference takes Preference fields:
        {"chosen_sample_id", "rejected_sample_id"} or {"prompt", "chosen_text", "rejected_text"},
        with sample_id left empty. A feedback_id makes retries safe: resending it stores nothing new.
        """
        signals = {"rating": rating, "thumbs": thumbs, "correction": correction, "preference": preference}
        given = [name for name, value in signals.items() if value is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of rating, thumbs, correction, preference (got {given or 'none'})")
        feedback = feedback_pb2.Feedback(
            sample_id=sample_id, comment=comment, tags=list(tags), user_id=user_id, source=source
        )
        if rating is not None:
            lo, hi = scale or (0.0, 0.0)
            feedback.rating.CopyFrom(feedback_pb2.Rating(value=rating, scale_min=lo, scale_max=hi))
        elif thumbs is not None:
            feedback.thumbs.CopyFrom(feedback_pb2.Thumbs(up=thumbs))
        elif correction is not None:
            feedback.correction.CopyFrom(feedback_pb2.Correction(text=correction))
        else:
            feedback.preference.CopyFrom(build(feedback_pb2.Preference, preference or {}, "preference"))
        request = feedback_pb2.SubmitFeedbackRequest(feedback=feedback, feedback_id=feedback_id)
        return self._call(self._feedback.SubmitFeedback, request)

    def stream_feedback(
        self, requests: Iterable[feedback_pb2.SubmitFeedbackRequest]
    ) -> Iterator[feedback_pb2.StreamFeedbackResponse]:
        """Sends many SubmitFeedbackRequests over one call; yields one ack per request, in order.

        A rejected record is reported in its ack (code, field, message), not raised. Give every
        request a feedback_id: after a KilnError (e.g. UNAVAILABLE) resend the unacknowledged ones.
        """
        return self._stream(self._feedback.StreamFeedback, iter(requests))

    def list_feedback(self, page_size: int = 50, **filter: Any) -> Iterator[feedback_pb2.Feedback]:
        """The caller's feedback, newest first; filter takes FeedbackFilter fields (model, tag,
        user_id, source, start_time, end_time)."""
        request = feedback_pb2.ListFeedbackRequest(
            page_size=page_size, filter=build(feedback_pb2.FeedbackFilter, filter, "filter")
        )
        return self._paginate(self._feedback.ListFeedback, request, "feedback")

    def export_feedback(
        self,
        kind: str | int = "preference_pairs",
        *,
        filter: Mapping[str, Any] | None = None,
        pairing: Mapping[str, Any] | None = None,
        display_name: str = "",
        request_id: str = "",
    ) -> feedback_pb2.ExportFeedbackResponse:
        """Writes matching feedback to a new dataset; kind is "preference_pairs" or "prompts".

        pairing takes PreferencePairing fields: {"min_rating_gap": 0.25, "ties": "both_orders",
        "max_pairs_per_prompt": 4}. Nothing to write is a KilnError FAILED_PRECONDITION.
        """
        request = feedback_pb2.ExportFeedbackRequest(
            kind=enum_number(feedback_pb2.FeedbackExportKind.DESCRIPTOR, kind, "kind"),
            filter=build(feedback_pb2.FeedbackFilter, filter or {}, "filter"),
            pairing=build(feedback_pb2.PreferencePairing, pairing or {}, "pairing"),
            display_name=display_name,
            request_id=request_id,
        )
        return self._call(self._feedback.ExportFeedback, request)
