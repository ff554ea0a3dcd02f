"""Sampling parameters as a plain, validated value, and their canonical form for cache keys."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from kiln_trainer.errors import ConfigError

MAX_STOP_STRINGS = 8
MAX_STOP_LEN = 128
MAX_TOP_LOGPROBS = 20
DEFAULT_MAX_TOKENS = 256
# Numerically safe bounds: logits are divided by the temperature and by the repetition penalty
# (or multiplied by it), so values near 0 or huge overflow float32 to inf and the softmax to NaN,
# which would fail every row of the replica's batch. 0 stays greedy (no division at all).
MIN_TEMPERATURE, MAX_TEMPERATURE = 1e-3, 2.0
MIN_REPETITION_PENALTY, MAX_REPETITION_PENALTY = 1e-2, 100.0
MAX_GUIDANCE_SCALE = 20.0


@dataclass(frozen=True)
class SamplingParams:
    temperature: float = 1.0  # 0 means greedy
    top_k: int = 0  # 0 disables
    top_p: float = 1.0  # in (0, 1]; 1 disables
    # None: DEFAULT_MAX_TOKENS, or whatever fits the context after the prompt.
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    repetition_penalty: float = 1.0  # CTRL-style; 1 disables
    seed: int | None = None
    logprobs: bool = False
    top_logprobs: int = 0
    # Stop at the model's end-of-sequence token. PPO rollouts turn it off to get fixed lengths.
    stop_at_eos: bool = field(default=True)
    # Image models only: the class to generate (a class-conditional model's range is checked by
    # its replica). None: unconditional, or a uniformly drawn class.
    class_label: int | None = None
    # Image models only: classifier-free guidance of a class-conditional diffusion model, in
    # [0, MAX_GUIDANCE_SCALE] (whether the model takes it is checked by its replica). None: 1.0.
    guidance_scale: float | None = None

    def __post_init__(self) -> None:
        t = self.temperature
        if (
            not isinstance(t, int | float)
            or not math.isfinite(t)
            or (t != 0 and not MIN_TEMPERATURE <= t <= MAX_TEMPERATURE)
        ):
            raise ConfigError(
                "temperature", f"must be 0 (greedy) or in [{MIN_TEMPERATURE:g}, {MAX_TEMPERATURE:g}], got {t!r}"
            )
        if not isinstance(self.top_k, int) or self.top_k < 0:
            raise ConfigError("top_k", f"must be >= 0, got {self.top_k!r}")
        p = self.top_p
        if not isinstance(p, int | float) or math.isnan(p) or not 0 < p <= 1:
            raise ConfigError("top_p", f"must be in (0, 1], got {p!r}")
        if self.max_tokens is not None and (not isinstance(self.max_tokens, int) or self.max_tokens < 1):
            raise ConfigError("max_tokens", f"must be >= 1, got {self.max_tokens!r}")
        if len(self.stop) > MAX_STOP_STRINGS:
            raise ConfigError("stop", f"at most {MAX_STOP_STRINGS} strings, got {len(self.stop)}")
        for i, s in enumerate(self.stop):
            if not isinstance(s, str) or not 1 <= len(s) <= MAX_STOP_LEN:
                raise ConfigError(f"stop[{i}]", f"must be 1 to {MAX_STOP_LEN} characters, got {s!r}")
        rp = self.repetition_penalty
        if not isinstance(rp, int | float) or not MIN_REPETITION_PENALTY <= rp <= MAX_REPETITION_PENALTY:
            raise ConfigError(
                "repetition_penalty",
                f"must be in [{MIN_REPETITION_PENALTY:g}, {MAX_REPETITION_PENALTY:g}], got {rp!r}",
            )
        if self.seed is not None and (not isinstance(self.seed, int) or self.seed < 0):
            raise ConfigError("seed", f"must be a non-negative integer, got {self.seed!r}")
        if self.class_label is not None and (not isinstance(self.class_label, int) or self.class_label < 0):
            raise ConfigError("class_label", f"must be a non-negative integer, got {self.class_label!r}")
        g = self.guidance_scale
        if g is not None and (
            isinstance(g, bool) or not isinstance(g, int | float) or not 0 <= g <= MAX_GUIDANCE_SCALE
        ):  # NaN fails the range test too
            raise ConfigError("guidance_scale", f"must be in [0, {MAX_GUIDANCE_SCALE:g}], got {g!r}")
        if not isinstance(self.top_logprobs, int) or not 0 <= self.top_logprobs <= MAX_TOP_LOGPROBS:
            raise ConfigError("top_logprobs", f"must be in [0, {MAX_TOP_LOGPROBS}], got {self.top_logprobs!r}")
        if self.top_logprobs and not self.logprobs:
            raise ConfigError("top_logprobs", "needs logprobs to be set")

    @property
    def greedy(self) -> bool:
        return self.temperature == 0

    @property
    def deterministic(self) -> bool:
        """Same request, same model version -> same output: greedy, or seeded."""
        return self.greedy or self.seed is not None

    def canonical(self) -> dict:
        """Every field with its effective value, JSON-ready: two requests that sample the same way
        have equal canonical forms (the cache key is built from this)."""
        d = asdict(self)
        d["stop"] = list(self.stop)
        d["temperature"] = float(self.temperature)
        d["top_p"] = float(self.top_p)
        d["repetition_penalty"] = float(self.repetition_penalty)
        if self.greedy:
            d["seed"] = None  # the seed is irrelevant to greedy decoding
        if self.class_label is None:
            del d["class_label"]  # text requests keep the canonical form (and cache keys) they had
        if self.guidance_scale is None:
            del d["guidance_scale"]
        else:
            d["guidance_scale"] = float(self.guidance_scale)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> SamplingParams:
        d = dict(d)
        d["stop"] = tuple(d.get("stop", ()))
        return cls(**d)


def derive_seed(seed: int | None, index: int) -> int | None:
    """Each of the n samples of one request gets its own stream from (seed, index)."""
    if seed is None:
        return None
    # A large odd multiplier spreads neighbouring seeds apart; kept within torch's 64-bit range.
    return (seed * 0x9E3779B97F4A7C15 + index * 0x632BE59BD9B4E019 + 1) % (2**63)
