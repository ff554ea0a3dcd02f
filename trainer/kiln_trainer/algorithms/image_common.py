"""What the image trainers share on the Trainer base: reading the data at the job's resolution,
the held-out split, augmentation, batches and the sample-grid artifact."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from kiln_trainer.configs.images import ImageTrainingArguments
from kiln_trainer.data.formats import RecordError
from kiln_trainer.data.image_batches import Augmentation, ImageBatches, eval_batches, split_arrays
from kiln_trainer.data.images import ImageArrays, encode_png, image_grid, load_image_records, resize_square
from kiln_trainer.errors import ConfigError
from kiln_trainer.training.trainer import Trainer

Batch = dict[str, torch.Tensor]


def heldout_arrays(name: str, resolution: int) -> ImageArrays:
    """The held-out split of a built-in dataset at `resolution` (never trained on)."""
    from kiln_trainer.data import digits

    pixels, labels = digits.load_split("test")
    images = np.stack([resize_square(p[:, :, None], resolution) for p in pixels])
    return ImageArrays(images.astype(np.float32).transpose(0, 3, 1, 2) / 255.0, labels, 10)


class ImageTrainer(Trainer[Any]):
    """The data hooks of every image method; subclasses add the model and the objective."""

    unit = "images"
    family = "image"
    cfg: ImageTrainingArguments

    # The model's channel count (and class count) is the data's.
    data_first = True

    def _read(self, path: str, field: str) -> ImageArrays:
        try:
            return load_image_records(path, self.cfg.resolution, field)
        except RecordError as exc:
            raise ConfigError(field, str(exc)) from None

    def load_data(self) -> None:
        cfg = self.cfg
        train = self._read(cfg.train_path, "train_path")
        val: ImageArrays | None
        if cfg.val_path is not None:
            val = self._read(cfg.val_path, "val_path")
        else:
            train, val = split_arrays(train, cfg.val_fraction, cfg.seed)
        self.channels = train.images.shape[1]
        self.num_classes = train.num_classes
        self.train_data, self.val_data = train, val
        self.test_data = heldout_arrays(cfg.heldout_dataset, cfg.resolution) if cfg.heldout_dataset else None
        aug = Augmentation(cfg.horizontal_flip, cfg.max_shift, cfg.max_rotation_degrees, cfg.noise_std)
        self.batches = ImageBatches(train, cfg.batch_size, cfg.seed, aug)
        self.steps_per_epoch = self.batches.steps_per_epoch
        self.val_batches = eval_batches(val, cfg.batch_size) if val is not None else []
        self.log(
            f"data: {len(train.images)} train / {0 if val is None else len(val.images)} validation images"
            f"{'' if self.test_data is None else f' / {len(self.test_data.images)} held-out'} "
            f"at {cfg.resolution}x{cfg.resolution}x{self.channels}; {self.steps_per_epoch} steps per epoch, "
            f"{self.total_steps} steps; {torch.get_num_threads()} torch thread(s)"
        )

    def conditional_classes(self) -> int:
        """The class count a method's networks condition on (cfg.class_conditional: None follows
        the data, False never, True requires labels): the data's, or 0 (unconditional)."""
        wanted = getattr(self.cfg, "class_conditional", False)
        if wanted is False:
            return 0
        if self.num_classes == 0 and wanted:
            raise ConfigError("class_conditional", "the training dataset has no labels")
        return self.num_classes

    def step_batches(self, step: int) -> Sequence[Batch]:
        return [self.batches.batch(step)]

    def has_validation(self) -> bool:
        return bool(self.val_batches)

    def eval_batches(self) -> Sequence[Batch]:
        return self.val_batches

    def batch_weight(self, batch: Batch) -> float:
        return float(batch["x"].shape[0])

    def to_device(self, batch: Batch) -> Batch:
        return {k: v.to(self.device) for k, v in batch.items()}

    def sample_images(self, n: int, seed: int) -> np.ndarray:
        """(n, C, R, R) images in [0, 1] from the model being trained."""
        raise NotImplementedError

    def save_sample_grid(self, name: str = "samples.png", n: int = 64) -> None:
        """A grid of n seeded samples, kept as a job artifact."""
        path = Path(self.ctx.work_dir) / name
        path.write_bytes(encode_png(image_grid(self.sample_images(n, self.cfg.seed))))
        self.extra_artifacts[name] = self.ctx.save_artifact(name, path)
