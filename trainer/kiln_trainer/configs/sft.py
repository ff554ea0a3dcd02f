"""The SFT job's config: supervised fine-tuning of a causal LM on prompt/completion or chat records."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.architecture import ArchitectureArguments
from kiln_trainer.configs.base import FineTuneArguments
from kiln_trainer.configs.checks import check_bool, check_choice, check_float, check_int, check_optional_int
from kiln_trainer.configs.techniques import CLOSURE_OPTIMIZERS
from kiln_trainer.errors import ConfigError

CURRICULA = ("none", "length", "difficulty", "loss")
PACINGS = ("linear", "root", "step")
ADVERSARIAL = ("none", "fgsm", "pgd")


@dataclass(kw_only=True)
class SFTConfig(ArchitectureArguments, FineTuneArguments):
    """The fine-tuning arguments (configs/base.py) with SFT's records and the fields below.

    With a built-in base model, n_layers / d_model / n_heads (configs/architecture.py) reshape it.
    train_path and val_path hold sft records: {prompt, completion} or {messages: [...]}.
    batch_size counts rows: with packing a row holds several examples, up to max_seq_len tokens
    (max_seq_len is also the packed row length).
    """

    LABEL = "SFT config"

    grad_accum_steps: int = 1  # micro-batches per optimizer step
    packing: bool = True  # pack several examples per row (falls back if the model can't)
    # Stop after this many evaluations without a new best val loss and keep the best
    # weights; None disables early stopping.
    early_stopping_patience: int | None = None
    # A validation loss counts as a new best only when it beats the best by more than this; >= 0.
    early_stopping_min_delta: float = 0.0
    # With early stopping: end with the best validated weights (True) or the last ones.
    restore_best_weights: bool = True
    # Label smoothing of the next-token targets (training loss only), in [0, 1).
    token_label_smoothing: float = 0.0
    # Curriculum: order examples by "length" (tokens), by the records' numeric "difficulty"
    # field, or by the current model's loss on each ("loss": self-paced, re-scored every
    # curriculum_rescore_every steps), easiest first (hardest first with anti_curriculum), and admit a growing share of
    # that order: curriculum_start at step 0, all of it at curriculum_ramp of the run, grown by
    # curriculum_pacing ("linear", "root", or "step": 4 equal stages). "none": no curriculum.
    curriculum: str = "none"
    curriculum_pacing: str = "linear"
    curriculum_start: float = 0.25  # in (0, 1]
    curriculum_ramp: float = 0.5  # in (0, 1]
    anti_curriculum: bool = False
    curriculum_rescore_every: int = 50  # "loss": steps between re-scoring the training examples
    # Text augmentation of the prompt tokens, on the fly and seeded per step (completions, the
    # trained targets, are never changed); probabilities in [0, 1), 0 = off.
    augment_mask_prob: float = 0.0  # each prompt token becomes the pad token
    augment_span_deletion_prob: float = 0.0  # one span of 1-3 prompt tokens is deleted
    augment_swap_prob: float = 0.0  # each adjacent pair of prompt tokens is swapped
    # Adversarial training on the input embeddings: "fgsm" (one step of adversarial_epsilon) or
    # "pgd" (adversarial_steps sign-gradient steps of adversarial_step_size, random start,
    # projected into the L-infinity ball of adversarial_epsilon); "none": off. The training loss
    # is (1 - adversarial_weight) * clean + adversarial_weight * adversarial.
    adversarial: str = "none"
    adversarial_epsilon: float = 0.01  # > 0, in embedding units (kiln-gpt inits them with std 0.02)
    adversarial_steps: int = 3  # pgd: ascent steps, >= 1
    adversarial_step_size: float | None = None  # pgd: > 0; None: 2.5 * epsilon / steps
    adversarial_weight: float = 0.5  # in (0, 1]
    # Measure the saved kiln-gpt model's decode latency (models/latency.py) into the result's
    # decode_ms_per_token. Off unless asked: the greedy decodes cost about a tenth of a short job,
    # and only architecture search reads the figure (a sweep whose objective names it sets this
    # on its trials' jobs; sweeps/trials.py). Not on the job API.
    measure_decode_latency: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        check_int("grad_accum_steps", self.grad_accum_steps, 1)
        check_bool("packing", self.packing)
        check_optional_int("early_stopping_patience", self.early_stopping_patience, 1)
        check_float("early_stopping_min_delta", self.early_stopping_min_delta, low=0.0)
        check_bool("restore_best_weights", self.restore_best_weights)
        check_float("token_label_smoothing", self.token_label_smoothing, low=0.0, high=1.0)
        check_choice("curriculum", self.curriculum, CURRICULA)
        check_choice("curriculum_pacing", self.curriculum_pacing, PACINGS)
        check_float("curriculum_start", self.curriculum_start, low=0.0, low_open=True, high=1.0, high_open=False)
        check_float("curriculum_ramp", self.curriculum_ramp, low=0.0, low_open=True, high=1.0, high_open=False)
        check_bool("anti_curriculum", self.anti_curriculum)
        check_bool("measure_decode_latency", self.measure_decode_latency)
        check_int("curriculum_rescore_every", self.curriculum_rescore_every, 1)
        if self.anti_curriculum and self.curriculum == "none":
            raise ConfigError("anti_curriculum", "needs a curriculum (length or difficulty)")
        for name in ("augment_mask_prob", "augment_span_deletion_prob", "augment_swap_prob"):
            check_float(name, getattr(self, name), low=0.0, high=1.0)
        check_choice("adversarial", self.adversarial, ADVERSARIAL)
        check_float("adversarial_epsilon", self.adversarial_epsilon, low=0.0, low_open=True)
        check_int("adversarial_steps", self.adversarial_steps, 1)
        if self.adversarial_step_size is not None:
            check_float("adversarial_step_size", self.adversarial_step_size, low=0.0, low_open=True)
        check_float("adversarial_weight", self.adversarial_weight, low=0.0, low_open=True, high=1.0, high_open=False)
        if self.optimizer in CLOSURE_OPTIMIZERS and self.grad_accum_steps > 1:
            # The closure re-evaluates one step's loss many times in its line search; over
            # several micro-batches that multiplies the cost and the memory of every step.
            raise ConfigError("grad_accum_steps", f"must be 1 with optimizer {self.optimizer}")
