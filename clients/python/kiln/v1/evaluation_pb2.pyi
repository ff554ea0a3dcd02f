import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kiln.v1 import sampling_pb2 as _sampling_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EvaluationMetric(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVALUATION_METRIC_UNSPECIFIED: _ClassVar[EvaluationMetric]
    EVALUATION_METRIC_PERPLEXITY: _ClassVar[EvaluationMetric]
    EVALUATION_METRIC_MEAN_REWARD: _ClassVar[EvaluationMetric]
    EVALUATION_METRIC_WIN_RATE: _ClassVar[EvaluationMetric]
    EVALUATION_METRIC_KL_TO_REFERENCE: _ClassVar[EvaluationMetric]
    EVALUATION_METRIC_DISTINCT_N: _ClassVar[EvaluationMetric]
    EVALUATION_METRIC_EXACT_MATCH: _ClassVar[EvaluationMetric]
    EVALUATION_METRIC_FID: _ClassVar[EvaluationMetric]
    EVALUATION_METRIC_PRECISION_RECALL: _ClassVar[EvaluationMetric]
    EVALUATION_METRIC_CLASS_COVERAGE: _ClassVar[EvaluationMetric]
    EVALUATION_METRIC_TEST_ELBO: _ClassVar[EvaluationMetric]

class EvaluationState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EVALUATION_STATE_UNSPECIFIED: _ClassVar[EvaluationState]
    EVALUATION_STATE_QUEUED: _ClassVar[EvaluationState]
    EVALUATION_STATE_RUNNING: _ClassVar[EvaluationState]
    EVALUATION_STATE_SUCCEEDED: _ClassVar[EvaluationState]
    EVALUATION_STATE_FAILED: _ClassVar[EvaluationState]
    EVALUATION_STATE_CANCELLED: _ClassVar[EvaluationState]
EVALUATION_METRIC_UNSPECIFIED: EvaluationMetric
EVALUATION_METRIC_PERPLEXITY: EvaluationMetric
EVALUATION_METRIC_MEAN_REWARD: EvaluationMetric
EVALUATION_METRIC_WIN_RATE: EvaluationMetric
EVALUATION_METRIC_KL_TO_REFERENCE: EvaluationMetric
EVALUATION_METRIC_DISTINCT_N: EvaluationMetric
EVALUATION_METRIC_EXACT_MATCH: EvaluationMetric
EVALUATION_METRIC_FID: EvaluationMetric
EVALUATION_METRIC_PRECISION_RECALL: EvaluationMetric
EVALUATION_METRIC_CLASS_COVERAGE: EvaluationMetric
EVALUATION_METRIC_TEST_ELBO: EvaluationMetric
EVALUATION_STATE_UNSPECIFIED: EvaluationState
EVALUATION_STATE_QUEUED: EvaluationState
EVALUATION_STATE_RUNNING: EvaluationState
EVALUATION_STATE_SUCCEEDED: EvaluationState
EVALUATION_STATE_FAILED: EvaluationState
EVALUATION_STATE_CANCELLED: EvaluationState

class Evaluation(_message.Message):
    __slots__ = ("name", "display_name", "model", "baseline_model", "reward_model", "reference_model", "dataset", "metrics", "sampling_params", "max_records", "labels", "state", "results", "completed_records", "total_records", "error", "create_time", "update_time", "end_time")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ResultsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    BASELINE_MODEL_FIELD_NUMBER: _ClassVar[int]
    REWARD_MODEL_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_MODEL_FIELD_NUMBER: _ClassVar[int]
    DATASET_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    SAMPLING_PARAMS_FIELD_NUMBER: _ClassVar[int]
    MAX_RECORDS_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_RECORDS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_RECORDS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    model: str
    baseline_model: str
    reward_model: str
    reference_model: str
    dataset: str
    metrics: _containers.RepeatedScalarFieldContainer[EvaluationMetric]
    sampling_params: _sampling_pb2.SamplingParams
    max_records: int
    labels: _containers.ScalarMap[str, str]
    state: EvaluationState
    results: _containers.ScalarMap[str, float]
    completed_records: int
    total_records: int
    error: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., model: _Optional[str] = ..., baseline_model: _Optional[str] = ..., reward_model: _Optional[str] = ..., reference_model: _Optional[str] = ..., dataset: _Optional[str] = ..., metrics: _Optional[_Iterable[_Union[EvaluationMetric, str]]] = ..., sampling_params: _Optional[_Union[_sampling_pb2.SamplingParams, _Mapping]] = ..., max_records: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., state: _Optional[_Union[EvaluationState, str]] = ..., results: _Optional[_Mapping[str, float]] = ..., completed_records: _Optional[int] = ..., total_records: _Optional[int] = ..., error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateEvaluationRequest(_message.Message):
    __slots__ = ("evaluation", "request_id")
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    evaluation: Evaluation
    request_id: str
    def __init__(self, evaluation: _Optional[_Union[Evaluation, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetEvaluationRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListEvaluationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "model", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    model: str
    state: EvaluationState
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., model: _Optional[str] = ..., state: _Optional[_Union[EvaluationState, str]] = ...) -> None: ...

class ListEvaluationsResponse(_message.Message):
    __slots__ = ("evaluations", "next_page_token")
    EVALUATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    evaluations: _containers.RepeatedCompositeFieldContainer[Evaluation]
    next_page_token: str
    def __init__(self, evaluations: _Optional[_Iterable[_Union[Evaluation, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchEvaluationRequest(_message.Message):
    __slots__ = ("name", "after_event_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AFTER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    after_event_id: str
    def __init__(self, name: _Optional[str] = ..., after_event_id: _Optional[str] = ...) -> None: ...

class EvaluationStateChange(_message.Message):
    __slots__ = ("state", "reason")
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    state: EvaluationState
    reason: str
    def __init__(self, state: _Optional[_Union[EvaluationState, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class EvaluationProgress(_message.Message):
    __slots__ = ("completed_records", "total_records", "results")
    class ResultsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    COMPLETED_RECORDS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_RECORDS_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    completed_records: int
    total_records: int
    results: _containers.ScalarMap[str, float]
    def __init__(self, completed_records: _Optional[int] = ..., total_records: _Optional[int] = ..., results: _Optional[_Mapping[str, float]] = ...) -> None: ...

class EvaluationEvent(_message.Message):
    __slots__ = ("id", "time", "state_change", "progress")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    id: str
    time: _timestamp_pb2.Timestamp
    state_change: EvaluationStateChange
    progress: EvaluationProgress
    def __init__(self, id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state_change: _Optional[_Union[EvaluationStateChange, _Mapping]] = ..., progress: _Optional[_Union[EvaluationProgress, _Mapping]] = ...) -> None: ...
