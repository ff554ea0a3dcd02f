import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class FeedbackExportKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FEEDBACK_EXPORT_KIND_UNSPECIFIED: _ClassVar[FeedbackExportKind]
    FEEDBACK_EXPORT_KIND_PREFERENCE_PAIRS: _ClassVar[FeedbackExportKind]
    FEEDBACK_EXPORT_KIND_PROMPTS: _ClassVar[FeedbackExportKind]

class TieHandling(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIE_HANDLING_UNSPECIFIED: _ClassVar[TieHandling]
    TIE_HANDLING_DROP: _ClassVar[TieHandling]
    TIE_HANDLING_BOTH_ORDERS: _ClassVar[TieHandling]
FEEDBACK_EXPORT_KIND_UNSPECIFIED: FeedbackExportKind
FEEDBACK_EXPORT_KIND_PREFERENCE_PAIRS: FeedbackExportKind
FEEDBACK_EXPORT_KIND_PROMPTS: FeedbackExportKind
TIE_HANDLING_UNSPECIFIED: TieHandling
TIE_HANDLING_DROP: TieHandling
TIE_HANDLING_BOTH_ORDERS: TieHandling

class Rating(_message.Message):
    __slots__ = ("value", "scale_min", "scale_max")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SCALE_MIN_FIELD_NUMBER: _ClassVar[int]
    SCALE_MAX_FIELD_NUMBER: _ClassVar[int]
    value: float
    scale_min: float
    scale_max: float
    def __init__(self, value: _Optional[float] = ..., scale_min: _Optional[float] = ..., scale_max: _Optional[float] = ...) -> None: ...

class Thumbs(_message.Message):
    __slots__ = ("up",)
    UP_FIELD_NUMBER: _ClassVar[int]
    up: bool
    def __init__(self, up: _Optional[bool] = ...) -> None: ...

class Preference(_message.Message):
    __slots__ = ("chosen_sample_id", "rejected_sample_id", "prompt", "chosen_text", "rejected_text")
    CHOSEN_SAMPLE_ID_FIELD_NUMBER: _ClassVar[int]
    REJECTED_SAMPLE_ID_FIELD_NUMBER: _ClassVar[int]
    PROMPT_FIELD_NUMBER: _ClassVar[int]
    CHOSEN_TEXT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_TEXT_FIELD_NUMBER: _ClassVar[int]
    chosen_sample_id: str
    rejected_sample_id: str
    prompt: str
    chosen_text: str
    rejected_text: str
    def __init__(self, chosen_sample_id: _Optional[str] = ..., rejected_sample_id: _Optional[str] = ..., prompt: _Optional[str] = ..., chosen_text: _Optional[str] = ..., rejected_text: _Optional[str] = ...) -> None: ...

class Correction(_message.Message):
    __slots__ = ("text",)
    TEXT_FIELD_NUMBER: _ClassVar[int]
    text: str
    def __init__(self, text: _Optional[str] = ...) -> None: ...

class Feedback(_message.Message):
    __slots__ = ("name", "sample_id", "rating", "thumbs", "preference", "correction", "comment", "tags", "user_id", "source", "model", "create_time")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_ID_FIELD_NUMBER: _ClassVar[int]
    RATING_FIELD_NUMBER: _ClassVar[int]
    THUMBS_FIELD_NUMBER: _ClassVar[int]
    PREFERENCE_FIELD_NUMBER: _ClassVar[int]
    CORRECTION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    sample_id: str
    rating: Rating
    thumbs: Thumbs
    preference: Preference
    correction: Correction
    comment: str
    tags: _containers.RepeatedScalarFieldContainer[str]
    user_id: str
    source: str
    model: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., sample_id: _Optional[str] = ..., rating: _Optional[_Union[Rating, _Mapping]] = ..., thumbs: _Optional[_Union[Thumbs, _Mapping]] = ..., preference: _Optional[_Union[Preference, _Mapping]] = ..., correction: _Optional[_Union[Correction, _Mapping]] = ..., comment: _Optional[str] = ..., tags: _Optional[_Iterable[str]] = ..., user_id: _Optional[str] = ..., source: _Optional[str] = ..., model: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SubmitFeedbackRequest(_message.Message):
    __slots__ = ("feedback", "feedback_id")
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_ID_FIELD_NUMBER: _ClassVar[int]
    feedback: Feedback
    feedback_id: str
    def __init__(self, feedback: _Optional[_Union[Feedback, _Mapping]] = ..., feedback_id: _Optional[str] = ...) -> None: ...

class StreamFeedbackResponse(_message.Message):
    __slots__ = ("sequence", "name", "duplicate", "code", "field", "message", "accepted_count", "rejected_count")
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    REJECTED_COUNT_FIELD_NUMBER: _ClassVar[int]
    sequence: int
    name: str
    duplicate: bool
    code: int
    field: str
    message: str
    accepted_count: int
    rejected_count: int
    def __init__(self, sequence: _Optional[int] = ..., name: _Optional[str] = ..., duplicate: _Optional[bool] = ..., code: _Optional[int] = ..., field: _Optional[str] = ..., message: _Optional[str] = ..., accepted_count: _Optional[int] = ..., rejected_count: _Optional[int] = ...) -> None: ...

class FeedbackFilter(_message.Message):
    __slots__ = ("model", "start_time", "end_time", "tag", "user_id", "source")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    model: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    tag: str
    user_id: str
    source: str
    def __init__(self, model: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., tag: _Optional[str] = ..., user_id: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class ListFeedbackRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "filter")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    filter: FeedbackFilter
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., filter: _Optional[_Union[FeedbackFilter, _Mapping]] = ...) -> None: ...

class ListFeedbackResponse(_message.Message):
    __slots__ = ("feedback", "next_page_token")
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    feedback: _containers.RepeatedCompositeFieldContainer[Feedback]
    next_page_token: str
    def __init__(self, feedback: _Optional[_Iterable[_Union[Feedback, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class PreferencePairing(_message.Message):
    __slots__ = ("min_rating_gap", "ties", "max_pairs_per_prompt")
    MIN_RATING_GAP_FIELD_NUMBER: _ClassVar[int]
    TIES_FIELD_NUMBER: _ClassVar[int]
    MAX_PAIRS_PER_PROMPT_FIELD_NUMBER: _ClassVar[int]
    min_rating_gap: float
    ties: TieHandling
    max_pairs_per_prompt: int
    def __init__(self, min_rating_gap: _Optional[float] = ..., ties: _Optional[_Union[TieHandling, str]] = ..., max_pairs_per_prompt: _Optional[int] = ...) -> None: ...

class ExportFeedbackRequest(_message.Message):
    __slots__ = ("filter", "kind", "pairing", "display_name", "request_id")
    FILTER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAIRING_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    filter: FeedbackFilter
    kind: FeedbackExportKind
    pairing: PreferencePairing
    display_name: str
    request_id: str
    def __init__(self, filter: _Optional[_Union[FeedbackFilter, _Mapping]] = ..., kind: _Optional[_Union[FeedbackExportKind, str]] = ..., pairing: _Optional[_Union[PreferencePairing, _Mapping]] = ..., display_name: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class ExportFeedbackResponse(_message.Message):
    __slots__ = ("dataset", "matched_feedback_count", "record_count", "dropped_tie_count", "dropped_gap_count", "dropped_limit_count", "unused_feedback_count")
    DATASET_FIELD_NUMBER: _ClassVar[int]
    MATCHED_FEEDBACK_COUNT_FIELD_NUMBER: _ClassVar[int]
    RECORD_COUNT_FIELD_NUMBER: _ClassVar[int]
    DROPPED_TIE_COUNT_FIELD_NUMBER: _ClassVar[int]
    DROPPED_GAP_COUNT_FIELD_NUMBER: _ClassVar[int]
    DROPPED_LIMIT_COUNT_FIELD_NUMBER: _ClassVar[int]
    UNUSED_FEEDBACK_COUNT_FIELD_NUMBER: _ClassVar[int]
    dataset: str
    matched_feedback_count: int
    record_count: int
    dropped_tie_count: int
    dropped_gap_count: int
    dropped_limit_count: int
    unused_feedback_count: int
    def __init__(self, dataset: _Optional[str] = ..., matched_feedback_count: _Optional[int] = ..., record_count: _Optional[int] = ..., dropped_tie_count: _Optional[int] = ..., dropped_gap_count: _Optional[int] = ..., dropped_limit_count: _Optional[int] = ..., unused_feedback_count: _Optional[int] = ...) -> None: ...
