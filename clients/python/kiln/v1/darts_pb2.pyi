from kiln.v1 import images_pb2 as _images_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DartsOperation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DARTS_OPERATION_UNSPECIFIED: _ClassVar[DartsOperation]
    DARTS_OPERATION_ZERO: _ClassVar[DartsOperation]
    DARTS_OPERATION_SKIP: _ClassVar[DartsOperation]
    DARTS_OPERATION_AVG_POOL_3X3: _ClassVar[DartsOperation]
    DARTS_OPERATION_MAX_POOL_3X3: _ClassVar[DartsOperation]
    DARTS_OPERATION_CONV_3X3: _ClassVar[DartsOperation]
    DARTS_OPERATION_CONV_5X5: _ClassVar[DartsOperation]
    DARTS_OPERATION_DIL_CONV_3X3: _ClassVar[DartsOperation]

class GenotypeSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GENOTYPE_SOURCE_UNSPECIFIED: _ClassVar[GenotypeSource]
    GENOTYPE_SOURCE_SEARCHED: _ClassVar[GenotypeSource]
    GENOTYPE_SOURCE_RANDOM: _ClassVar[GenotypeSource]
DARTS_OPERATION_UNSPECIFIED: DartsOperation
DARTS_OPERATION_ZERO: DartsOperation
DARTS_OPERATION_SKIP: DartsOperation
DARTS_OPERATION_AVG_POOL_3X3: DartsOperation
DARTS_OPERATION_MAX_POOL_3X3: DartsOperation
DARTS_OPERATION_CONV_3X3: DartsOperation
DARTS_OPERATION_CONV_5X5: DartsOperation
DARTS_OPERATION_DIL_CONV_3X3: DartsOperation
GENOTYPE_SOURCE_UNSPECIFIED: GenotypeSource
GENOTYPE_SOURCE_SEARCHED: GenotypeSource
GENOTYPE_SOURCE_RANDOM: GenotypeSource

class DartsConfig(_message.Message):
    __slots__ = ("search_steps", "retrain_steps", "cell_nodes", "edges_per_node", "channels", "layers", "operations", "arch_learning_rate", "arch_weight_decay", "genotype_source", "resolution", "augmentation")
    SEARCH_STEPS_FIELD_NUMBER: _ClassVar[int]
    RETRAIN_STEPS_FIELD_NUMBER: _ClassVar[int]
    CELL_NODES_FIELD_NUMBER: _ClassVar[int]
    EDGES_PER_NODE_FIELD_NUMBER: _ClassVar[int]
    CHANNELS_FIELD_NUMBER: _ClassVar[int]
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    ARCH_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    ARCH_WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    GENOTYPE_SOURCE_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    AUGMENTATION_FIELD_NUMBER: _ClassVar[int]
    search_steps: int
    retrain_steps: int
    cell_nodes: int
    edges_per_node: int
    channels: int
    layers: int
    operations: _containers.RepeatedScalarFieldContainer[DartsOperation]
    arch_learning_rate: float
    arch_weight_decay: float
    genotype_source: GenotypeSource
    resolution: int
    augmentation: _images_pb2.ImageAugmentation
    def __init__(self, search_steps: _Optional[int] = ..., retrain_steps: _Optional[int] = ..., cell_nodes: _Optional[int] = ..., edges_per_node: _Optional[int] = ..., channels: _Optional[int] = ..., layers: _Optional[int] = ..., operations: _Optional[_Iterable[_Union[DartsOperation, str]]] = ..., arch_learning_rate: _Optional[float] = ..., arch_weight_decay: _Optional[float] = ..., genotype_source: _Optional[_Union[GenotypeSource, str]] = ..., resolution: _Optional[int] = ..., augmentation: _Optional[_Union[_images_pb2.ImageAugmentation, _Mapping]] = ...) -> None: ...
