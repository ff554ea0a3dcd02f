from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class ModelFamily(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_FAMILY_UNSPECIFIED: _ClassVar[ModelFamily]
    MODEL_FAMILY_CAUSAL_LM: _ClassVar[ModelFamily]
    MODEL_FAMILY_REWARD_MODEL: _ClassVar[ModelFamily]
    MODEL_FAMILY_IMAGE: _ClassVar[ModelFamily]
MODEL_FAMILY_UNSPECIFIED: ModelFamily
MODEL_FAMILY_CAUSAL_LM: ModelFamily
MODEL_FAMILY_REWARD_MODEL: ModelFamily
MODEL_FAMILY_IMAGE: ModelFamily

class Resources(_message.Message):
    __slots__ = ("gpus", "cpus", "workers")
    GPUS_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    gpus: int
    cpus: int
    workers: int
    def __init__(self, gpus: _Optional[int] = ..., cpus: _Optional[int] = ..., workers: _Optional[int] = ...) -> None: ...
