"""Knowledge distillation: train a (smaller) student causal LM on a teacher's soft targets.

`DistillConfig` is an SFT config (same data, schedule and checkpoint settings; `base_model` is
the student's starting point) plus the teacher and the loss mix; `train(config, ctx)` runs the
SFT loop with `kiln_trainer.losses.distillation_loss` in place of plain cross-entropy. Torch is
imported inside `train`, so the config stays cheap to import for the gateway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kiln_trainer.algorithms.checks import check_float, config_from_dict
from kiln_trainer.algorithms.sft import SFTConfig
from kiln_trainer.errors import ConfigError
from kiln_trainer.models.registry import BUILTIN_MODELS, is_builtin, looks_like_model_dir

if TYPE_CHECKING:
    from kiln_trainer.context import TrainContext, TrainResult


@dataclass
class DistillConfig(SFTConfig):
    # The teacher: a built-in name or a local model directory with the student's tokenizer.
    teacher_model: str = ""
    # Softmax temperature for both distributions; > 1 exposes the teacher's ranking of wrong tokens.
    temperature: float = 2.0
    # Weight of the soft (KL to the teacher) term; 1 - alpha goes to the hard-label loss.
    alpha: float = 0.5

    def __post_init__(self) -> None:
        super().__post_init__()
        if not isinstance(self.teacher_model, str) or not self.teacher_model:
            raise ConfigError("teacher_model", f"must be a model name or path, got {self.teacher_model!r}")
        if not is_builtin(self.teacher_model) and not looks_like_model_dir(self.teacher_model):
            raise ConfigError(
                "teacher_model",
                f"{self.teacher_model!r} is neither a built-in model "
                f"({', '.join(BUILTIN_MODELS)}) nor a local model directory",
            )
        check_float("temperature", self.temperature, low=0.0, low_open=True, high=100.0, high_open=False)
        check_float("alpha", self.alpha, low=0.0, high=1.0, high_open=False)
        if self.tuning != "full":
            raise ConfigError("tuning", f"distillation trains the whole student; got {self.tuning!r}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DistillConfig:
        return config_from_dict(cls, d, ("base_model", "train_path", "teacher_model"), "DISTILL config")


def train(config: DistillConfig, ctx: TrainContext) -> TrainResult:
    """Distil `config.teacher_model` into `config.base_model` on `config.train_path`."""
    from kiln_trainer.algorithms.distill_run import DistillRun

    return DistillRun(config, ctx).run()
