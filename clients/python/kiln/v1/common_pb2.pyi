from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ModelFamily(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MODEL_FAMILY_UNSPECIFIED: _ClassVar[ModelFamily]
    MODEL_FAMILY_CAUSAL_LM: _ClassVar[ModelFamily]
    MODEL_FAMILY_REWARD_MODEL: _ClassVar[ModelFamily]
    MODEL_FAMILY_IMAGE: _ClassVar[ModelFamily]

class ShardingStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SHARDING_STRATEGY_UNSPECIFIED: _ClassVar[ShardingStrategy]
    SHARDING_STRATEGY_DDP: _ClassVar[ShardingStrategy]
    SHARDING_STRATEGY_FSDP: _ClassVar[ShardingStrategy]
MODEL_FAMILY_UNSPECIFIED: ModelFamily
MODEL_FAMILY_CAUSAL_LM: ModelFamily
MODEL_FAMILY_REWARD_MODEL: ModelFamily
MODEL_FAMILY_IMAGE: ModelFamily
SHARDING_STRATEGY_UNSPECIFIED: ShardingStrategy
SHARDING_STRATEGY_DDP: ShardingStrategy
SHARDING_STRATEGY_FSDP: ShardingStrategy

class Resources(_message.Message):
    __slots__ = ("gpus", "cpus", "workers", "sharding")
    GPUS_FIELD_NUMBER: _ClassVar[int]
    CPUS_FIELD_NUMBER: _ClassVar[int]
    WORKERS_FIELD_NUMBER: _ClassVar[int]
    SHARDING_FIELD_NUMBER: _ClassVar[int]
    gpus: int
    cpus: int
    workers: int
    sharding: ShardingStrategy
    def __init__(self, gpus: _Optional[int] = ..., cpus: _Optional[int] = ..., workers: _Optional[int] = ..., sharding: _Optional[_Union[ShardingStrategy, str]] = ...) -> None: ...
