"""The DARTS job config (kiln_trainer/algorithms/darts), torch-free. Field names match the proto
(darts.proto) so a ConfigError lands on the request field the client set."""

from __future__ import annotations

from dataclasses import dataclass

from kiln_trainer.configs.checks import check_choice, check_float, check_int
from kiln_trainer.configs.images import ImageTrainingArguments
from kiln_trainer.errors import ConfigError

# The candidate operations, in the search's column order (DartsOperation's value names).
DARTS_OPERATIONS = ("zero", "skip", "avg_pool_3x3", "max_pool_3x3", "conv_3x3", "conv_5x5", "dil_conv_3x3")
GENOTYPE_SOURCES = ("searched", "random")
DEFAULT_SEARCH_STEPS = 200
MAX_STEPS = 100_000


def _check_range(name: str, value: object, low: int, high: int) -> None:
    check_int(name, value, low)
    assert isinstance(value, int)
    if value > high:
        raise ConfigError(name, f"must be in [{low}, {high}], got {value}")


@dataclass(kw_only=True)
class DartsConfig(ImageTrainingArguments):
    """First-order DARTS: search (genotype_source "searched"), discretise, retrain; the steps
    are search_steps + retrain_steps. batch_size counts images."""

    LABEL = "DARTS config"

    learning_rate: float = 3e-3  # the network weights', both phases
    batch_size: int = 64
    search_steps: int | None = None  # None: DEFAULT_SEARCH_STEPS, or 0 with a random genotype
    retrain_steps: int = 200
    cell_nodes: int = 3
    edges_per_node: int = 2
    channels: int = 16
    layers: int = 2
    operations: list[str] | None = None  # None: every candidate
    arch_learning_rate: float = 3e-3
    arch_weight_decay: float = 1e-3
    genotype_source: str = "searched"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_steps is not None:
            raise ConfigError("max_steps", "DARTS runs darts.search_steps + darts.retrain_steps steps; leave it unset")
        if self.epochs != 1:
            raise ConfigError("epochs", "DARTS runs darts.search_steps + darts.retrain_steps steps; leave it unset")
        check_choice("genotype_source", self.genotype_source, GENOTYPE_SOURCES)
        if self.search_steps is not None:
            if self.genotype_source == "random":
                raise ConfigError("search_steps", "a random genotype has no search phase; leave it unset")
            _check_range("search_steps", self.search_steps, 1, MAX_STEPS)
        _check_range("retrain_steps", self.retrain_steps, 1, MAX_STEPS)
        _check_range("cell_nodes", self.cell_nodes, 1, 6)
        _check_range("edges_per_node", self.edges_per_node, 1, 6)
        _check_range("channels", self.channels, 4, 128)
        _check_range("layers", self.layers, 1, 8)
        if self.operations is not None:
            ops = self.operations
            if not isinstance(ops, list) or not ops:
                raise ConfigError("operations", f"must be a non-empty list of operations, got {ops!r}")
            for op in ops:
                check_choice("operations", op, DARTS_OPERATIONS)
            if len(set(ops)) != len(ops):
                raise ConfigError("operations", f"each operation at most once, got {', '.join(ops)}")
            if all(op == "zero" for op in ops):
                raise ConfigError("operations", "needs an operation other than zero: discretisation never keeps zero")
        check_float("arch_learning_rate", self.arch_learning_rate, low=0.0, low_open=True)
        check_float("arch_weight_decay", self.arch_weight_decay, low=0.0)

    @property
    def steps_of_search(self) -> int:
        if self.genotype_source == "random":
            return 0
        return DEFAULT_SEARCH_STEPS if self.search_steps is None else self.search_steps

    @property
    def candidate_operations(self) -> tuple[str, ...]:
        """The candidates in the search's fixed column order, whatever order the request gave."""
        chosen = set(self.operations or DARTS_OPERATIONS)
        return tuple(op for op in DARTS_OPERATIONS if op in chosen)
