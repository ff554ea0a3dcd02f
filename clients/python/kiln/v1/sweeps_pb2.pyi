import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kiln.v1 import jobs_pb2 as _jobs_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SweepAlgorithm(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SWEEP_ALGORITHM_UNSPECIFIED: _ClassVar[SweepAlgorithm]
    SWEEP_ALGORITHM_RANDOM: _ClassVar[SweepAlgorithm]
    SWEEP_ALGORITHM_GRID: _ClassVar[SweepAlgorithm]
    SWEEP_ALGORITHM_TPE: _ClassVar[SweepAlgorithm]
    SWEEP_ALGORITHM_GP: _ClassVar[SweepAlgorithm]
    SWEEP_ALGORITHM_CMA_ES: _ClassVar[SweepAlgorithm]
    SWEEP_ALGORITHM_NSGA_II: _ClassVar[SweepAlgorithm]

class SweepPruner(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SWEEP_PRUNER_UNSPECIFIED: _ClassVar[SweepPruner]
    SWEEP_PRUNER_NONE: _ClassVar[SweepPruner]
    SWEEP_PRUNER_SUCCESSIVE_HALVING: _ClassVar[SweepPruner]
    SWEEP_PRUNER_MEDIAN: _ClassVar[SweepPruner]
    SWEEP_PRUNER_HYPERBAND: _ClassVar[SweepPruner]

class ObjectiveDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OBJECTIVE_DIRECTION_UNSPECIFIED: _ClassVar[ObjectiveDirection]
    OBJECTIVE_DIRECTION_MINIMIZE: _ClassVar[ObjectiveDirection]
    OBJECTIVE_DIRECTION_MAXIMIZE: _ClassVar[ObjectiveDirection]

class SweepState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SWEEP_STATE_UNSPECIFIED: _ClassVar[SweepState]
    SWEEP_STATE_QUEUED: _ClassVar[SweepState]
    SWEEP_STATE_RUNNING: _ClassVar[SweepState]
    SWEEP_STATE_SUCCEEDED: _ClassVar[SweepState]
    SWEEP_STATE_FAILED: _ClassVar[SweepState]
    SWEEP_STATE_CANCELLED: _ClassVar[SweepState]

class TrialState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRIAL_STATE_UNSPECIFIED: _ClassVar[TrialState]
    TRIAL_STATE_RUNNING: _ClassVar[TrialState]
    TRIAL_STATE_SUCCEEDED: _ClassVar[TrialState]
    TRIAL_STATE_PRUNED: _ClassVar[TrialState]
    TRIAL_STATE_FAILED: _ClassVar[TrialState]
    TRIAL_STATE_CANCELLED: _ClassVar[TrialState]
SWEEP_ALGORITHM_UNSPECIFIED: SweepAlgorithm
SWEEP_ALGORITHM_RANDOM: SweepAlgorithm
SWEEP_ALGORITHM_GRID: SweepAlgorithm
SWEEP_ALGORITHM_TPE: SweepAlgorithm
SWEEP_ALGORITHM_GP: SweepAlgorithm
SWEEP_ALGORITHM_CMA_ES: SweepAlgorithm
SWEEP_ALGORITHM_NSGA_II: SweepAlgorithm
SWEEP_PRUNER_UNSPECIFIED: SweepPruner
SWEEP_PRUNER_NONE: SweepPruner
SWEEP_PRUNER_SUCCESSIVE_HALVING: SweepPruner
SWEEP_PRUNER_MEDIAN: SweepPruner
SWEEP_PRUNER_HYPERBAND: SweepPruner
OBJECTIVE_DIRECTION_UNSPECIFIED: ObjectiveDirection
OBJECTIVE_DIRECTION_MINIMIZE: ObjectiveDirection
OBJECTIVE_DIRECTION_MAXIMIZE: ObjectiveDirection
SWEEP_STATE_UNSPECIFIED: SweepState
SWEEP_STATE_QUEUED: SweepState
SWEEP_STATE_RUNNING: SweepState
SWEEP_STATE_SUCCEEDED: SweepState
SWEEP_STATE_FAILED: SweepState
SWEEP_STATE_CANCELLED: SweepState
TRIAL_STATE_UNSPECIFIED: TrialState
TRIAL_STATE_RUNNING: TrialState
TRIAL_STATE_SUCCEEDED: TrialState
TRIAL_STATE_PRUNED: TrialState
TRIAL_STATE_FAILED: TrialState
TRIAL_STATE_CANCELLED: TrialState

class FloatRange(_message.Message):
    __slots__ = ("low", "high", "log", "step")
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    low: float
    high: float
    log: bool
    step: float
    def __init__(self, low: _Optional[float] = ..., high: _Optional[float] = ..., log: _Optional[bool] = ..., step: _Optional[float] = ...) -> None: ...

class IntRange(_message.Message):
    __slots__ = ("low", "high", "log", "step")
    LOW_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    low: int
    high: int
    log: bool
    step: int
    def __init__(self, low: _Optional[int] = ..., high: _Optional[int] = ..., log: _Optional[bool] = ..., step: _Optional[int] = ...) -> None: ...

class Categorical(_message.Message):
    __slots__ = ("values",)
    VALUES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, values: _Optional[_Iterable[str]] = ...) -> None: ...

class Condition(_message.Message):
    __slots__ = ("parameter", "values")
    PARAMETER_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    parameter: str
    values: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, parameter: _Optional[str] = ..., values: _Optional[_Iterable[str]] = ...) -> None: ...

class SearchParameter(_message.Message):
    __slots__ = ("target", "float_range", "int_range", "categorical", "condition")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    FLOAT_RANGE_FIELD_NUMBER: _ClassVar[int]
    INT_RANGE_FIELD_NUMBER: _ClassVar[int]
    CATEGORICAL_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    target: str
    float_range: FloatRange
    int_range: IntRange
    categorical: Categorical
    condition: Condition
    def __init__(self, target: _Optional[str] = ..., float_range: _Optional[_Union[FloatRange, _Mapping]] = ..., int_range: _Optional[_Union[IntRange, _Mapping]] = ..., categorical: _Optional[_Union[Categorical, _Mapping]] = ..., condition: _Optional[_Union[Condition, _Mapping]] = ...) -> None: ...

class Objective(_message.Message):
    __slots__ = ("metric", "direction")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    metric: str
    direction: ObjectiveDirection
    def __init__(self, metric: _Optional[str] = ..., direction: _Optional[_Union[ObjectiveDirection, str]] = ...) -> None: ...

class SweepBudget(_message.Message):
    __slots__ = ("max_trials", "max_concurrent_trials", "max_wall_time")
    MAX_TRIALS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_TRIALS_FIELD_NUMBER: _ClassVar[int]
    MAX_WALL_TIME_FIELD_NUMBER: _ClassVar[int]
    max_trials: int
    max_concurrent_trials: int
    max_wall_time: _duration_pb2.Duration
    def __init__(self, max_trials: _Optional[int] = ..., max_concurrent_trials: _Optional[int] = ..., max_wall_time: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class Trial(_message.Message):
    __slots__ = ("number", "state", "params", "job", "values", "intermediate_value", "intermediate_step", "model", "reason", "start_time", "end_time")
    class ParamsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    JOB_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    INTERMEDIATE_VALUE_FIELD_NUMBER: _ClassVar[int]
    INTERMEDIATE_STEP_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    number: int
    state: TrialState
    params: _containers.ScalarMap[str, str]
    job: str
    values: _containers.RepeatedScalarFieldContainer[float]
    intermediate_value: float
    intermediate_step: int
    model: str
    reason: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, number: _Optional[int] = ..., state: _Optional[_Union[TrialState, str]] = ..., params: _Optional[_Mapping[str, str]] = ..., job: _Optional[str] = ..., values: _Optional[_Iterable[float]] = ..., intermediate_value: _Optional[float] = ..., intermediate_step: _Optional[int] = ..., model: _Optional[str] = ..., reason: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Sweep(_message.Message):
    __slots__ = ("name", "display_name", "template", "parameters", "objectives", "algorithm", "pruner", "budget", "seed", "labels", "state", "trials", "best_trials", "parameter_importances", "error", "create_time", "update_time", "end_time", "artifacts")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class ParameterImportancesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class ArtifactsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVES_FIELD_NUMBER: _ClassVar[int]
    ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    PRUNER_FIELD_NUMBER: _ClassVar[int]
    BUDGET_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    TRIALS_FIELD_NUMBER: _ClassVar[int]
    BEST_TRIALS_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_IMPORTANCES_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    ARTIFACTS_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    template: _jobs_pb2.Job
    parameters: _containers.RepeatedCompositeFieldContainer[SearchParameter]
    objectives: _containers.RepeatedCompositeFieldContainer[Objective]
    algorithm: SweepAlgorithm
    pruner: SweepPruner
    budget: SweepBudget
    seed: int
    labels: _containers.ScalarMap[str, str]
    state: SweepState
    trials: _containers.RepeatedCompositeFieldContainer[Trial]
    best_trials: _containers.RepeatedCompositeFieldContainer[Trial]
    parameter_importances: _containers.ScalarMap[str, float]
    error: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    artifacts: _containers.ScalarMap[str, str]
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., template: _Optional[_Union[_jobs_pb2.Job, _Mapping]] = ..., parameters: _Optional[_Iterable[_Union[SearchParameter, _Mapping]]] = ..., objectives: _Optional[_Iterable[_Union[Objective, _Mapping]]] = ..., algorithm: _Optional[_Union[SweepAlgorithm, str]] = ..., pruner: _Optional[_Union[SweepPruner, str]] = ..., budget: _Optional[_Union[SweepBudget, _Mapping]] = ..., seed: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., state: _Optional[_Union[SweepState, str]] = ..., trials: _Optional[_Iterable[_Union[Trial, _Mapping]]] = ..., best_trials: _Optional[_Iterable[_Union[Trial, _Mapping]]] = ..., parameter_importances: _Optional[_Mapping[str, float]] = ..., error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., artifacts: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateSweepRequest(_message.Message):
    __slots__ = ("sweep", "request_id")
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    sweep: Sweep
    request_id: str
    def __init__(self, sweep: _Optional[_Union[Sweep, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetSweepRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListSweepsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "state")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: SweepState
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[SweepState, str]] = ...) -> None: ...

class ListSweepsResponse(_message.Message):
    __slots__ = ("sweeps", "next_page_token")
    SWEEPS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    sweeps: _containers.RepeatedCompositeFieldContainer[Sweep]
    next_page_token: str
    def __init__(self, sweeps: _Optional[_Iterable[_Union[Sweep, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelSweepRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class WatchSweepRequest(_message.Message):
    __slots__ = ("name", "after_event_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AFTER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    after_event_id: str
    def __init__(self, name: _Optional[str] = ..., after_event_id: _Optional[str] = ...) -> None: ...

class SweepStateChange(_message.Message):
    __slots__ = ("state", "reason")
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    state: SweepState
    reason: str
    def __init__(self, state: _Optional[_Union[SweepState, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class TrialMetric(_message.Message):
    __slots__ = ("trial", "step", "metric", "value")
    TRIAL_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    trial: int
    step: int
    metric: str
    value: float
    def __init__(self, trial: _Optional[int] = ..., step: _Optional[int] = ..., metric: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...

class SweepEvent(_message.Message):
    __slots__ = ("id", "time", "state_change", "trial_started", "intermediate", "trial_pruned", "trial_finished", "new_best")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    TRIAL_STARTED_FIELD_NUMBER: _ClassVar[int]
    INTERMEDIATE_FIELD_NUMBER: _ClassVar[int]
    TRIAL_PRUNED_FIELD_NUMBER: _ClassVar[int]
    TRIAL_FINISHED_FIELD_NUMBER: _ClassVar[int]
    NEW_BEST_FIELD_NUMBER: _ClassVar[int]
    id: str
    time: _timestamp_pb2.Timestamp
    state_change: SweepStateChange
    trial_started: Trial
    intermediate: TrialMetric
    trial_pruned: Trial
    trial_finished: Trial
    new_best: Trial
    def __init__(self, id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state_change: _Optional[_Union[SweepStateChange, _Mapping]] = ..., trial_started: _Optional[_Union[Trial, _Mapping]] = ..., intermediate: _Optional[_Union[TrialMetric, _Mapping]] = ..., trial_pruned: _Optional[_Union[Trial, _Mapping]] = ..., trial_finished: _Optional[_Union[Trial, _Mapping]] = ..., new_best: _Optional[_Union[Trial, _Mapping]] = ...) -> None: ...
