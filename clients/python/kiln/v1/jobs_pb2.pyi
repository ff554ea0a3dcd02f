import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kiln.v1 import common_pb2 as _common_pb2
from kiln.v1 import darts_pb2 as _darts_pb2
from kiln.v1 import images_pb2 as _images_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class JobMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_METHOD_UNSPECIFIED: _ClassVar[JobMethod]
    JOB_METHOD_SFT: _ClassVar[JobMethod]
    JOB_METHOD_REWARD_MODEL: _ClassVar[JobMethod]
    JOB_METHOD_PPO: _ClassVar[JobMethod]
    JOB_METHOD_DPO: _ClassVar[JobMethod]
    JOB_METHOD_DISTILL: _ClassVar[JobMethod]
    JOB_METHOD_VAE: _ClassVar[JobMethod]
    JOB_METHOD_GAN: _ClassVar[JobMethod]
    JOB_METHOD_DIFFUSION: _ClassVar[JobMethod]
    JOB_METHOD_GRPO: _ClassVar[JobMethod]
    JOB_METHOD_RLOO: _ClassVar[JobMethod]
    JOB_METHOD_ONLINE_DPO: _ClassVar[JobMethod]
    JOB_METHOD_DARTS: _ClassVar[JobMethod]

class JobState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    JOB_STATE_UNSPECIFIED: _ClassVar[JobState]
    JOB_STATE_QUEUED: _ClassVar[JobState]
    JOB_STATE_RUNNING: _ClassVar[JobState]
    JOB_STATE_SUCCEEDED: _ClassVar[JobState]
    JOB_STATE_FAILED: _ClassVar[JobState]
    JOB_STATE_CANCELLED: _ClassVar[JobState]
    JOB_STATE_RETRYING: _ClassVar[JobState]

class Tuning(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TUNING_UNSPECIFIED: _ClassVar[Tuning]
    TUNING_FULL: _ClassVar[Tuning]
    TUNING_LORA: _ClassVar[Tuning]

class Precision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRECISION_UNSPECIFIED: _ClassVar[Precision]
    PRECISION_AUTO: _ClassVar[Precision]
    PRECISION_FP32: _ClassVar[Precision]
    PRECISION_BF16: _ClassVar[Precision]
    PRECISION_FP16: _ClassVar[Precision]

class AdversarialMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ADVERSARIAL_METHOD_UNSPECIFIED: _ClassVar[AdversarialMethod]
    ADVERSARIAL_METHOD_FGSM: _ClassVar[AdversarialMethod]
    ADVERSARIAL_METHOD_PGD: _ClassVar[AdversarialMethod]

class CurriculumOrder(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CURRICULUM_ORDER_UNSPECIFIED: _ClassVar[CurriculumOrder]
    CURRICULUM_ORDER_LENGTH: _ClassVar[CurriculumOrder]
    CURRICULUM_ORDER_DIFFICULTY: _ClassVar[CurriculumOrder]
    CURRICULUM_ORDER_LOSS: _ClassVar[CurriculumOrder]

class CurriculumPacing(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CURRICULUM_PACING_UNSPECIFIED: _ClassVar[CurriculumPacing]
    CURRICULUM_PACING_LINEAR: _ClassVar[CurriculumPacing]
    CURRICULUM_PACING_ROOT: _ClassVar[CurriculumPacing]
    CURRICULUM_PACING_STEP: _ClassVar[CurriculumPacing]

class OptimizerKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPTIMIZER_KIND_UNSPECIFIED: _ClassVar[OptimizerKind]
    OPTIMIZER_KIND_SGD: _ClassVar[OptimizerKind]
    OPTIMIZER_KIND_ADAGRAD: _ClassVar[OptimizerKind]
    OPTIMIZER_KIND_RMSPROP: _ClassVar[OptimizerKind]
    OPTIMIZER_KIND_ADAM: _ClassVar[OptimizerKind]
    OPTIMIZER_KIND_ADAMW: _ClassVar[OptimizerKind]
    OPTIMIZER_KIND_ADAFACTOR: _ClassVar[OptimizerKind]
    OPTIMIZER_KIND_LION: _ClassVar[OptimizerKind]
    OPTIMIZER_KIND_LBFGS: _ClassVar[OptimizerKind]
    OPTIMIZER_KIND_SOPHIA: _ClassVar[OptimizerKind]

class LrScheduleKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LR_SCHEDULE_KIND_UNSPECIFIED: _ClassVar[LrScheduleKind]
    LR_SCHEDULE_KIND_CONSTANT: _ClassVar[LrScheduleKind]
    LR_SCHEDULE_KIND_LINEAR: _ClassVar[LrScheduleKind]
    LR_SCHEDULE_KIND_COSINE: _ClassVar[LrScheduleKind]
    LR_SCHEDULE_KIND_COSINE_RESTARTS: _ClassVar[LrScheduleKind]
    LR_SCHEDULE_KIND_STEP: _ClassVar[LrScheduleKind]
    LR_SCHEDULE_KIND_EXPONENTIAL: _ClassVar[LrScheduleKind]
    LR_SCHEDULE_KIND_ONE_CYCLE: _ClassVar[LrScheduleKind]
    LR_SCHEDULE_KIND_INVERSE_SQRT: _ClassVar[LrScheduleKind]
    LR_SCHEDULE_KIND_REDUCE_ON_PLATEAU: _ClassVar[LrScheduleKind]

class KlEstimator(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    KL_ESTIMATOR_UNSPECIFIED: _ClassVar[KlEstimator]
    KL_ESTIMATOR_K1: _ClassVar[KlEstimator]
    KL_ESTIMATOR_K2: _ClassVar[KlEstimator]
    KL_ESTIMATOR_K3: _ClassVar[KlEstimator]
    KL_ESTIMATOR_ABS: _ClassVar[KlEstimator]

class PreferenceLoss(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PREFERENCE_LOSS_UNSPECIFIED: _ClassVar[PreferenceLoss]
    PREFERENCE_LOSS_SIGMOID: _ClassVar[PreferenceLoss]
    PREFERENCE_LOSS_IPO: _ClassVar[PreferenceLoss]
    PREFERENCE_LOSS_ROBUST: _ClassVar[PreferenceLoss]
JOB_METHOD_UNSPECIFIED: JobMethod
JOB_METHOD_SFT: JobMethod
JOB_METHOD_REWARD_MODEL: JobMethod
JOB_METHOD_PPO: JobMethod
JOB_METHOD_DPO: JobMethod
JOB_METHOD_DISTILL: JobMethod
JOB_METHOD_VAE: JobMethod
JOB_METHOD_GAN: JobMethod
JOB_METHOD_DIFFUSION: JobMethod
JOB_METHOD_GRPO: JobMethod
JOB_METHOD_RLOO: JobMethod
JOB_METHOD_ONLINE_DPO: JobMethod
JOB_METHOD_DARTS: JobMethod
JOB_STATE_UNSPECIFIED: JobState
JOB_STATE_QUEUED: JobState
JOB_STATE_RUNNING: JobState
JOB_STATE_SUCCEEDED: JobState
JOB_STATE_FAILED: JobState
JOB_STATE_CANCELLED: JobState
JOB_STATE_RETRYING: JobState
TUNING_UNSPECIFIED: Tuning
TUNING_FULL: Tuning
TUNING_LORA: Tuning
PRECISION_UNSPECIFIED: Precision
PRECISION_AUTO: Precision
PRECISION_FP32: Precision
PRECISION_BF16: Precision
PRECISION_FP16: Precision
ADVERSARIAL_METHOD_UNSPECIFIED: AdversarialMethod
ADVERSARIAL_METHOD_FGSM: AdversarialMethod
ADVERSARIAL_METHOD_PGD: AdversarialMethod
CURRICULUM_ORDER_UNSPECIFIED: CurriculumOrder
CURRICULUM_ORDER_LENGTH: CurriculumOrder
CURRICULUM_ORDER_DIFFICULTY: CurriculumOrder
CURRICULUM_ORDER_LOSS: CurriculumOrder
CURRICULUM_PACING_UNSPECIFIED: CurriculumPacing
CURRICULUM_PACING_LINEAR: CurriculumPacing
CURRICULUM_PACING_ROOT: CurriculumPacing
CURRICULUM_PACING_STEP: CurriculumPacing
OPTIMIZER_KIND_UNSPECIFIED: OptimizerKind
OPTIMIZER_KIND_SGD: OptimizerKind
OPTIMIZER_KIND_ADAGRAD: OptimizerKind
OPTIMIZER_KIND_RMSPROP: OptimizerKind
OPTIMIZER_KIND_ADAM: OptimizerKind
OPTIMIZER_KIND_ADAMW: OptimizerKind
OPTIMIZER_KIND_ADAFACTOR: OptimizerKind
OPTIMIZER_KIND_LION: OptimizerKind
OPTIMIZER_KIND_LBFGS: OptimizerKind
OPTIMIZER_KIND_SOPHIA: OptimizerKind
LR_SCHEDULE_KIND_UNSPECIFIED: LrScheduleKind
LR_SCHEDULE_KIND_CONSTANT: LrScheduleKind
LR_SCHEDULE_KIND_LINEAR: LrScheduleKind
LR_SCHEDULE_KIND_COSINE: LrScheduleKind
LR_SCHEDULE_KIND_COSINE_RESTARTS: LrScheduleKind
LR_SCHEDULE_KIND_STEP: LrScheduleKind
LR_SCHEDULE_KIND_EXPONENTIAL: LrScheduleKind
LR_SCHEDULE_KIND_ONE_CYCLE: LrScheduleKind
LR_SCHEDULE_KIND_INVERSE_SQRT: LrScheduleKind
LR_SCHEDULE_KIND_REDUCE_ON_PLATEAU: LrScheduleKind
KL_ESTIMATOR_UNSPECIFIED: KlEstimator
KL_ESTIMATOR_K1: KlEstimator
KL_ESTIMATOR_K2: KlEstimator
KL_ESTIMATOR_K3: KlEstimator
KL_ESTIMATOR_ABS: KlEstimator
PREFERENCE_LOSS_UNSPECIFIED: PreferenceLoss
PREFERENCE_LOSS_SIGMOID: PreferenceLoss
PREFERENCE_LOSS_IPO: PreferenceLoss
PREFERENCE_LOSS_ROBUST: PreferenceLoss

class Hyperparameters(_message.Message):
    __slots__ = ("learning_rate", "epochs", "max_steps", "batch_size", "grad_accum_steps", "warmup_steps", "weight_decay", "max_grad_norm", "max_seq_len", "seed", "precision", "validation_fraction", "eval_every", "early_stopping_patience", "checkpoint_every", "log_every", "optimizer", "lr_schedule", "regularization", "early_stopping_min_delta", "restore_best_weights", "curriculum", "augmentation", "adversarial")
    LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    MAX_STEPS_FIELD_NUMBER: _ClassVar[int]
    BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    GRAD_ACCUM_STEPS_FIELD_NUMBER: _ClassVar[int]
    WARMUP_STEPS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
    MAX_GRAD_NORM_FIELD_NUMBER: _ClassVar[int]
    MAX_SEQ_LEN_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    PRECISION_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_FRACTION_FIELD_NUMBER: _ClassVar[int]
    EVAL_EVERY_FIELD_NUMBER: _ClassVar[int]
    EARLY_STOPPING_PATIENCE_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_EVERY_FIELD_NUMBER: _ClassVar[int]
    LOG_EVERY_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    LR_SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    REGULARIZATION_FIELD_NUMBER: _ClassVar[int]
    EARLY_STOPPING_MIN_DELTA_FIELD_NUMBER: _ClassVar[int]
    RESTORE_BEST_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    CURRICULUM_FIELD_NUMBER: _ClassVar[int]
    AUGMENTATION_FIELD_NUMBER: _ClassVar[int]
    ADVERSARIAL_FIELD_NUMBER: _ClassVar[int]
    learning_rate: float
    epochs: int
    max_steps: int
    batch_size: int
    grad_accum_steps: int
    warmup_steps: int
    weight_decay: float
    max_grad_norm: float
    max_seq_len: int
    seed: int
    precision: Precision
    validation_fraction: float
    eval_every: int
    early_stopping_patience: int
    checkpoint_every: int
    log_every: int
    optimizer: OptimizerOptions
    lr_schedule: LrScheduleOptions
    regularization: RegularizationOptions
    early_stopping_min_delta: float
    restore_best_weights: bool
    curriculum: CurriculumOptions
    augmentation: AugmentationOptions
    adversarial: AdversarialOptions
    def __init__(self, learning_rate: _Optional[float] = ..., epochs: _Optional[int] = ..., max_steps: _Optional[int] = ..., batch_size: _Optional[int] = ..., grad_accum_steps: _Optional[int] = ..., warmup_steps: _Optional[int] = ..., weight_decay: _Optional[float] = ..., max_grad_norm: _Optional[float] = ..., max_seq_len: _Optional[int] = ..., seed: _Optional[int] = ..., precision: _Optional[_Union[Precision, str]] = ..., validation_fraction: _Optional[float] = ..., eval_every: _Optional[int] = ..., early_stopping_patience: _Optional[int] = ..., checkpoint_every: _Optional[int] = ..., log_every: _Optional[int] = ..., optimizer: _Optional[_Union[OptimizerOptions, _Mapping]] = ..., lr_schedule: _Optional[_Union[LrScheduleOptions, _Mapping]] = ..., regularization: _Optional[_Union[RegularizationOptions, _Mapping]] = ..., early_stopping_min_delta: _Optional[float] = ..., restore_best_weights: _Optional[bool] = ..., curriculum: _Optional[_Union[CurriculumOptions, _Mapping]] = ..., augmentation: _Optional[_Union[AugmentationOptions, _Mapping]] = ..., adversarial: _Optional[_Union[AdversarialOptions, _Mapping]] = ...) -> None: ...

class AdversarialOptions(_message.Message):
    __slots__ = ("method", "epsilon", "steps", "step_size", "weight")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    EPSILON_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    STEP_SIZE_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    method: AdversarialMethod
    epsilon: float
    steps: int
    step_size: float
    weight: float
    def __init__(self, method: _Optional[_Union[AdversarialMethod, str]] = ..., epsilon: _Optional[float] = ..., steps: _Optional[int] = ..., step_size: _Optional[float] = ..., weight: _Optional[float] = ...) -> None: ...

class CurriculumOptions(_message.Message):
    __slots__ = ("order", "pacing", "start_share", "ramp", "anti", "rescore_every")
    ORDER_FIELD_NUMBER: _ClassVar[int]
    PACING_FIELD_NUMBER: _ClassVar[int]
    START_SHARE_FIELD_NUMBER: _ClassVar[int]
    RAMP_FIELD_NUMBER: _ClassVar[int]
    ANTI_FIELD_NUMBER: _ClassVar[int]
    RESCORE_EVERY_FIELD_NUMBER: _ClassVar[int]
    order: CurriculumOrder
    pacing: CurriculumPacing
    start_share: float
    ramp: float
    anti: bool
    rescore_every: int
    def __init__(self, order: _Optional[_Union[CurriculumOrder, str]] = ..., pacing: _Optional[_Union[CurriculumPacing, str]] = ..., start_share: _Optional[float] = ..., ramp: _Optional[float] = ..., anti: _Optional[bool] = ..., rescore_every: _Optional[int] = ...) -> None: ...

class AugmentationOptions(_message.Message):
    __slots__ = ("token_mask_prob", "span_deletion_prob", "swap_prob")
    TOKEN_MASK_PROB_FIELD_NUMBER: _ClassVar[int]
    SPAN_DELETION_PROB_FIELD_NUMBER: _ClassVar[int]
    SWAP_PROB_FIELD_NUMBER: _ClassVar[int]
    token_mask_prob: float
    span_deletion_prob: float
    swap_prob: float
    def __init__(self, token_mask_prob: _Optional[float] = ..., span_deletion_prob: _Optional[float] = ..., swap_prob: _Optional[float] = ...) -> None: ...

class OptimizerOptions(_message.Message):
    __slots__ = ("kind", "momentum", "nesterov", "beta1", "beta2", "eps", "hessian_update_interval", "history_size")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MOMENTUM_FIELD_NUMBER: _ClassVar[int]
    NESTEROV_FIELD_NUMBER: _ClassVar[int]
    BETA1_FIELD_NUMBER: _ClassVar[int]
    BETA2_FIELD_NUMBER: _ClassVar[int]
    EPS_FIELD_NUMBER: _ClassVar[int]
    HESSIAN_UPDATE_INTERVAL_FIELD_NUMBER: _ClassVar[int]
    HISTORY_SIZE_FIELD_NUMBER: _ClassVar[int]
    kind: OptimizerKind
    momentum: float
    nesterov: bool
    beta1: float
    beta2: float
    eps: float
    hessian_update_interval: int
    history_size: int
    def __init__(self, kind: _Optional[_Union[OptimizerKind, str]] = ..., momentum: _Optional[float] = ..., nesterov: _Optional[bool] = ..., beta1: _Optional[float] = ..., beta2: _Optional[float] = ..., eps: _Optional[float] = ..., hessian_update_interval: _Optional[int] = ..., history_size: _Optional[int] = ...) -> None: ...

class LrScheduleOptions(_message.Message):
    __slots__ = ("kind", "min_lr_ratio", "restart_period", "restart_mult", "step_size", "gamma", "pct_start", "plateau_patience", "plateau_factor")
    KIND_FIELD_NUMBER: _ClassVar[int]
    MIN_LR_RATIO_FIELD_NUMBER: _ClassVar[int]
    RESTART_PERIOD_FIELD_NUMBER: _ClassVar[int]
    RESTART_MULT_FIELD_NUMBER: _ClassVar[int]
    STEP_SIZE_FIELD_NUMBER: _ClassVar[int]
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    PCT_START_FIELD_NUMBER: _ClassVar[int]
    PLATEAU_PATIENCE_FIELD_NUMBER: _ClassVar[int]
    PLATEAU_FACTOR_FIELD_NUMBER: _ClassVar[int]
    kind: LrScheduleKind
    min_lr_ratio: float
    restart_period: int
    restart_mult: float
    step_size: int
    gamma: float
    pct_start: float
    plateau_patience: int
    plateau_factor: float
    def __init__(self, kind: _Optional[_Union[LrScheduleKind, str]] = ..., min_lr_ratio: _Optional[float] = ..., restart_period: _Optional[int] = ..., restart_mult: _Optional[float] = ..., step_size: _Optional[int] = ..., gamma: _Optional[float] = ..., pct_start: _Optional[float] = ..., plateau_patience: _Optional[int] = ..., plateau_factor: _Optional[float] = ...) -> None: ...

class RegularizationOptions(_message.Message):
    __slots__ = ("l1_penalty", "label_smoothing", "grad_noise", "max_weight_norm", "attention_dropout", "residual_dropout", "embedding_dropout", "spectral_norm")
    L1_PENALTY_FIELD_NUMBER: _ClassVar[int]
    LABEL_SMOOTHING_FIELD_NUMBER: _ClassVar[int]
    GRAD_NOISE_FIELD_NUMBER: _ClassVar[int]
    MAX_WEIGHT_NORM_FIELD_NUMBER: _ClassVar[int]
    ATTENTION_DROPOUT_FIELD_NUMBER: _ClassVar[int]
    RESIDUAL_DROPOUT_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_DROPOUT_FIELD_NUMBER: _ClassVar[int]
    SPECTRAL_NORM_FIELD_NUMBER: _ClassVar[int]
    l1_penalty: float
    label_smoothing: float
    grad_noise: float
    max_weight_norm: float
    attention_dropout: float
    residual_dropout: float
    embedding_dropout: float
    spectral_norm: bool
    def __init__(self, l1_penalty: _Optional[float] = ..., label_smoothing: _Optional[float] = ..., grad_noise: _Optional[float] = ..., max_weight_norm: _Optional[float] = ..., attention_dropout: _Optional[float] = ..., residual_dropout: _Optional[float] = ..., embedding_dropout: _Optional[float] = ..., spectral_norm: _Optional[bool] = ...) -> None: ...

class LoraOptions(_message.Message):
    __slots__ = ("rank", "alpha", "dropout", "target_modules")
    RANK_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    DROPOUT_FIELD_NUMBER: _ClassVar[int]
    TARGET_MODULES_FIELD_NUMBER: _ClassVar[int]
    rank: int
    alpha: float
    dropout: float
    target_modules: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, rank: _Optional[int] = ..., alpha: _Optional[float] = ..., dropout: _Optional[float] = ..., target_modules: _Optional[_Iterable[str]] = ...) -> None: ...

class SftConfig(_message.Message):
    __slots__ = ("tuning", "lora", "packing")
    TUNING_FIELD_NUMBER: _ClassVar[int]
    LORA_FIELD_NUMBER: _ClassVar[int]
    PACKING_FIELD_NUMBER: _ClassVar[int]
    tuning: Tuning
    lora: LoraOptions
    packing: bool
    def __init__(self, tuning: _Optional[_Union[Tuning, str]] = ..., lora: _Optional[_Union[LoraOptions, _Mapping]] = ..., packing: _Optional[bool] = ...) -> None: ...

class RewardModelConfig(_message.Message):
    __slots__ = ("tuning", "lora", "mixup_alpha")
    TUNING_FIELD_NUMBER: _ClassVar[int]
    LORA_FIELD_NUMBER: _ClassVar[int]
    MIXUP_ALPHA_FIELD_NUMBER: _ClassVar[int]
    tuning: Tuning
    lora: LoraOptions
    mixup_alpha: float
    def __init__(self, tuning: _Optional[_Union[Tuning, str]] = ..., lora: _Optional[_Union[LoraOptions, _Mapping]] = ..., mixup_alpha: _Optional[float] = ...) -> None: ...

class RewardSource(_message.Message):
    __slots__ = ("reward_model", "scoring_function", "human_feedback", "remote")
    REWARD_MODEL_FIELD_NUMBER: _ClassVar[int]
    SCORING_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    HUMAN_FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    REMOTE_FIELD_NUMBER: _ClassVar[int]
    reward_model: str
    scoring_function: str
    human_feedback: bool
    remote: RemoteReward
    def __init__(self, reward_model: _Optional[str] = ..., scoring_function: _Optional[str] = ..., human_feedback: _Optional[bool] = ..., remote: _Optional[_Union[RemoteReward, _Mapping]] = ...) -> None: ...

class RemoteReward(_message.Message):
    __slots__ = ("target", "timeout_seconds", "max_batch_size", "max_retries")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    target: str
    timeout_seconds: float
    max_batch_size: int
    max_retries: int
    def __init__(self, target: _Optional[str] = ..., timeout_seconds: _Optional[float] = ..., max_batch_size: _Optional[int] = ..., max_retries: _Optional[int] = ...) -> None: ...

class PpoConfig(_message.Message):
    __slots__ = ("reward", "reference_model", "kl_coef", "adaptive_kl", "target_kl", "gamma", "lam", "clip_range", "value_clip_range", "ppo_epochs", "rollout_batch_size", "minibatch_size", "max_new_tokens", "temperature", "value_model", "value_learning_rate", "kl_estimator", "whiten_advantages", "adaptive_kl_target", "adaptive_kl_horizon", "stop_at_eos")
    REWARD_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_MODEL_FIELD_NUMBER: _ClassVar[int]
    KL_COEF_FIELD_NUMBER: _ClassVar[int]
    ADAPTIVE_KL_FIELD_NUMBER: _ClassVar[int]
    TARGET_KL_FIELD_NUMBER: _ClassVar[int]
    GAMMA_FIELD_NUMBER: _ClassVar[int]
    LAM_FIELD_NUMBER: _ClassVar[int]
    CLIP_RANGE_FIELD_NUMBER: _ClassVar[int]
    VALUE_CLIP_RANGE_FIELD_NUMBER: _ClassVar[int]
    PPO_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MINIBATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_NEW_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    VALUE_MODEL_FIELD_NUMBER: _ClassVar[int]
    VALUE_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    KL_ESTIMATOR_FIELD_NUMBER: _ClassVar[int]
    WHITEN_ADVANTAGES_FIELD_NUMBER: _ClassVar[int]
    ADAPTIVE_KL_TARGET_FIELD_NUMBER: _ClassVar[int]
    ADAPTIVE_KL_HORIZON_FIELD_NUMBER: _ClassVar[int]
    STOP_AT_EOS_FIELD_NUMBER: _ClassVar[int]
    reward: RewardSource
    reference_model: str
    kl_coef: float
    adaptive_kl: bool
    target_kl: float
    gamma: float
    lam: float
    clip_range: float
    value_clip_range: float
    ppo_epochs: int
    rollout_batch_size: int
    minibatch_size: int
    max_new_tokens: int
    temperature: float
    value_model: str
    value_learning_rate: float
    kl_estimator: KlEstimator
    whiten_advantages: bool
    adaptive_kl_target: float
    adaptive_kl_horizon: int
    stop_at_eos: bool
    def __init__(self, reward: _Optional[_Union[RewardSource, _Mapping]] = ..., reference_model: _Optional[str] = ..., kl_coef: _Optional[float] = ..., adaptive_kl: _Optional[bool] = ..., target_kl: _Optional[float] = ..., gamma: _Optional[float] = ..., lam: _Optional[float] = ..., clip_range: _Optional[float] = ..., value_clip_range: _Optional[float] = ..., ppo_epochs: _Optional[int] = ..., rollout_batch_size: _Optional[int] = ..., minibatch_size: _Optional[int] = ..., max_new_tokens: _Optional[int] = ..., temperature: _Optional[float] = ..., value_model: _Optional[str] = ..., value_learning_rate: _Optional[float] = ..., kl_estimator: _Optional[_Union[KlEstimator, str]] = ..., whiten_advantages: _Optional[bool] = ..., adaptive_kl_target: _Optional[float] = ..., adaptive_kl_horizon: _Optional[int] = ..., stop_at_eos: _Optional[bool] = ...) -> None: ...

class GrpoConfig(_message.Message):
    __slots__ = ("reward", "reference_model", "kl_coef", "group_size", "clip_range", "epochs", "rollout_batch_size", "minibatch_size", "max_new_tokens", "temperature", "kl_estimator", "stop_at_eos", "scale_rewards")
    REWARD_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_MODEL_FIELD_NUMBER: _ClassVar[int]
    KL_COEF_FIELD_NUMBER: _ClassVar[int]
    GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    CLIP_RANGE_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MINIBATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_NEW_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    KL_ESTIMATOR_FIELD_NUMBER: _ClassVar[int]
    STOP_AT_EOS_FIELD_NUMBER: _ClassVar[int]
    SCALE_REWARDS_FIELD_NUMBER: _ClassVar[int]
    reward: RewardSource
    reference_model: str
    kl_coef: float
    group_size: int
    clip_range: float
    epochs: int
    rollout_batch_size: int
    minibatch_size: int
    max_new_tokens: int
    temperature: float
    kl_estimator: KlEstimator
    stop_at_eos: bool
    scale_rewards: bool
    def __init__(self, reward: _Optional[_Union[RewardSource, _Mapping]] = ..., reference_model: _Optional[str] = ..., kl_coef: _Optional[float] = ..., group_size: _Optional[int] = ..., clip_range: _Optional[float] = ..., epochs: _Optional[int] = ..., rollout_batch_size: _Optional[int] = ..., minibatch_size: _Optional[int] = ..., max_new_tokens: _Optional[int] = ..., temperature: _Optional[float] = ..., kl_estimator: _Optional[_Union[KlEstimator, str]] = ..., stop_at_eos: _Optional[bool] = ..., scale_rewards: _Optional[bool] = ...) -> None: ...

class RlooConfig(_message.Message):
    __slots__ = ("reward", "reference_model", "kl_coef", "group_size", "clip_range", "epochs", "rollout_batch_size", "minibatch_size", "max_new_tokens", "temperature", "kl_estimator", "stop_at_eos")
    REWARD_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_MODEL_FIELD_NUMBER: _ClassVar[int]
    KL_COEF_FIELD_NUMBER: _ClassVar[int]
    GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    CLIP_RANGE_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MINIBATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MAX_NEW_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    KL_ESTIMATOR_FIELD_NUMBER: _ClassVar[int]
    STOP_AT_EOS_FIELD_NUMBER: _ClassVar[int]
    reward: RewardSource
    reference_model: str
    kl_coef: float
    group_size: int
    clip_range: float
    epochs: int
    rollout_batch_size: int
    minibatch_size: int
    max_new_tokens: int
    temperature: float
    kl_estimator: KlEstimator
    stop_at_eos: bool
    def __init__(self, reward: _Optional[_Union[RewardSource, _Mapping]] = ..., reference_model: _Optional[str] = ..., kl_coef: _Optional[float] = ..., group_size: _Optional[int] = ..., clip_range: _Optional[float] = ..., epochs: _Optional[int] = ..., rollout_batch_size: _Optional[int] = ..., minibatch_size: _Optional[int] = ..., max_new_tokens: _Optional[int] = ..., temperature: _Optional[float] = ..., kl_estimator: _Optional[_Union[KlEstimator, str]] = ..., stop_at_eos: _Optional[bool] = ...) -> None: ...

class OnlineDpoConfig(_message.Message):
    __slots__ = ("reward", "reference_model", "beta", "loss", "label_smoothing", "samples_per_prompt", "rollout_batch_size", "minibatch_size", "epochs", "max_new_tokens", "temperature", "stop_at_eos")
    REWARD_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_MODEL_FIELD_NUMBER: _ClassVar[int]
    BETA_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    LABEL_SMOOTHING_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_PER_PROMPT_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    MINIBATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    EPOCHS_FIELD_NUMBER: _ClassVar[int]
    MAX_NEW_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    STOP_AT_EOS_FIELD_NUMBER: _ClassVar[int]
    reward: RewardSource
    reference_model: str
    beta: float
    loss: PreferenceLoss
    label_smoothing: float
    samples_per_prompt: int
    rollout_batch_size: int
    minibatch_size: int
    epochs: int
    max_new_tokens: int
    temperature: float
    stop_at_eos: bool
    def __init__(self, reward: _Optional[_Union[RewardSource, _Mapping]] = ..., reference_model: _Optional[str] = ..., beta: _Optional[float] = ..., loss: _Optional[_Union[PreferenceLoss, str]] = ..., label_smoothing: _Optional[float] = ..., samples_per_prompt: _Optional[int] = ..., rollout_batch_size: _Optional[int] = ..., minibatch_size: _Optional[int] = ..., epochs: _Optional[int] = ..., max_new_tokens: _Optional[int] = ..., temperature: _Optional[float] = ..., stop_at_eos: _Optional[bool] = ...) -> None: ...

class DpoConfig(_message.Message):
    __slots__ = ("beta", "reference_model", "loss", "tuning", "lora", "label_smoothing")
    BETA_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_MODEL_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    TUNING_FIELD_NUMBER: _ClassVar[int]
    LORA_FIELD_NUMBER: _ClassVar[int]
    LABEL_SMOOTHING_FIELD_NUMBER: _ClassVar[int]
    beta: float
    reference_model: str
    loss: PreferenceLoss
    tuning: Tuning
    lora: LoraOptions
    label_smoothing: float
    def __init__(self, beta: _Optional[float] = ..., reference_model: _Optional[str] = ..., loss: _Optional[_Union[PreferenceLoss, str]] = ..., tuning: _Optional[_Union[Tuning, str]] = ..., lora: _Optional[_Union[LoraOptions, _Mapping]] = ..., label_smoothing: _Optional[float] = ...) -> None: ...

class DistillConfig(_message.Message):
    __slots__ = ("teacher_model", "temperature", "alpha")
    TEACHER_MODEL_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_FIELD_NUMBER: _ClassVar[int]
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    teacher_model: str
    temperature: float
    alpha: float
    def __init__(self, teacher_model: _Optional[str] = ..., temperature: _Optional[float] = ..., alpha: _Optional[float] = ...) -> None: ...

class Job(_message.Message):
    __slots__ = ("name", "display_name", "method", "base_model", "training_dataset", "validation_dataset", "hyperparameters", "sft", "reward_model", "ppo", "dpo", "distill", "vae", "gan", "diffusion", "grpo", "rloo", "online_dpo", "darts", "resources", "max_retries", "labels", "state", "attempt", "step", "total_steps", "latest_metrics", "output_model", "artifacts", "error", "create_time", "start_time", "end_time", "sweep", "architecture")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    class LatestMetricsEntry(_message.Message):
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
    METHOD_FIELD_NUMBER: _ClassVar[int]
    BASE_MODEL_FIELD_NUMBER: _ClassVar[int]
    TRAINING_DATASET_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_DATASET_FIELD_NUMBER: _ClassVar[int]
    HYPERPARAMETERS_FIELD_NUMBER: _ClassVar[int]
    SFT_FIELD_NUMBER: _ClassVar[int]
    REWARD_MODEL_FIELD_NUMBER: _ClassVar[int]
    PPO_FIELD_NUMBER: _ClassVar[int]
    DPO_FIELD_NUMBER: _ClassVar[int]
    DISTILL_FIELD_NUMBER: _ClassVar[int]
    VAE_FIELD_NUMBER: _ClassVar[int]
    GAN_FIELD_NUMBER: _ClassVar[int]
    DIFFUSION_FIELD_NUMBER: _ClassVar[int]
    GRPO_FIELD_NUMBER: _ClassVar[int]
    RLOO_FIELD_NUMBER: _ClassVar[int]
    ONLINE_DPO_FIELD_NUMBER: _ClassVar[int]
    DARTS_FIELD_NUMBER: _ClassVar[int]
    RESOURCES_FIELD_NUMBER: _ClassVar[int]
    MAX_RETRIES_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STEPS_FIELD_NUMBER: _ClassVar[int]
    LATEST_METRICS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_MODEL_FIELD_NUMBER: _ClassVar[int]
    ARTIFACTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    name: str
    display_name: str
    method: JobMethod
    base_model: str
    training_dataset: str
    validation_dataset: str
    hyperparameters: Hyperparameters
    sft: SftConfig
    reward_model: RewardModelConfig
    ppo: PpoConfig
    dpo: DpoConfig
    distill: DistillConfig
    vae: _images_pb2.VaeConfig
    gan: _images_pb2.GanConfig
    diffusion: _images_pb2.DiffusionConfig
    grpo: GrpoConfig
    rloo: RlooConfig
    online_dpo: OnlineDpoConfig
    darts: _darts_pb2.DartsConfig
    resources: _common_pb2.Resources
    max_retries: int
    labels: _containers.ScalarMap[str, str]
    state: JobState
    attempt: int
    step: int
    total_steps: int
    latest_metrics: _containers.ScalarMap[str, float]
    output_model: str
    artifacts: _containers.ScalarMap[str, str]
    error: str
    create_time: _timestamp_pb2.Timestamp
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    sweep: str
    architecture: ModelArchitecture
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., method: _Optional[_Union[JobMethod, str]] = ..., base_model: _Optional[str] = ..., training_dataset: _Optional[str] = ..., validation_dataset: _Optional[str] = ..., hyperparameters: _Optional[_Union[Hyperparameters, _Mapping]] = ..., sft: _Optional[_Union[SftConfig, _Mapping]] = ..., reward_model: _Optional[_Union[RewardModelConfig, _Mapping]] = ..., ppo: _Optional[_Union[PpoConfig, _Mapping]] = ..., dpo: _Optional[_Union[DpoConfig, _Mapping]] = ..., distill: _Optional[_Union[DistillConfig, _Mapping]] = ..., vae: _Optional[_Union[_images_pb2.VaeConfig, _Mapping]] = ..., gan: _Optional[_Union[_images_pb2.GanConfig, _Mapping]] = ..., diffusion: _Optional[_Union[_images_pb2.DiffusionConfig, _Mapping]] = ..., grpo: _Optional[_Union[GrpoConfig, _Mapping]] = ..., rloo: _Optional[_Union[RlooConfig, _Mapping]] = ..., online_dpo: _Optional[_Union[OnlineDpoConfig, _Mapping]] = ..., darts: _Optional[_Union[_darts_pb2.DartsConfig, _Mapping]] = ..., resources: _Optional[_Union[_common_pb2.Resources, _Mapping]] = ..., max_retries: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., state: _Optional[_Union[JobState, str]] = ..., attempt: _Optional[int] = ..., step: _Optional[int] = ..., total_steps: _Optional[int] = ..., latest_metrics: _Optional[_Mapping[str, float]] = ..., output_model: _Optional[str] = ..., artifacts: _Optional[_Mapping[str, str]] = ..., error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sweep: _Optional[str] = ..., architecture: _Optional[_Union[ModelArchitecture, _Mapping]] = ...) -> None: ...

class ModelArchitecture(_message.Message):
    __slots__ = ("n_layers", "d_model", "n_heads")
    N_LAYERS_FIELD_NUMBER: _ClassVar[int]
    D_MODEL_FIELD_NUMBER: _ClassVar[int]
    N_HEADS_FIELD_NUMBER: _ClassVar[int]
    n_layers: int
    d_model: int
    n_heads: int
    def __init__(self, n_layers: _Optional[int] = ..., d_model: _Optional[int] = ..., n_heads: _Optional[int] = ...) -> None: ...

class CreateJobRequest(_message.Message):
    __slots__ = ("job", "request_id")
    JOB_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    job: Job
    request_id: str
    def __init__(self, job: _Optional[_Union[Job, _Mapping]] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListJobsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "state", "method", "sweep")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    SWEEP_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: JobState
    method: JobMethod
    sweep: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., method: _Optional[_Union[JobMethod, str]] = ..., sweep: _Optional[str] = ...) -> None: ...

class ListJobsResponse(_message.Message):
    __slots__ = ("jobs", "next_page_token")
    JOBS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    jobs: _containers.RepeatedCompositeFieldContainer[Job]
    next_page_token: str
    def __init__(self, jobs: _Optional[_Iterable[_Union[Job, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CancelJobRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class WatchJobRequest(_message.Message):
    __slots__ = ("name", "after_event_id")
    NAME_FIELD_NUMBER: _ClassVar[int]
    AFTER_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    name: str
    after_event_id: str
    def __init__(self, name: _Optional[str] = ..., after_event_id: _Optional[str] = ...) -> None: ...

class StateChange(_message.Message):
    __slots__ = ("state", "attempt", "reason")
    STATE_FIELD_NUMBER: _ClassVar[int]
    ATTEMPT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    state: JobState
    attempt: int
    reason: str
    def __init__(self, state: _Optional[_Union[JobState, str]] = ..., attempt: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...

class Metrics(_message.Message):
    __slots__ = ("step", "total_steps", "values")
    class ValuesEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    STEP_FIELD_NUMBER: _ClassVar[int]
    TOTAL_STEPS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    step: int
    total_steps: int
    values: _containers.ScalarMap[str, float]
    def __init__(self, step: _Optional[int] = ..., total_steps: _Optional[int] = ..., values: _Optional[_Mapping[str, float]] = ...) -> None: ...

class Checkpoint(_message.Message):
    __slots__ = ("step", "uri", "create_time")
    STEP_FIELD_NUMBER: _ClassVar[int]
    URI_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    step: int
    uri: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, step: _Optional[int] = ..., uri: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class LogLine(_message.Message):
    __slots__ = ("level", "message")
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    level: str
    message: str
    def __init__(self, level: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class JobEvent(_message.Message):
    __slots__ = ("id", "time", "state_change", "metrics", "checkpoint", "log")
    ID_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_CHANGE_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    LOG_FIELD_NUMBER: _ClassVar[int]
    id: str
    time: _timestamp_pb2.Timestamp
    state_change: StateChange
    metrics: Metrics
    checkpoint: Checkpoint
    log: LogLine
    def __init__(self, id: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state_change: _Optional[_Union[StateChange, _Mapping]] = ..., metrics: _Optional[_Union[Metrics, _Mapping]] = ..., checkpoint: _Optional[_Union[Checkpoint, _Mapping]] = ..., log: _Optional[_Union[LogLine, _Mapping]] = ...) -> None: ...

class ListCheckpointsRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListCheckpointsResponse(_message.Message):
    __slots__ = ("checkpoints",)
    CHECKPOINTS_FIELD_NUMBER: _ClassVar[int]
    checkpoints: _containers.RepeatedCompositeFieldContainer[Checkpoint]
    def __init__(self, checkpoints: _Optional[_Iterable[_Union[Checkpoint, _Mapping]]] = ...) -> None: ...
