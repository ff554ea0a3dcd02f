from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ReconstructionLoss(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RECONSTRUCTION_LOSS_UNSPECIFIED: _ClassVar[ReconstructionLoss]
    RECONSTRUCTION_LOSS_MSE: _ClassVar[ReconstructionLoss]
    RECONSTRUCTION_LOSS_BCE: _ClassVar[ReconstructionLoss]
RECONSTRUCTION_LOSS_UNSPECIFIED: ReconstructionLoss
RECONSTRUCTION_LOSS_MSE: ReconstructionLoss
RECONSTRUCTION_LOSS_BCE: ReconstructionLoss

class ImageAugmentation(_message.Message):
    __slots__ = ("horizontal_flip", "max_shift", "max_rotation_degrees", "noise_std")
    HORIZONTAL_FLIP_FIELD_NUMBER: _ClassVar[int]
    MAX_SHIFT_FIELD_NUMBER: _ClassVar[int]
    MAX_ROTATION_DEGREES_FIELD_NUMBER: _ClassVar[int]
    NOISE_STD_FIELD_NUMBER: _ClassVar[int]
    horizontal_flip: bool
    max_shift: int
    max_rotation_degrees: float
    noise_std: float
    def __init__(self, horizontal_flip: _Optional[bool] = ..., max_shift: _Optional[int] = ..., max_rotation_degrees: _Optional[float] = ..., noise_std: _Optional[float] = ...) -> None: ...

class VaeConfig(_message.Message):
    __slots__ = ("resolution", "latent_dim", "base_channels", "reconstruction_loss", "observation_std", "beta", "kl_warmup_steps", "augmentation")
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    LATENT_DIM_FIELD_NUMBER: _ClassVar[int]
    BASE_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    RECONSTRUCTION_LOSS_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_STD_FIELD_NUMBER: _ClassVar[int]
    BETA_FIELD_NUMBER: _ClassVar[int]
    KL_WARMUP_STEPS_FIELD_NUMBER: _ClassVar[int]
    AUGMENTATION_FIELD_NUMBER: _ClassVar[int]
    resolution: int
    latent_dim: int
    base_channels: int
    reconstruction_loss: ReconstructionLoss
    observation_std: float
    beta: float
    kl_warmup_steps: int
    augmentation: ImageAugmentation
    def __init__(self, resolution: _Optional[int] = ..., latent_dim: _Optional[int] = ..., base_channels: _Optional[int] = ..., reconstruction_loss: _Optional[_Union[ReconstructionLoss, str]] = ..., observation_std: _Optional[float] = ..., beta: _Optional[float] = ..., kl_warmup_steps: _Optional[int] = ..., augmentation: _Optional[_Union[ImageAugmentation, _Mapping]] = ...) -> None: ...
