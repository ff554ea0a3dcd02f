"""The DISTILL job's config: train a (smaller) student causal LM on a teacher's soft targets."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.checks import check_float, check_model
from kiln_trainer.configs.sft import SFTConfig
from kiln_trainer.errors import ConfigError


@dataclass(kw_only=True)
class DistillConfig(SFTConfig):
    """An SFT config (same data, schedule and checkpoint settings; base_model is the student's
    starting point) plus the teacher and the loss mix."""

    LABEL = "DISTILL config"
    REQUIRED = ("base_model", "train_path", "teacher_model")

    # The teacher: a built-in name or a local model directory with the student's tokenizer.
    teacher_model: str = ""
    # Softmax temperature for both distributions; > 1 exposes the teacher's ranking of wrong tokens.
    temperature: float = 2.0
    # Weight of the soft (KL to the teacher) term; 1 - alpha goes to the hard-label loss.
    alpha: float = 0.5
    # Direction of the soft term: "forward" KL(teacher || student) or "reverse" KL(student || teacher).
    kl: str = "forward"

    def __post_init__(self) -> None:
        super().__post_init__()
        check_model("teacher_model", self.teacher_model)
        check_float("temperature", self.temperature, low=0.0, low_open=True, high=100.0, high_open=False)
        check_float("alpha", self.alpha, low=0.0, high=1.0, high_open=False)
        if self.kl not in ("forward", "reverse"):
            raise ConfigError("kl", f"must be 'forward' or 'reverse', got {self.kl!r}")
        if self.adversarial != "none":
            raise ConfigError("adversarial", "not available for distillation yet (SFT only)")
        if self.token_label_smoothing:
            raise ConfigError("token_label_smoothing", "not used by distillation (its soft targets are the teacher's)")
        if self.tuning != "full":
            raise ConfigError("tuning", f"distillation trains the whole student; got {self.tuning!r}")
