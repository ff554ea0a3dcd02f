"""The DARTS job trainer: search, discretise and retrain in one run of the shared Trainer loop.

Steps [0, search_steps) are the search: each one an architecture step (alpha, on a batch of one
half of the training split) then a weight step (on a batch of the other half), first-order. At
step search_steps the cell is discretised and a fresh discrete network replaces the search
network, with its own optimizer and learning-rate schedule over the retrain steps. A
checkpoint records the phase (the genotype once discretised), so a resumed attempt rebuilds the
right network before loading its weights. With genotype_source "random" the cell is sampled
from the seed and the run is the retraining alone: the baseline a searched cell must beat.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from kiln_trainer import optim
from kiln_trainer.algorithms.darts.cell import CellSpace, DartsNet, Genotype, arch_entropy, discretise, random_genotype
from kiln_trainer.algorithms.image_common import Batch, ImageTrainer
from kiln_trainer.configs.darts import DARTS_OPERATIONS, DartsConfig
from kiln_trainer.data.image_batches import Augmentation, ImageBatches, eval_batches
from kiln_trainer.data.images import ImageArrays
from kiln_trainer.errors import ConfigError
from kiln_trainer.training.trainer import Metrics

MODEL_TYPE = "kiln-darts-classifier"
BUFFERS_FILE = "buffers.safetensors"  # batch-norm running statistics: not trainable, not in the base checkpoint


def _constant(optimizer: torch.optim.Optimizer) -> torch.optim.lr_scheduler.LRScheduler:
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)


def _halves(data: ImageArrays, seed: int) -> tuple[ImageArrays, ImageArrays]:
    """The training split cut in two seeded halves: (weights, architecture)."""
    order = torch.randperm(len(data.images), generator=torch.Generator().manual_seed(seed)).numpy()
    half = len(order) // 2

    def take(idx: Any) -> ImageArrays:
        assert data.labels is not None
        return ImageArrays(data.images[idx], data.labels[idx], data.num_classes)

    return take(order[:half]), take(order[half:])


class DartsTrainer(ImageTrainer):
    title = "DARTS"
    cfg: DartsConfig

    def __init__(self, config: DartsConfig, ctx: Any):
        super().__init__(config, ctx)
        self.space = CellSpace(config.cell_nodes, config.edges_per_node, config.candidate_operations)
        self.search_steps = config.steps_of_search
        self.genotype: Genotype | None = None  # set once discretised (or sampled)
        self.final_alpha: list[list[float]] | None = None

    @property
    def searching(self) -> bool:
        return self.genotype is None

    @property
    def total_steps(self) -> int:
        return self.search_steps + self.cfg.retrain_steps

    # -- data and model ---------------------------------------------------------------------------

    def load_data(self) -> None:
        super().load_data()
        if self.train_data.labels is None:
            raise ConfigError("train_path", "DARTS trains a classifier: the images need class labels")
        if self.val_data is not None and self.val_data.labels is None:
            raise ConfigError("val_path", "DARTS trains a classifier: the images need class labels")
        cfg = self.cfg
        aug = Augmentation(cfg.horizontal_flip, cfg.max_shift, cfg.max_rotation_degrees, cfg.noise_std)
        weights, arch = _halves(self.train_data, cfg.seed)
        self.search_batches = ImageBatches(weights, cfg.batch_size, cfg.seed, aug)
        self.arch_batches = ImageBatches(arch, cfg.batch_size, cfg.seed + 1, aug)

    def _net(self, genotype: Genotype | None) -> DartsNet:
        net = DartsNet(self.cfg.channels, self.cfg.layers, self.space, genotype, self.channels, self.num_classes)
        return net.to(self.device)

    def build_model(self) -> nn.Module:
        if self.search_steps == 0:
            self.genotype = random_genotype(random.Random(self.cfg.seed), space=self.space)
            self.log(f"random cell (seed {self.cfg.seed}): {describe(self.genotype)}")
            return self._net(self.genotype)
        net = self._net(None)
        self.log(
            f"searching a {self.space.nodes}-node cell over {len(self.space.ops)} operations "
            f"({', '.join(self.space.ops)}) for {self.search_steps} steps, then {self.cfg.retrain_steps} retrain steps"
        )
        return net

    def _weights(self) -> nn.Module:
        """The network's weights without alpha, for the weights' optimizer and constraints."""
        net = self.module
        assert isinstance(net, DartsNet)
        return nn.ModuleList([net.stem, net.cells, net.head])

    def build_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        optimizers = {"model": self.build_optimizer(self._weights())}
        if self.searching:
            alpha = self.module.alpha
            assert isinstance(alpha, nn.Parameter)
            optimizers["arch"] = torch.optim.Adam(
                [alpha], lr=self.cfg.arch_learning_rate, betas=(0.5, 0.999), weight_decay=self.cfg.arch_weight_decay
            )
        return optimizers

    def build_scheduler(self, optimizer: torch.optim.Optimizer) -> Any:
        # The search keeps constant rates (as DARTS does); the job's schedule shapes the retraining.
        if self.searching:
            return _constant(optimizer)
        cfg = self.cfg
        return optim.build_scheduler(
            optimizer, warmup_steps=cfg.warmup_steps, total_steps=cfg.retrain_steps, options=cfg
        )

    def setup(self) -> None:
        super().setup()
        self.constrained = optim.matmul_weights(self._weights())  # never alpha

    def _enter_retrain(self, genotype: Genotype) -> None:
        """Replace the search network by a fresh discrete one, with new optimizers."""
        self.genotype = genotype
        self.module = self._net(genotype)
        self.forward_module = self.module
        self.module.train()
        self.optimizers = self.build_optimizers()
        self.schedulers = {name: self.build_scheduler(opt) for name, opt in self.optimizers.items()}
        self.constrained = optim.matmul_weights(self._weights())

    def _discretise(self) -> None:
        alpha = self.module.alpha
        assert isinstance(alpha, nn.Parameter)
        genotype = discretise(alpha, self.space)
        self.final_alpha = F.softmax(alpha.detach().float(), dim=-1).cpu().tolist()
        self.log(f"discretised cell after {self.step} search steps: {describe(genotype)}")
        self._enter_retrain(genotype)

    # -- steps ------------------------------------------------------------------------------------

    def objective(self, module: nn.Module, batch: Batch, split: str) -> tuple[torch.Tensor, Metrics]:
        logits = module(batch["x"])  # (B, classes)
        loss = F.cross_entropy(logits.float(), batch["y"])
        return loss, {}

    def compute_loss(self, module: nn.Module, batch: Batch, split: str) -> tuple[torch.Tensor, Metrics]:
        logits = module(batch["x"])  # (B, classes)
        loss = F.cross_entropy(logits.float(), batch["y"])
        return loss, {"accuracy": (logits.argmax(-1) == batch["y"]).float().mean().detach()}

    def train_step(self) -> None:
        if self.searching and self.step == self.search_steps:
            self._discretise()
        if not self.searching:
            super().train_step()
            return
        self.optimizers["arch"].zero_grad(set_to_none=True)
        self.accumulate([self.arch_batches.batch(self.step)], self.objective, "search_val_loss")
        self.optimizer_step("arch")
        self.optimizers["model"].zero_grad(set_to_none=True)  # drop the architecture step's weight grads
        self.accumulate([self.search_batches.batch(self.step)], self.objective, "search_train_loss")
        self.optimizer_step("model")

    def step_batches(self, step: int) -> list[Batch]:
        return [self.batches.batch(step - self.search_steps)]

    def report_extras(self) -> dict[str, float]:
        alpha = getattr(self.module, "alpha", None)
        extras = {"phase": 0.0 if self.searching else 1.0}
        if isinstance(alpha, nn.Parameter):
            extras["arch_entropy"] = arch_entropy(alpha)
        return extras

    def has_validation(self) -> bool:
        # Validation scores the discrete network; the search reports its own val loss (alpha's half).
        return bool(self.val_batches) and not self.searching

    # -- checkpoints: the phase, and batch norm's statistics --------------------------------------

    def write_checkpoint(self, staging: Path) -> None:
        from safetensors.torch import save_file

        super().write_checkpoint(staging)
        buffers = {k: v.detach().cpu().contiguous() for k, v in self.module.named_buffers()}
        save_file(buffers, str(staging / BUFFERS_FILE))

    def state_dict(self) -> dict[str, Any]:
        return super().state_dict() | {"genotype": self.genotype, "final_alpha": self.final_alpha}

    def read_checkpoint(self, path: Path, state: dict[str, Any]) -> None:
        from safetensors.torch import load_file

        genotype = state.get("genotype")
        if genotype is not None and self.searching:
            self._enter_retrain([(int(j), int(i), str(op)) for j, i, op in genotype])
        self.final_alpha = state.get("final_alpha")
        super().read_checkpoint(path, state)
        buffers = load_file(str(path / BUFFERS_FILE))
        for name, buf in self.module.named_buffers():
            buf.copy_(buffers[name])

    def resumed(self, state: dict[str, Any]) -> str:
        return " (retraining the discretised cell)" if state.get("genotype") is not None else " (searching)"

    # -- the result ------------------------------------------------------------------------------

    @torch.no_grad()
    def score(self, data: ImageArrays) -> tuple[float, float]:
        """(accuracy, mean cross-entropy) of the network on `data`."""
        self.module.eval()
        correct, loss, n = 0.0, 0.0, 0
        for batch in eval_batches(data, 256):
            x, y = batch["x"].to(self.device), batch["y"].to(self.device)
            logits = self.module(x).float()
            correct += float((logits.argmax(-1) == y).sum())
            loss += float(F.cross_entropy(logits, y, reduction="sum"))
            n += len(y)
        self.module.train()
        return correct / n, loss / n

    def result_extras(self) -> dict[str, float]:
        assert self.genotype is not None
        out = {
            "parameter_count": float(sum(p.numel() for p in self.module.parameters())),
            "cell_edges": float(len(self.genotype)),
            "searched": 1.0 if self.search_steps else 0.0,
        }
        # The cell in numbers, so a client reads it from the job's metrics: the DartsOperation
        # value of each kept edge (node j from input i).
        for j, i, op in self.genotype:
            out[f"cell.n{j}.from{i}"] = float(DARTS_OPERATIONS.index(op) + 1)
        data = self.test_data if self.test_data is not None else self.val_data
        if data is not None and data.labels is not None:
            prefix = "test" if self.test_data is not None else "val"
            acc, loss = self.score(data)
            self.log(f"{prefix} accuracy {acc:.4f}, loss {loss:.4f} over {len(data.images)} images")
            out |= {f"{prefix}_accuracy": acc, f"{prefix}_loss": loss}
        # Also a metrics event: WatchJob and the job's latest metrics show the cell and its score,
        # not only the registered model's metrics.
        self.report_metrics(out)
        return out

    def save_model(self, model_dir: Path) -> None:
        from safetensors.torch import save_file

        assert self.genotype is not None
        self.module.eval()
        model_dir.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().cpu().contiguous() for k, v in self.module.state_dict().items()}
        save_file(state, str(model_dir / "model.safetensors"))
        cell = genotype_json(self.genotype, self.space, self.final_alpha)
        config = {
            "model_type": MODEL_TYPE,
            "channels": self.cfg.channels,
            "layers": self.cfg.layers,
            "in_channels": self.channels,
            "num_classes": self.num_classes,
            "resolution": self.cfg.resolution,
            **cell,
        }
        (model_dir / "config.json").write_text(json.dumps(config, indent=1))
        path = Path(self.ctx.work_dir) / "genotype.json"
        path.write_text(json.dumps(cell, indent=1))
        self.extra_artifacts["genotype.json"] = self.ctx.save_artifact("genotype.json", path)
        self.module.train()


def describe(genotype: Genotype) -> str:
    return ", ".join(f"n{j}<-n{i}:{op}" for j, i, op in genotype)


def genotype_json(genotype: Genotype, space: CellSpace, alpha: list[list[float]] | None) -> dict[str, Any]:
    """The discrete cell as JSON (the genotype.json artifact and the model's config)."""
    return {
        "source": "searched" if alpha is not None else "random",
        "cell_nodes": space.nodes,
        "edges_per_node": space.keep,
        "operations": list(space.ops),
        "edges": [{"node": j, "input": i, "operation": op} for j, i, op in genotype],
        # softmax(alpha) per search edge (rows: space.edges() order), at discretisation.
        "alpha": alpha,
    }


def load_classifier(model_dir: str | Path) -> DartsNet:
    """The registered classifier from its directory (config.json and model.safetensors)."""
    from safetensors.torch import load_file

    model_dir = Path(model_dir)
    c = json.loads((model_dir / "config.json").read_text())
    if c.get("model_type") != MODEL_TYPE:
        raise ValueError(f"{model_dir} is not a DARTS classifier (model_type {c.get('model_type')!r})")
    space = CellSpace(c["cell_nodes"], c["edges_per_node"], tuple(c["operations"]))
    genotype = [(e["node"], e["input"], e["operation"]) for e in c["edges"]]
    net = DartsNet(c["channels"], c["layers"], space, genotype, c["in_channels"], c["num_classes"])
    net.load_state_dict(load_file(str(model_dir / "model.safetensors")))
    return net.eval()
