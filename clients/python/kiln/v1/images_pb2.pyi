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

class GanLoss(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    GAN_LOSS_UNSPECIFIED: _ClassVar[GanLoss]
    GAN_LOSS_BCE: _ClassVar[GanLoss]
    GAN_LOSS_WGAN_GP: _ClassVar[GanLoss]
    GAN_LOSS_HINGE: _ClassVar[GanLoss]

class NoiseSchedule(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NOISE_SCHEDULE_UNSPECIFIED: _ClassVar[NoiseSchedule]
    NOISE_SCHEDULE_LINEAR: _ClassVar[NoiseSchedule]
    NOISE_SCHEDULE_COSINE: _ClassVar[NoiseSchedule]

class DiffusionPrediction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIFFUSION_PREDICTION_UNSPECIFIED: _ClassVar[DiffusionPrediction]
    DIFFUSION_PREDICTION_EPSILON: _ClassVar[DiffusionPrediction]
    DIFFUSION_PREDICTION_V: _ClassVar[DiffusionPrediction]
RECONSTRUCTION_LOSS_UNSPECIFIED: ReconstructionLoss
RECONSTRUCTION_LOSS_MSE: ReconstructionLoss
RECONSTRUCTION_LOSS_BCE: ReconstructionLoss
GAN_LOSS_UNSPECIFIED: GanLoss
GAN_LOSS_BCE: GanLoss
GAN_LOSS_WGAN_GP: GanLoss
GAN_LOSS_HINGE: GanLoss
NOISE_SCHEDULE_UNSPECIFIED: NoiseSchedule
NOISE_SCHEDULE_LINEAR: NoiseSchedule
NOISE_SCHEDULE_COSINE: NoiseSchedule
DIFFUSION_PREDICTION_UNSPECIFIED: DiffusionPrediction
DIFFUSION_PREDICTION_EPSILON: DiffusionPrediction
DIFFUSION_PREDICTION_V: DiffusionPrediction

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
    __slots__ = ("resolution", "latent_dim", "base_channels", "reconstruction_loss", "observation_std", "beta", "kl_warmup_steps", "augmentation", "class_conditional")
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    LATENT_DIM_FIELD_NUMBER: _ClassVar[int]
    BASE_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    RECONSTRUCTION_LOSS_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_STD_FIELD_NUMBER: _ClassVar[int]
    BETA_FIELD_NUMBER: _ClassVar[int]
    KL_WARMUP_STEPS_FIELD_NUMBER: _ClassVar[int]
    AUGMENTATION_FIELD_NUMBER: _ClassVar[int]
    CLASS_CONDITIONAL_FIELD_NUMBER: _ClassVar[int]
    resolution: int
    latent_dim: int
    base_channels: int
    reconstruction_loss: ReconstructionLoss
    observation_std: float
    beta: float
    kl_warmup_steps: int
    augmentation: ImageAugmentation
    class_conditional: bool
    def __init__(self, resolution: _Optional[int] = ..., latent_dim: _Optional[int] = ..., base_channels: _Optional[int] = ..., reconstruction_loss: _Optional[_Union[ReconstructionLoss, str]] = ..., observation_std: _Optional[float] = ..., beta: _Optional[float] = ..., kl_warmup_steps: _Optional[int] = ..., augmentation: _Optional[_Union[ImageAugmentation, _Mapping]] = ..., class_conditional: _Optional[bool] = ...) -> None: ...

class GanConfig(_message.Message):
    __slots__ = ("resolution", "latent_dim", "base_channels", "loss", "n_critic", "gradient_penalty_weight", "spectral_norm", "generator_learning_rate", "discriminator_learning_rate", "ema_decay", "adam_beta1", "adam_beta2", "augmentation", "class_conditional")
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    LATENT_DIM_FIELD_NUMBER: _ClassVar[int]
    BASE_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    N_CRITIC_FIELD_NUMBER: _ClassVar[int]
    GRADIENT_PENALTY_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    SPECTRAL_NORM_FIELD_NUMBER: _ClassVar[int]
    GENERATOR_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    DISCRIMINATOR_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    EMA_DECAY_FIELD_NUMBER: _ClassVar[int]
    ADAM_BETA1_FIELD_NUMBER: _ClassVar[int]
    ADAM_BETA2_FIELD_NUMBER: _ClassVar[int]
    AUGMENTATION_FIELD_NUMBER: _ClassVar[int]
    CLASS_CONDITIONAL_FIELD_NUMBER: _ClassVar[int]
    resolution: int
    latent_dim: int
    base_channels: int
    loss: GanLoss
    n_critic: int
    gradient_penalty_weight: float
    spectral_norm: bool
    generator_learning_rate: float
    discriminator_learning_rate: float
    ema_decay: float
    adam_beta1: float
    adam_beta2: float
    augmentation: ImageAugmentation
    class_conditional: bool
    def __init__(self, resolution: _Optional[int] = ..., latent_dim: _Optional[int] = ..., base_channels: _Optional[int] = ..., loss: _Optional[_Union[GanLoss, str]] = ..., n_critic: _Optional[int] = ..., gradient_penalty_weight: _Optional[float] = ..., spectral_norm: _Optional[bool] = ..., generator_learning_rate: _Optional[float] = ..., discriminator_learning_rate: _Optional[float] = ..., ema_decay: _Optional[float] = ..., adam_beta1: _Optional[float] = ..., adam_beta2: _Optional[float] = ..., augmentation: _Optional[_Union[ImageAugmentation, _Mapping]] = ..., class_conditional: _Optional[bool] = ...) -> None: ...

class DiffusionConfig(_message.Message):
    __slots__ = ("resolution", "base_channels", "timesteps", "noise_schedule", "beta_start", "beta_end", "prediction", "ema_decay", "sampling_steps", "ddim_eta", "augmentation", "class_conditional", "label_dropout")
    RESOLUTION_FIELD_NUMBER: _ClassVar[int]
    BASE_CHANNELS_FIELD_NUMBER: _ClassVar[int]
    TIMESTEPS_FIELD_NUMBER: _ClassVar[int]
    NOISE_SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    BETA_START_FIELD_NUMBER: _ClassVar[int]
    BETA_END_FIELD_NUMBER: _ClassVar[int]
    PREDICTION_FIELD_NUMBER: _ClassVar[int]
    EMA_DECAY_FIELD_NUMBER: _ClassVar[int]
    SAMPLING_STEPS_FIELD_NUMBER: _ClassVar[int]
    DDIM_ETA_FIELD_NUMBER: _ClassVar[int]
    AUGMENTATION_FIELD_NUMBER: _ClassVar[int]
    CLASS_CONDITIONAL_FIELD_NUMBER: _ClassVar[int]
    LABEL_DROPOUT_FIELD_NUMBER: _ClassVar[int]
    resolution: int
    base_channels: int
    timesteps: int
    noise_schedule: NoiseSchedule
    beta_start: float
    beta_end: float
    prediction: DiffusionPrediction
    ema_decay: float
    sampling_steps: int
    ddim_eta: float
    augmentation: ImageAugmentation
    class_conditional: bool
    label_dropout: float
    def __init__(self, resolution: _Optional[int] = ..., base_channels: _Optional[int] = ..., timesteps: _Optional[int] = ..., noise_schedule: _Optional[_Union[NoiseSchedule, str]] = ..., beta_start: _Optional[float] = ..., beta_end: _Optional[float] = ..., prediction: _Optional[_Union[DiffusionPrediction, str]] = ..., ema_decay: _Optional[float] = ..., sampling_steps: _Optional[int] = ..., ddim_eta: _Optional[float] = ..., augmentation: _Optional[_Union[ImageAugmentation, _Mapping]] = ..., class_conditional: _Optional[bool] = ..., label_dropout: _Optional[float] = ...) -> None: ...
