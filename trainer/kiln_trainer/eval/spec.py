"""What an evaluation computes, in local terms (torch-free: the gateway imports the names)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from kiln_trainer.errors import ConfigError
from kiln_trainer.inference.params import SamplingParams

PERPLEXITY, MEAN_REWARD, WIN_RATE = "perplexity", "mean_reward", "win_rate"
KL_TO_REFERENCE, DISTINCT_N, EXACT_MATCH = "kl_to_reference", "distinct_n", "exact_match"
TEXT_METRICS = (PERPLEXITY, MEAN_REWARD, WIN_RATE, KL_TO_REFERENCE, DISTINCT_N, EXACT_MATCH)
# Image models: generated images against reference images (kiln_trainer/eval/image_run.py).
FID, PRECISION_RECALL, CLASS_COVERAGE, TEST_ELBO = "fid", "precision_recall", "class_coverage", "test_elbo"
IMAGE_METRICS = (FID, PRECISION_RECALL, CLASS_COVERAGE, TEST_ELBO)
METRICS = TEXT_METRICS + IMAGE_METRICS
# Fewest generated images the image metrics accept (a covariance and 3-NN balls need some).
MIN_IMAGES = 10
# An image evaluation's dataset_path for a built-in dataset: its held-out split is the reference.
BUILTIN_PREFIX = "builtin:"
GENERATIVE = (MEAN_REWARD, WIN_RATE, KL_TO_REFERENCE, DISTINCT_N, EXACT_MATCH)
NEEDS_SFT = (PERPLEXITY, EXACT_MATCH)
# Sampling without a seed would make results irreproducible (and unsafe to reuse): use this one.
DEFAULT_SEED = 0


@dataclass(frozen=True)
class EvalSpec:
    """One evaluation in local terms: built-in names or model directories, a JSONL file."""

    metrics: tuple[str, ...]
    model: str  # built-in name or local causal LM directory
    dataset_path: str
    dataset_format: str  # "sft" or "prompts"; "image" for the image metrics
    baseline_model: str | None = None  # same forms as model; WIN_RATE
    reward_model: str | None = None  # local reward model directory; MEAN_REWARD, WIN_RATE
    reference_model: str | None = None  # same forms as model; KL_TO_REFERENCE
    sampling: dict = field(default_factory=dict)  # SamplingParams fields
    max_records: int = 0  # 0 = all
    batch_size: int = 16  # rows per forward pass / generation chunk

    def __post_init__(self) -> None:
        if not self.metrics:
            raise ConfigError("metrics", "at least one metric is required")
        for name in self.metrics:
            if name not in METRICS:
                raise ConfigError("metrics", f"unknown metric {name!r}; expected one of {', '.join(METRICS)}")
        wanted = set(self.metrics)
        if wanted & {MEAN_REWARD, WIN_RATE} and not self.reward_model:
            raise ConfigError("reward_model", "required for mean_reward and win_rate")
        if WIN_RATE in wanted and not self.baseline_model:
            raise ConfigError("baseline_model", "required for win_rate")
        if KL_TO_REFERENCE in wanted and not self.reference_model:
            raise ConfigError("reference_model", "required for kl_to_reference")
        if wanted & set(IMAGE_METRICS):
            if wanted - set(IMAGE_METRICS):
                raise ConfigError("metrics", "image metrics cannot be mixed with text metrics")
            if self.dataset_format != "image":
                raise ConfigError("dataset_format", f"image metrics need an image dataset, got {self.dataset_format!r}")
        elif self.dataset_format not in ("sft", "prompts"):
            raise ConfigError("dataset_format", f"must be sft or prompts, got {self.dataset_format!r}")
        if wanted & set(NEEDS_SFT) and self.dataset_format != "sft":
            raise ConfigError("dataset_format", "perplexity and exact_match need an sft dataset")
        if wanted & set(IMAGE_METRICS) and 0 < self.max_records < MIN_IMAGES:
            raise ConfigError("max_records", f"image metrics need at least {MIN_IMAGES} images, got {self.max_records}")
        if self.max_records < 0:
            raise ConfigError("max_records", f"must be >= 0, got {self.max_records}")
        if self.batch_size < 1:
            raise ConfigError("batch_size", f"must be >= 1, got {self.batch_size}")
        self.params()  # validates the sampling fields

    def params(self) -> SamplingParams:
        """The sampling settings of every generation, always seeded (see DEFAULT_SEED)."""
        try:
            p = SamplingParams.from_dict(self.sampling)
        except ConfigError as exc:
            raise ConfigError(f"sampling.{exc.field}", exc.message) from None
        if p.seed is None and not p.greedy:
            p = replace(p, seed=DEFAULT_SEED)
        # Log-probabilities come from separate forward passes; the sampler need not keep them.
        return replace(p, logprobs=False, top_logprobs=0)
