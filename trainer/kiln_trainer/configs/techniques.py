"""Training techniques every Trainer-based method takes: the optimizer, the learning-rate
schedule and the regularizers, each a flat group of config keys checked here (torch-free).

Unset per-optimizer settings (None) take the optimizer's own default (optim.py says which), so
a key is only an error where it means nothing: momentum for Adam, betas for SGD, Nesterov
without momentum. The gateway maps the proto's OptimizerOptions / LrScheduleOptions /
RegularizationOptions onto these keys (jobs/options.py), so an error here lands on
job.hyperparameters.optimizer.<field> and the like.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.checks import check_bool, check_choice, check_float, check_int, check_optional_int
from kiln_trainer.configs.core import ConfigBase
from kiln_trainer.errors import ConfigError

OPTIMIZERS = ("sgd", "adagrad", "rmsprop", "adam", "adamw", "adafactor", "lion", "lbfgs", "sophia")
MOMENTUM_OPTIMIZERS = ("sgd", "rmsprop")
BETA_OPTIMIZERS = ("adam", "adamw", "lion", "sophia")  # (beta1, beta2) meaningful
EPS_OPTIMIZERS = ("adagrad", "rmsprop", "adam", "adamw", "sophia")
# Optimizers whose step evaluates the loss several times from a closure: one micro-batch per step.
CLOSURE_OPTIMIZERS = ("lbfgs",)

LR_SCHEDULES = (
    "constant",
    "linear",
    "cosine",
    "cosine_restarts",
    "step",
    "exponential",
    "one_cycle",
    "inverse_sqrt",
    "reduce_on_plateau",
)


@dataclass(kw_only=True)
class OptimizerArguments(ConfigBase):
    optimizer: str = "adamw"  # one of OPTIMIZERS
    momentum: float | None = None  # sgd / rmsprop momentum in [0, 1); None: 0
    nesterov: bool = False  # Nesterov momentum (sgd with momentum > 0 only)
    beta1: float | None = None  # first-moment decay in [0, 1); None: the optimizer's default
    beta2: float | None = None  # second-moment (Sophia: Hessian) decay in [0, 1); None: default
    eps: float | None = None  # denominator term, > 0; None: the optimizer's default
    hessian_update_interval: int | None = None  # sophia: steps between Hessian estimates; None: 10
    lbfgs_history_size: int | None = None  # lbfgs: curvature pairs kept; None: 10

    def __post_init__(self) -> None:
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        opt = self.optimizer
        if self.momentum is not None:
            check_float("momentum", self.momentum, low=0.0, high=1.0)
            if opt not in MOMENTUM_OPTIMIZERS and self.momentum:
                raise ConfigError("momentum", f"applies to {' and '.join(MOMENTUM_OPTIMIZERS)} only, not {opt}")
        check_bool("nesterov", self.nesterov)
        if self.nesterov and (opt != "sgd" or not self.momentum):
            raise ConfigError("nesterov", "needs optimizer sgd with momentum > 0")
        for name in ("beta1", "beta2"):
            value = getattr(self, name)
            if value is not None:
                check_float(name, value, low=0.0, high=1.0)
                if opt not in BETA_OPTIMIZERS:
                    raise ConfigError(name, f"applies to {', '.join(BETA_OPTIMIZERS)} only, not {opt}")
        if self.eps is not None:
            check_float("eps", self.eps, low=0.0, low_open=True, high=1.0)
            if opt not in EPS_OPTIMIZERS:
                raise ConfigError("eps", f"applies to {', '.join(EPS_OPTIMIZERS)} only, not {opt}")
        check_optional_int("hessian_update_interval", self.hessian_update_interval, 1)
        if self.hessian_update_interval is not None and opt != "sophia":
            raise ConfigError("hessian_update_interval", f"applies to sophia only, not {opt}")
        check_optional_int("lbfgs_history_size", self.lbfgs_history_size, 1)
        if self.lbfgs_history_size is not None and opt != "lbfgs":
            raise ConfigError("lbfgs_history_size", f"applies to lbfgs only, not {opt}")
        super().__post_init__()


@dataclass(kw_only=True)
class ScheduleArguments(ConfigBase):
    """The schedule multiplies the peak learning rate by a factor of the step; warmup_steps
    (TrainingArguments) ramps every schedule in linearly, except one_cycle, whose rise is its
    own (pct_start)."""

    lr_schedule: str = "cosine"  # one of LR_SCHEDULES
    min_lr_ratio: float = 0.1  # linear/cosine/cosine_restarts/one_cycle end at lr * min_lr_ratio
    restart_period: int | None = None  # cosine_restarts: steps in the first cycle; None: total/4
    restart_mult: float = 1.0  # cosine_restarts: each cycle is this many times the last, >= 1
    lr_step_size: int | None = None  # step: steps between decays; None: total/3
    lr_gamma: float | None = None  # step/exponential: decay factor in (0, 1]; None: 0.1 / 0.99
    pct_start: float = 0.3  # one_cycle: share of the steps spent rising, in (0, 1)
    plateau_patience: int = 2  # reduce_on_plateau: evaluations without improvement before a cut
    plateau_factor: float = 0.5  # reduce_on_plateau: multiply the lr by this, in (0, 1)

    def __post_init__(self) -> None:
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        check_float("min_lr_ratio", self.min_lr_ratio, low=0.0, high=1.0, high_open=False)
        check_optional_int("restart_period", self.restart_period, 1)
        check_float("restart_mult", self.restart_mult, low=1.0, high=10.0, high_open=False)
        check_optional_int("lr_step_size", self.lr_step_size, 1)
        if self.lr_gamma is not None:
            check_float("lr_gamma", self.lr_gamma, low=0.0, low_open=True, high=1.0, high_open=False)
        check_float("pct_start", self.pct_start, low=0.0, low_open=True, high=1.0)
        check_int("plateau_patience", self.plateau_patience, 1)
        check_float("plateau_factor", self.plateau_factor, low=0.0, low_open=True, high=1.0)
        settings = {
            "restart_period": ("cosine_restarts", self.restart_period is not None),
            "restart_mult": ("cosine_restarts", self.restart_mult != 1.0),
            "lr_step_size": ("step", self.lr_step_size is not None),
            "lr_gamma": (("step", "exponential"), self.lr_gamma is not None),
        }
        for name, (schedules, given) in settings.items():
            allowed = (schedules,) if isinstance(schedules, str) else schedules
            if given and self.lr_schedule not in allowed:
                raise ConfigError(name, f"applies to lr_schedule {' or '.join(allowed)} only, not {self.lr_schedule}")
        super().__post_init__()


@dataclass(kw_only=True)
class RegularizationArguments(ConfigBase):
    l1_penalty: float = 0.0  # coefficient of sum |w| over matmul weights (proximal step), >= 0
    grad_noise: float = 0.0  # gradient noise std at step 0, annealed as 1/(1+t)^0.55; >= 0
    max_weight_norm: float | None = None  # max-norm constraint on each weight row's L2 norm, > 0
    # Spectral normalisation of every trained Linear layer (weight / its largest singular value,
    # by power iteration); removed, leaving the normalised weights, before the model is saved.
    spectral_norm: bool = False
    # Dropout of the built-in kiln-gpt models, in [0, 1); None keeps the model's own (0).
    attention_dropout: float | None = None
    residual_dropout: float | None = None
    embedding_dropout: float | None = None

    def __post_init__(self) -> None:
        check_float("l1_penalty", self.l1_penalty, low=0.0)
        check_float("grad_noise", self.grad_noise, low=0.0)
        if self.max_weight_norm is not None:
            check_float("max_weight_norm", self.max_weight_norm, low=0.0, low_open=True)
        check_bool("spectral_norm", self.spectral_norm)
        for name in ("attention_dropout", "residual_dropout", "embedding_dropout"):
            value = getattr(self, name)
            if value is not None:
                check_float(name, value, low=0.0, high=1.0)
        super().__post_init__()

    def dropout(self) -> dict[str, float]:
        """The dropout rates set, by kiln-gpt config name."""
        rates = {
            "attn_dropout": self.attention_dropout,
            "resid_dropout": self.residual_dropout,
            "embd_dropout": self.embedding_dropout,
        }
        return {k: v for k, v in rates.items() if v is not None}
