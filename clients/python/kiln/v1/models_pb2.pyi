import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kiln.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DeploymentTarget(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEPLOYMENT_TARGET_UNSPECIFIED: _ClassVar[DeploymentTarget]
    DEPLOYMENT_TARGET_RAY_SERVE: _ClassVar[DeploymentTarget]
    DEPLOYMENT_TARGET_TRITON: _ClassVar[DeploymentTarget]

class Quantization(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    QUANTIZATION_UNSPECIFIED: _ClassVar[Quantization]
    QUANTIZATION_INT8: _ClassVar[Quantization]
    QUANTIZATION_INT4: _ClassVar[Quantization]
DEPLOYMENT_TARGET_UNSPECIFIED: DeploymentTarget
DEPLOYMENT_TARGET_RAY_SERVE: DeploymentTarget
DEPLOYMENT_TARGET_TRITON: DeploymentTarget
QUANTIZATION_UNSPECIFIED: Quantization
QUANTIZATION_INT8: Quantization
QUANTIZATION_INT4: Quantization

class Deployment(_message.Message):
    __slots__ = ("target", "replicas", "min_replicas", "max_replicas", "state", "message")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    MIN_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    MAX_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    target: DeploymentTarget
    replicas: int
    min_replicas: int
    max_replicas: int
    state: str
    message: str
    def __init__(self, target: _Optional[_Union[DeploymentTarget, str]] = ..., replicas: _Optional[int] = ..., min_replicas: _Optional[int] = ..., max_replicas: _Optional[int] = ..., state: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class Model(_message.Message):
    __slots__ = ("name", "display_name", "family", "base_model", "source_job", "artifact_uri", "version", "parameter_count", "size_bytes", "quantization", "metrics", "deployment", "labels", "create_time")
    class MetricsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    BASE_MODEL_FIELD_NUMBER: _ClassVar[int]
    SOURCE_JOB_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_URI_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    PARAMETER_COUNT_FIELD_NUMBER: _ClassVar[int]
    SIZE_BYTES_FIELD_NUMBER: _ClassVar[int]
    QUANTIZATION_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    DEPLOYMENT_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    family: _common_pb2.ModelFamily
    base_model: str
    source_job: str
    artifact_uri: str
    version: str
    parameter_count: int
    size_bytes: int
    quantization: Quantization
    metrics: _containers.ScalarMap[str, float]
    deployment: Deployment
    labels: _containers.ScalarMap[str, str]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., family: _Optional[_Union[_common_pb2.ModelFamily, str]] = ..., base_model: _Optional[str] = ..., source_job: _Optional[str] = ..., artifact_uri: _Optional[str] = ..., version: _Optional[str] = ..., parameter_count: _Optional[int] = ..., size_bytes: _Optional[int] = ..., quantization: _Optional[_Union[Quantization, str]] = ..., metrics: _Optional[_Mapping[str, float]] = ..., deployment: _Optional[_Union[Deployment, _Mapping]] = ..., labels: _Optional[_Mapping[str, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetModelRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListModelsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "family")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    family: _common_pb2.ModelFamily
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., family: _Optional[_Union[_common_pb2.ModelFamily, str]] = ...) -> None: ...

class ListModelsResponse(_message.Message):
    __slots__ = ("models", "next_page_token")
    MODELS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    models: _containers.RepeatedCompositeFieldContainer[Model]
    next_page_token: str
    def __init__(self, models: _Optional[_Iterable[_Union[Model, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteModelRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class DeleteModelResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExportModelRequest(_message.Message):
    __slots__ = ("name", "quantization", "activation_aware", "calibration_dataset", "group_size", "prune_sparsity", "structured_pruning", "request_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUANTIZATION_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_AWARE_FIELD_NUMBER: _ClassVar[int]
    CALIBRATION_DATASET_FIELD_NUMBER: _ClassVar[int]
    GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    PRUNE_SPARSITY_FIELD_NUMBER: _ClassVar[int]
    STRUCTURED_PRUNING_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    quantization: Quantization
    activation_aware: bool
    calibration_dataset: str
    group_size: int
    prune_sparsity: float
    structured_pruning: bool
    request_id: str
    def __init__(self, name: _Optional[str] = ..., quantization: _Optional[_Union[Quantization, str]] = ..., activation_aware: _Optional[bool] = ..., calibration_dataset: _Optional[str] = ..., group_size: _Optional[int] = ..., prune_sparsity: _Optional[float] = ..., structured_pruning: _Optional[bool] = ..., request_id: _Optional[str] = ...) -> None: ...

class DeployModelRequest(_message.Message):
    __slots__ = ("name", "target", "replicas", "min_replicas", "max_replicas")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    MIN_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    MAX_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    name: str
    target: DeploymentTarget
    replicas: int
    min_replicas: int
    max_replicas: int
    def __init__(self, name: _Optional[str] = ..., target: _Optional[_Union[DeploymentTarget, str]] = ..., replicas: _Optional[int] = ..., min_replicas: _Optional[int] = ..., max_replicas: _Optional[int] = ...) -> None: ...

class UndeployModelRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...
