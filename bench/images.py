"""Diffusion on digits: Kiln's diffusion job against a plain Hugging Face diffusers loop.

    python -m bench.images [--steps 300] [--batch-size 64] [--channels 32] [--rounds 2]
                           [--vae-steps 1500] [--gan-steps 1500]

Both sides train on the same data (the digits training split, 8x8 grey, pixels in [-1, 1])
with the same batch size, optimizer steps, learning rate (Adam, constant after Kiln's warmup
of 10 steps is matched by a linear warmup on the plain side; Kiln's cosine decay is kept:
it is part of Kiln's job) and a UNet of similar size: Kiln's two-level UNet
(kiln_trainer/models/ddpm.py), its width chosen so its parameter count is the closest to
diffusers' UNet2DModel with two DownBlock2D/UpBlock2D levels of widths (channels, 2 x channels),
no attention. Training uses DDPMScheduler (linear betas, 1000 steps,
epsilon prediction) on the diffusers side; sampling uses DDIMScheduler with 50 steps on both.

Measured per side: training images/s (the steady loop: Kiln's own per-step reports, the plain
loop's timed steps after a 5-step warm-up), sampling images/s (256 images, 50 DDIM steps, one
batch), and FID of 1,000 samples against the held-out digits in the reference classifier's
feature space (kiln_trainer/eval/images.py). Rounds alternate Kiln then diffusers; medians are
compared. Then, once each (no baseline: the figures are quality, not speed): Kiln's VAE and
its GAN with each of the three losses, each scored on 1,000 samples like the diffusion models
(FID, precision, recall, class coverage; test ELBO in nats for the VAE). Also printed for
scale: the real-data floor (FID of the held-out split against the training split) and the FID
of uniform noise.

The last line printed is one JSON object (the keys of LAST_LINE); it and more (every model's
precision, recall and coverage), with the machine, are written to
bench/results/images.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from bench.machine import machine
from kiln_trainer.algorithms.diffusion.trainer import DiffusionTrainer
from kiln_trainer.configs.images import DiffusionConfig
from kiln_trainer.context import LocalContext
from kiln_trainer.data import digits
from kiln_trainer.eval import images as E

RESULT = Path(__file__).parent / "results" / "images.json"
LAST_LINE = (  # the keys of the last line printed (the result file holds more)
    "real_fid_floor",
    "noise_fid",
    "vae_fid",
    "vae_test_elbo_nats",
    "gan_bce_fid",
    "gan_wgan_gp_fid",
    "gan_hinge_fid",
    "gan_min_class_coverage",
    "gan_max_class_coverage",
    "diffusion_fid",
    "diffusers_fid",
    "diffusion_fid_ratio",
    "train_throughput_ratio",
    "sample_throughput_ratio",
)


def train_images() -> torch.Tensor:
    pixels, _ = digits.load_split("train")
    return torch.from_numpy(pixels).float()[:, None] / 255.0


def kiln_channels_matching(diffusers_params: int) -> int:
    """Kiln's base_channels whose UNet is closest in size to diffusers' (multiples of 4)."""
    from kiln_trainer.models.ddpm import DDPMShape, UNet

    def size(w: int) -> int:
        return sum(
            p.numel() for p in UNet(DDPMShape(8, 1, w, 1000, "linear", 1e-4, 0.02, "epsilon", 50, 0.0)).parameters()
        )

    return min(range(8, 129, 4), key=lambda w: abs(size(w) - diffusers_params))


def run_kiln(args, data_path: str, rnd: int) -> dict:
    cfg = DiffusionConfig(
        train_path=data_path,
        max_steps=args.steps,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        warmup_steps=10,
        base_channels=args.kiln_channels,
        log_every=max(1, args.steps // 10),
        val_fraction=0.0,
        ema_decay=0.995,
        seed=rnd,
        checkpoint_every=10**6,
    )
    with tempfile.TemporaryDirectory() as tmp:
        ctx = LocalContext(Path(tmp))
        trainer = DiffusionTrainer(cfg, ctx)
        trainer.run()
        rates = [m["images_per_s"] for _, m in ctx.metrics if "images_per_s" in m][1:]  # first window: warm-up
        model = trainer.ema.eval()
        model.sample(8, torch.Generator().manual_seed(0), steps=2)  # untimed: first-call costs
        t0 = time.perf_counter()
        model.sample(args.sample_n, torch.Generator().manual_seed(0), steps=50)
        sample_rate = args.sample_n / (time.perf_counter() - t0)
        samples = torch.cat(
            [model.sample(250, torch.Generator().manual_seed(1 + i), steps=50) for i in range(args.fid_n // 250)]
        )
    params = sum(p.numel() for p in model.parameters())
    return {"train": statistics.median(rates), "sample": sample_rate, **quality(samples), "params": params}


def quality(samples: torch.Tensor) -> dict:
    """FID, improved precision / recall and class coverage of samples against the held-out digits."""
    real = E.heldout_images()
    precision, recall = E.precision_recall(E.features(real), E.features(samples))
    hist = E.class_histogram(samples)
    return {
        "fid": E.fid(real, samples),
        "precision": precision,
        "recall": recall,
        "class_coverage": E.class_coverage(hist),
        "class_kl": E.class_kl(hist, E.class_histogram(real)),
    }


def run_vae(args, data_path: str) -> dict:
    from kiln_trainer.algorithms.vae.trainer import VAETrainer
    from kiln_trainer.configs.images import VAEConfig

    cfg = VAEConfig(
        train_path=data_path,
        heldout_dataset="digits",
        max_steps=args.vae_steps,
        batch_size=args.batch_size,
        learning_rate=3e-3,
        warmup_steps=20,
        latent_dim=16,
        base_channels=32,
        kl_warmup_steps=args.vae_steps // 5,
        log_every=max(1, args.vae_steps // 5),
        val_fraction=0.0,
        seed=0,
        checkpoint_every=10**6,
    )
    with tempfile.TemporaryDirectory() as tmp:
        trainer = VAETrainer(cfg, LocalContext(Path(tmp)))
        trainer.run()
        scored = trainer.test_elbo()
        assert scored is not None
        samples = torch.from_numpy(trainer.sample_images(args.fid_n, 1))
    return {**quality(samples), "test_elbo_nats": scored[0]}


# Each loss on the GAN job's own defaults (GanConfig in images.proto: TTUR learning rates,
# loss-dependent n_critic and Adam betas, warmed-up EMA, class-conditional on the labelled
# digits); only the step count and batch size are the bench's.
GAN_SETTINGS: dict[str, dict] = {"bce": {}, "hinge": {}, "wgan_gp": {}}


def run_gan(args, data_path: str, loss: str) -> dict:
    from kiln_trainer.algorithms.gan.trainer import GANTrainer
    from kiln_trainer.configs.images import GANConfig

    cfg = GANConfig(
        train_path=data_path,
        max_steps=args.gan_steps,
        batch_size=args.batch_size,
        loss=loss,
        log_every=max(1, args.gan_steps // 5),
        eval_every=max(1, args.gan_steps // 5),
        val_fraction=0.0,
        seed=0,
        checkpoint_every=10**6,
        **GAN_SETTINGS[loss],  # type: ignore[arg-type]
    )
    with tempfile.TemporaryDirectory() as tmp:
        ctx = LocalContext(Path(tmp))
        trainer = GANTrainer(cfg, ctx)
        trainer.run()
        monitor = [m["class_coverage"] for _, m in ctx.metrics if "class_coverage" in m]
        samples = torch.from_numpy(trainer.sample_images(args.fid_n, 1))
    return {**quality(samples), "monitor_coverage": monitor}


def diffusers_unet(channels: int):
    from diffusers import UNet2DModel

    return UNet2DModel(
        sample_size=8,
        in_channels=1,
        out_channels=1,
        block_out_channels=(channels, 2 * channels),
        down_block_types=("DownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "UpBlock2D"),
        layers_per_block=1,
        norm_num_groups=8,
        add_attention=False,
    )


@torch.no_grad()
def diffusers_sample(unet, n: int, seed: int) -> torch.Tensor:
    from diffusers import DDIMScheduler

    sched = DDIMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=True)
    sched.set_timesteps(50)
    x = torch.randn(n, 1, 8, 8, generator=torch.Generator().manual_seed(seed))
    for t in sched.timesteps:
        x = sched.step(unet(x, t).sample, t, x, eta=0.0).prev_sample
    return ((x.clamp(-1, 1) + 1) / 2).float()


def run_diffusers(args, data: torch.Tensor, rnd: int) -> dict:
    import copy

    from diffusers import DDPMScheduler

    torch.manual_seed(rnd)
    unet = diffusers_unet(args.channels)
    ema = copy.deepcopy(unet).requires_grad_(False)
    sched = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear")
    opt = torch.optim.Adam(unet.parameters(), lr=args.lr)
    lr_at = lambda s: min(1.0, (s + 1) / 10)  # noqa: E731 - the same warm-up as Kiln's
    g = torch.Generator().manual_seed(rnd)
    timed, t_start = 0, 0.0
    for step in range(args.steps):
        if step == 5:
            t_start = time.perf_counter()
        for group in opt.param_groups:
            group["lr"] = args.lr * lr_at(step)
        idx = torch.randint(0, len(data), (args.batch_size,), generator=g)
        x0 = data[idx] * 2 - 1
        noise = torch.randn_like(x0)
        t = torch.randint(0, 1000, (len(x0),))
        loss = F.mse_loss(unet(sched.add_noise(x0, noise, t), t).sample, noise)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(unet.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            for e, p in zip(ema.parameters(), unet.parameters(), strict=True):
                e.lerp_(p, 0.005)
        timed += len(x0) if step >= 5 else 0
    train_rate = timed / (time.perf_counter() - t_start)
    ema.eval()
    diffusers_sample(ema, 8, 0)  # untimed: first-call costs
    t0 = time.perf_counter()
    diffusers_sample(ema, args.sample_n, 0)
    sample_rate = args.sample_n / (time.perf_counter() - t0)
    samples = torch.cat([diffusers_sample(ema, 250, 1 + i) for i in range(args.fid_n // 250)])
    params = sum(p.numel() for p in ema.parameters())
    return {"train": train_rate, "sample": sample_rate, **quality(samples), "params": params}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--sample-n", type=int, default=256)
    parser.add_argument("--fid-n", type=int, default=1000)
    parser.add_argument("--vae-steps", type=int, default=1500)
    parser.add_argument("--gan-steps", type=int, default=1500)
    parser.add_argument("--skip-diffusion", action="store_true", help="VAE and GAN only (no result file)")
    args = parser.parse_args(argv)
    info = machine()
    print(f"machine: {info}")
    E.reference_classifier()  # trained once and cached before anything is timed
    args.kiln_channels = kiln_channels_matching(sum(p.numel() for p in diffusers_unet(args.channels).parameters()))

    train = train_images()
    floor = E.fid(E.heldout_images(), train)
    noise = E.fid(E.heldout_images(), torch.rand(1000, 1, 8, 8, generator=torch.Generator().manual_seed(0)))
    print(f"real-data floor FID {floor:.2f}, uniform noise FID {noise:.1f}")
    rows: dict[str, list[dict]] = {"kiln": [], "diffusers": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = str(digits.write_jsonl(Path(tmp) / "digits.jsonl"))
        others: dict[str, dict] = {"vae": run_vae(args, path)}
        for loss in GAN_SETTINGS:
            others[f"gan_{loss}"] = run_gan(args, path, loss)
        for name, r in others.items():
            print(
                f"{name:12s} FID {r['fid']:.1f}  precision {r['precision']:.3f}  recall {r['recall']:.3f}  "
                f"classes {r['class_coverage']}  class KL {r['class_kl']:.3f}"
                + (f"  test ELBO {r['test_elbo_nats']:.2f} nats" if "test_elbo_nats" in r else "")
                + (f"  monitor {r['monitor_coverage']}" if "monitor_coverage" in r else ""),
                flush=True,
            )
        if args.skip_diffusion:
            return
        for rnd in range(args.rounds):
            rows["kiln"].append(run_kiln(args, path, rnd))
            rows["diffusers"].append(run_diffusers(args, train, rnd))
            for side in rows:
                r = rows[side][-1]
                print(
                    f"round {rnd} {side:9s} params {r['params']:,} train {r['train']:.0f} img/s  "
                    f"sample {r['sample']:.0f} img/s  FID {r['fid']:.1f}",
                    flush=True,
                )

    def med(side: str, key: str) -> float:
        return statistics.median(r[key] for r in rows[side])

    gan_coverage = [others[f"gan_{loss}"]["class_coverage"] for loss in GAN_SETTINGS]
    result = {
        "real_fid_floor": round(floor, 2),
        "noise_fid": round(noise, 1),
        "vae_fid": round(others["vae"]["fid"], 2),
        "vae_test_elbo_nats": round(others["vae"]["test_elbo_nats"], 2),
        **{f"gan_{loss}_fid": round(others[f"gan_{loss}"]["fid"], 2) for loss in GAN_SETTINGS},
        "gan_min_class_coverage": min(gan_coverage),
        "gan_max_class_coverage": max(gan_coverage),
        "diffusion_fid": round(med("kiln", "fid"), 2),
        "diffusers_fid": round(med("diffusers", "fid"), 2),
        "diffusion_fid_ratio": round(med("kiln", "fid") / med("diffusers", "fid"), 3),
        "train_throughput_ratio": round(med("kiln", "train") / med("diffusers", "train"), 3),
        "sample_throughput_ratio": round(med("kiln", "sample") / med("diffusers", "sample"), 3),
        "kiln_params": rows["kiln"][0]["params"],
        "diffusers_params": rows["diffusers"][0]["params"],
        "models": {
            **{k: {m: (round(v, 4) if isinstance(v, float) else v) for m, v in r.items()} for k, r in others.items()},
            **{
                side: {m: round(med(side, m), 4) for m in ("fid", "precision", "recall", "class_coverage", "class_kl")}
                for side in ("kiln", "diffusers")
            },
        },
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps({"result": result, "args": vars(args), "machine": info}, indent=1) + "\n")
    print(json.dumps({k: result[k] for k in LAST_LINE}))


if __name__ == "__main__":
    main()
