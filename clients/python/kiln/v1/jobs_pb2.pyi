import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kiln.v1 import common_pb2 as _common_pb2
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

class PreferenceLoss(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PREFERENCE_LOSS_UNSPECIFIED: _ClassVar[PreferenceLoss]
    PREFERENCE_LOSS_SIGMOID: _ClassVar[PreferenceLoss]
    PREFERENCE_LOSS_IPO: _ClassVar[PreferenceLoss]
JOB_METHOD_UNSPECIFIED: JobMethod
JOB_METHOD_SFT: JobMethod
JOB_METHOD_REWARD_MODEL: JobMethod
JOB_METHOD_PPO: JobMethod
JOB_METHOD_DPO: JobMethod
JOB_METHOD_DISTILL: JobMethod
JOB_METHOD_VAE: JobMethod
JOB_METHOD_GAN: JobMethod
JOB_METHOD_DIFFUSION: JobMethod
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
PREFERENCE_LOSS_UNSPECIFIED: PreferenceLoss
PREFERENCE_LOSS_SIGMOID: PreferenceLoss
PREFERENCE_LOSS_IPO: PreferenceLoss

class Hyperparameters(_message.Message):
    __slots__ = ("learning_rate", "epochs", "max_steps", "batch_size", "grad_accum_steps", "warmup_steps", "weight_decay", "max_grad_norm", "max_seq_len", "seed", "precision", "validation_fraction", "eval_every", "early_stopping_patience", "checkpoint_every", "log_every")
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
    def __init__(self, learning_rate: _Optional[float] = ..., epochs: _Optional[int] = ..., max_steps: _Optional[int] = ..., batch_size: _Optional[int] = ..., grad_accum_steps: _Optional[int] = ..., warmup_steps: _Optional[int] = ..., weight_decay: _Optional[float] = ..., max_grad_norm: _Optional[float] = ..., max_seq_len: _Optional[int] = ..., seed: _Optional[int] = ..., precision: _Optional[_Union[Precision, str]] = ..., validation_fraction: _Optional[float] = ..., eval_every: _Optional[int] = ..., early_stopping_patience: _Optional[int] = ..., checkpoint_every: _Optional[int] = ..., log_every: _Optional[int] = ...) -> None: ...

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
    __slots__ = ("tuning", "lora")
    TUNING_FIELD_NUMBER: _ClassVar[int]
    LORA_FIELD_NUMBER: _ClassVar[int]
    tuning: Tuning
    lora: LoraOptions
    def __init__(self, tuning: _Optional[_Union[Tuning, str]] = ..., lora: _Optional[_Union[LoraOptions, _Mapping]] = ...) -> None: ...

class RewardSource(_message.Message):
    __slots__ = ("reward_model", "scoring_function", "human_feedback")
    REWARD_MODEL_FIELD_NUMBER: _ClassVar[int]
    SCORING_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    HUMAN_FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    reward_model: str
    scoring_function: str
    human_feedback: bool
    def __init__(self, reward_model: _Optional[str] = ..., scoring_function: _Optional[str] = ..., human_feedback: _Optional[bool] = ...) -> None: ...

class PpoConfig(_message.Message):
    __slots__ = ("reward", "reference_model", "kl_coef", "adaptive_kl", "target_kl", "gamma", "lam", "clip_range", "value_clip_range", "ppo_epochs", "rollout_batch_size", "minibatch_size", "max_new_tokens", "temperature", "value_model")
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
    def __init__(self, reward: _Optional[_Union[RewardSource, _Mapping]] = ..., reference_model: _Optional[str] = ..., kl_coef: _Optional[float] = ..., adaptive_kl: _Optional[bool] = ..., target_kl: _Optional[float] = ..., gamma: _Optional[float] = ..., lam: _Optional[float] = ..., clip_range: _Optional[float] = ..., value_clip_range: _Optional[float] = ..., ppo_epochs: _Optional[int] = ..., rollout_batch_size: _Optional[int] = ..., minibatch_size: _Optional[int] = ..., max_new_tokens: _Optional[int] = ..., temperature: _Optional[float] = ..., value_model: _Optional[str] = ...) -> None: ...

class DpoConfig(_message.Message):
    __slots__ = ("beta", "reference_model", "loss", "tuning", "lora")
    BETA_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_MODEL_FIELD_NUMBER: _ClassVar[int]
    LOSS_FIELD_NUMBER: _ClassVar[int]
    TUNING_FIELD_NUMBER: _ClassVar[int]
    LORA_FIELD_NUMBER: _ClassVar[int]
    beta: float
    reference_model: str
    loss: PreferenceLoss
    tuning: Tuning
    lora: LoraOptions
    def __init__(self, beta: _Optional[float] = ..., reference_model: _Optional[str] = ..., loss: _Optional[_Union[PreferenceLoss, str]] = ..., tuning: _Optional[_Union[Tuning, str]] = ..., lora: _Optional[_Union[LoraOptions, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("name", "display_name", "method", "base_model", "training_dataset", "validation_dataset", "hyperparameters", "sft", "reward_model", "ppo", "dpo", "distill", "vae", "gan", "diffusion", "resources", "max_retries", "labels", "state", "attempt", "step", "total_steps", "latest_metrics", "output_model", "artifacts", "error", "create_time", "start_time", "end_time")
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
    def __init__(self, name: _Optional[str] = ..., display_name: _Optional[str] = ..., method: _Optional[_Union[JobMethod, str]] = ..., base_model: _Optional[str] = ..., training_dataset: _Optional[str] = ..., validation_dataset: _Optional[str] = ..., hyperparameters: _Optional[_Union[Hyperparameters, _Mapping]] = ..., sft: _Optional[_Union[SftConfig, _Mapping]] = ..., reward_model: _Optional[_Union[RewardModelConfig, _Mapping]] = ..., ppo: _Optional[_Union[PpoConfig, _Mapping]] = ..., dpo: _Optional[_Union[DpoConfig, _Mapping]] = ..., distill: _Optional[_Union[DistillConfig, _Mapping]] = ..., vae: _Optional[_Union[_images_pb2.VaeConfig, _Mapping]] = ..., gan: _Optional[_Union[_images_pb2.GanConfig, _Mapping]] = ..., diffusion: _Optional[_Union[_images_pb2.DiffusionConfig, _Mapping]] = ..., resources: _Optional[_Union[_common_pb2.Resources, _Mapping]] = ..., max_retries: _Optional[int] = ..., labels: _Optional[_Mapping[str, str]] = ..., state: _Optional[_Union[JobState, str]] = ..., attempt: _Optional[int] = ..., step: _Optional[int] = ..., total_steps: _Optional[int] = ..., latest_metrics: _Optional[_Mapping[str, float]] = ..., output_model: _Optional[str] = ..., artifacts: _Optional[_Mapping[str, str]] = ..., error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

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
    __slots__ = ("page_size", "page_token", "state", "method")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: JobState
    method: JobMethod
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[JobState, str]] = ..., method: _Optional[_Union[JobMethod, str]] = ...) -> None: ...

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
