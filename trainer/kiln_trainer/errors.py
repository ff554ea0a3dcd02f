"""Errors the trainer raises for bad configuration; the gateway maps them to field violations."""


class ConfigError(ValueError):
    """A config value is invalid. `field` is the config field at fault (snake_case)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class TrainingCancelled(Exception):
    """The context asked training to stop (a cancelled job); raised between optimizer steps.

    `step` is the last completed optimizer step; checkpoints up to it were already saved.
    """

    def __init__(self, step: int):
        super().__init__(f"training cancelled after step {step}")
        self.step = step
