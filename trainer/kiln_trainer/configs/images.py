"""Configs of the image-generation methods (VAE; GAN and diffusion join here), torch-free.

Image jobs train from scratch on image JSONL (kiln_trainer/data/images.py): `base_model` is
always SCRATCH. Field names match the proto (images.proto) so a ConfigError lands on the request
field the client set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kiln_trainer.configs.base import TrainingArguments
from kiln_trainer.configs.checks import check_bool, check_choice, check_float, check_int, check_path
from kiln_trainer.errors import ConfigError

SCRATCH = "scratch"  # the base_model of every image job: weights are initialised from the seed
RECONSTRUCTION_LOSSES = ("bce", "mse")
_DEFAULT_MAX_SEQ_LEN = TrainingArguments.max_seq_len


@dataclass(kw_only=True)
class ImageTrainingArguments(TrainingArguments):
    """Training arguments of an image job: the data, its resolution and its augmentation."""

    REQUIRED: ClassVar[tuple[str, ...]] = ("train_path",)

    base_model: str = SCRATCH
    train_path: str  # local image JSONL
    val_path: str | None = None  # local image JSONL; None holds out val_fraction of train
    # A built-in dataset whose held-out split scores the final model (test ELBO, FID); set by
    # the gateway when the training dataset is that built-in, never by a request.
    heldout_dataset: str | None = None
    resolution: int = 8  # side of the square images, a multiple of 4 in [8, 128]
    # Augmentation of training images (images.proto ImageAugmentation).
    horizontal_flip: bool = False
    max_shift: int = 0  # pixels, in [0, 8]
    max_rotation_degrees: float = 0.0  # in [0, 45]
    noise_std: float = 0.0  # in [0, 0.5]

    def __post_init__(self) -> None:
        if self.base_model != SCRATCH:
            raise ConfigError("base_model", "image jobs train from scratch; leave the base model empty")
        if self.max_seq_len != _DEFAULT_MAX_SEQ_LEN:
            raise ConfigError("max_seq_len", "not used by image jobs")
        check_path("train_path", self.train_path)
        check_path("val_path", self.val_path, optional=True)
        if self.heldout_dataset is not None and self.heldout_dataset != "digits":
            raise ConfigError("heldout_dataset", f"unknown built-in dataset {self.heldout_dataset!r}")
        check_int("resolution", self.resolution, 8)
        if self.resolution > 128 or self.resolution % 4:
            raise ConfigError("resolution", f"must be a multiple of 4 in [8, 128], got {self.resolution}")
        check_bool("horizontal_flip", self.horizontal_flip)
        check_int("max_shift", self.max_shift, 0)
        if self.max_shift > 8:
            raise ConfigError("max_shift", f"must be <= 8, got {self.max_shift}")
        check_float("max_rotation_degrees", self.max_rotation_degrees, low=0.0, high=45.0, high_open=False)
        check_float("noise_std", self.noise_std, low=0.0, high=0.5, high_open=False)
        super().__post_init__()


@dataclass(kw_only=True)
class VAEConfig(ImageTrainingArguments):
    """A convolutional VAE (kiln_trainer/algorithms/vae). batch_size counts images."""

    LABEL = "VAE config"

    latent_dim: int = 16  # in [1, 512]
    base_channels: int = 32  # in [4, 256]; doubled at each of the two stride-2 levels
    reconstruction_loss: str = "bce"  # "bce" (Bernoulli) or "mse" (Gaussian, observation_std)
    observation_std: float = 0.1  # in (0, 1]; MSE only
    beta: float = 1.0  # KL weight in the training loss, >= 0
    kl_warmup_steps: int = 0  # the KL weight rises linearly from 0 to beta over these steps
    # None: conditional when the training data has labels; False: never; True: the data must
    # have labels (checked once the data is read). As GANConfig.class_conditional.
    class_conditional: bool | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.class_conditional is not None:
            check_bool("class_conditional", self.class_conditional)
        check_int("latent_dim", self.latent_dim, 1)
        if self.latent_dim > 512:
            raise ConfigError("latent_dim", f"must be <= 512, got {self.latent_dim}")
        check_int("base_channels", self.base_channels, 4)
        if self.base_channels > 256:
            raise ConfigError("base_channels", f"must be <= 256, got {self.base_channels}")
        check_choice("reconstruction_loss", self.reconstruction_loss, RECONSTRUCTION_LOSSES)
        check_float("observation_std", self.observation_std, low=0.0, high=1.0, low_open=True, high_open=False)
        check_float("beta", self.beta, low=0.0)
        check_int("kl_warmup_steps", self.kl_warmup_steps, 0)

    def kl_weight(self, step: int) -> float:
        """The KL weight at optimizer step `step` (0-based): beta after the warm-up."""
        if self.kl_warmup_steps == 0:
            return self.beta
        return self.beta * min(1.0, (step + 1) / self.kl_warmup_steps)


GAN_LOSSES = ("bce", "wgan_gp", "hinge")


# Loss-dependent defaults (GanConfig in images.proto): WGAN-GP's critic needs several updates
# per generator update (Gulrajani et al., 2017). Adam without momentum, (0, 0.9), for every loss:
# on digits at 400 steps it took BCE's FID from 251 (DCGAN's (0.5, 0.999)) to 196, recall from
# 0.003 to 0.19; hinge and WGAN-GP use it in SNGAN and WGAN-GP.
GAN_N_CRITIC = {"bce": 1, "hinge": 1, "wgan_gp": 5}
GAN_BETAS = {"bce": (0.0, 0.9), "hinge": (0.0, 0.9), "wgan_gp": (0.0, 0.9)}
GAN_D_LR_FACTOR = 2.0  # TTUR: the discriminator's learning rate over the generator's, by default


@dataclass(kw_only=True)
class GANConfig(ImageTrainingArguments):
    """A DCGAN-style GAN (kiln_trainer/algorithms/gan). One step: n_critic D updates, one G update.

    The method's own defaults (documented in images.proto GanConfig) replace the generic ones
    where a GAN wants something else: 64 images a batch, the generator at 2e-4 and the
    discriminator twice as fast (TTUR), Adam (0, 0.9) and the loss-dependent n_critic above."""

    LABEL = "GAN config"

    batch_size: int = 64
    learning_rate: float = 2e-4  # the generator's (generator_learning_rate overrides it)
    max_grad_norm: float = 10.0  # GAN gradients are large early on; 1.0 would slow both nets
    latent_dim: int = 32  # in [1, 512]
    base_channels: int = 32  # in [4, 256]
    loss: str = "bce"  # "bce" (non-saturating), "wgan_gp" or "hinge"
    n_critic: int | None = None  # in [1, 10]; None: GAN_N_CRITIC[loss]
    gradient_penalty_weight: float = 10.0  # wgan_gp only
    discriminator_spectral_norm: bool = True  # on every discriminator layer
    generator_learning_rate: float | None = None  # None: learning_rate
    discriminator_learning_rate: float | None = None  # None: GAN_D_LR_FACTOR x the generator's
    ema_decay: float = 0.999  # in [0, 1); 0 keeps the last generator weights; warmed up (ema_decay_at)
    adam_beta1: float | None = None  # None: GAN_BETAS[loss]
    adam_beta2: float | None = None
    # None: conditional when the training data has labels; False: never; True: the data must
    # have labels (checked once the data is read).
    class_conditional: bool | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.class_conditional is not None:
            check_bool("class_conditional", self.class_conditional)
        check_int("latent_dim", self.latent_dim, 1)
        if self.latent_dim > 512:
            raise ConfigError("latent_dim", f"must be <= 512, got {self.latent_dim}")
        check_int("base_channels", self.base_channels, 4)
        if self.base_channels > 256:
            raise ConfigError("base_channels", f"must be <= 256, got {self.base_channels}")
        check_choice("loss", self.loss, GAN_LOSSES)
        if self.precision == "fp16":
            # Two separately stepped networks would need their own loss-scale bookkeeping.
            raise ConfigError("precision", "fp16 is not supported for GAN jobs; use bf16 or fp32")
        if self.n_critic is None:
            self.n_critic = GAN_N_CRITIC[self.loss]
        check_int("n_critic", self.n_critic, 1)
        if self.n_critic > 10:
            raise ConfigError("n_critic", f"must be <= 10, got {self.n_critic}")
        check_float("gradient_penalty_weight", self.gradient_penalty_weight, low=0.0)
        check_bool("discriminator_spectral_norm", self.discriminator_spectral_norm)
        for name in ("generator_learning_rate", "discriminator_learning_rate"):
            if getattr(self, name) is not None:
                check_float(name, getattr(self, name), low=0.0, low_open=True)
        check_float("ema_decay", self.ema_decay, low=0.0, high=1.0)
        beta1, beta2 = GAN_BETAS[self.loss]
        self.adam_beta1 = beta1 if self.adam_beta1 is None else self.adam_beta1
        self.adam_beta2 = beta2 if self.adam_beta2 is None else self.adam_beta2
        check_float("adam_beta1", self.adam_beta1, low=0.0, high=1.0)
        check_float("adam_beta2", self.adam_beta2, low=0.0, high=1.0)

    @property
    def critic_updates(self) -> int:
        """n_critic once the loss's default is filled in."""
        return self.n_critic or GAN_N_CRITIC[self.loss]

    @property
    def betas(self) -> tuple[float, float]:
        beta1, beta2 = GAN_BETAS[self.loss]
        return (
            beta1 if self.adam_beta1 is None else self.adam_beta1,
            beta2 if self.adam_beta2 is None else self.adam_beta2,
        )

    @property
    def lr_g(self) -> float:
        return self.generator_learning_rate or self.learning_rate

    @property
    def lr_d(self) -> float:
        return self.discriminator_learning_rate or GAN_D_LR_FACTOR * self.lr_g

    def ema_decay_at(self, step: int) -> float:
        """The EMA decay after generator update `step` (0-based): min(ema_decay, (1 + t) / (10 + t)).
        Without the warm-up a 0.999 average of a few hundred steps would still be mostly the
        random initial weights."""
        return min(self.ema_decay, (1 + step) / (10 + step))


NOISE_SCHEDULES = ("linear", "cosine")
PREDICTIONS = ("epsilon", "v")


@dataclass(kw_only=True)
class DiffusionConfig(ImageTrainingArguments):
    """A DDPM with a small UNet (kiln_trainer/algorithms/diffusion), sampled with DDIM."""

    LABEL = "diffusion config"

    base_channels: int = 32  # in [4, 256]
    timesteps: int = 1000  # T, in [10, 4000]
    noise_schedule: str = "linear"  # "linear" or "cosine"
    beta_start: float = 1e-4  # linear schedule only
    beta_end: float = 0.02  # linear schedule only
    prediction: str = "epsilon"  # "epsilon" or "v"
    ema_decay: float = 0.999  # in [0, 1)
    sampling_steps: int = 50  # DDIM steps, in [1, timesteps]
    ddim_eta: float = 0.0  # in [0, 1]
    # As GANConfig.class_conditional; a conditional model is trained for classifier-free
    # guidance: each label is replaced by "no class" with probability label_dropout, in [0, 1).
    class_conditional: bool | None = None
    label_dropout: float = 0.1

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.class_conditional is not None:
            check_bool("class_conditional", self.class_conditional)
        check_float("label_dropout", self.label_dropout, low=0.0, high=1.0)
        check_int("base_channels", self.base_channels, 4)
        if self.base_channels > 256:
            raise ConfigError("base_channels", f"must be <= 256, got {self.base_channels}")
        check_int("timesteps", self.timesteps, 10)
        if self.timesteps > 4000:
            raise ConfigError("timesteps", f"must be <= 4000, got {self.timesteps}")
        check_choice("noise_schedule", self.noise_schedule, NOISE_SCHEDULES)
        check_float("beta_start", self.beta_start, low=0.0, high=1.0, low_open=True)
        check_float("beta_end", self.beta_end, low=self.beta_start, high=1.0, low_open=True)
        check_choice("prediction", self.prediction, PREDICTIONS)
        check_float("ema_decay", self.ema_decay, low=0.0, high=1.0)
        check_int("sampling_steps", self.sampling_steps, 1)
        if self.sampling_steps > self.timesteps:
            raise ConfigError("sampling_steps", f"must be <= timesteps ({self.timesteps}), got {self.sampling_steps}")
        check_float("ddim_eta", self.ddim_eta, low=0.0, high=1.0, high_open=False)
