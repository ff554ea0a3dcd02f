"""Image models on digits, measured through Kiln's gRPC API, against a plain diffusers loop.

    python -m bench.images [--steps 1000] [--batch-size 64] [--channels 32] [--rounds 2] [--threads 1]
                           [--vae-steps 3000] [--gan-steps 1500] [--fid-n 1000] [--sample-n 256]
    python -m bench.images --docs    # rewrite the docs/benchmarks.md section from bench/results/images.json

Kiln is measured only through what a gRPC client can do (bench/images_api.py): a gateway in this
process on embedded defaults, jobs created with CreateJob on the built-in "datasets/digits"
(its training split; 8x8 grey), Kiln's training images/s read from the job's metric events,
sampled images/s timed at the client around Generate calls (Ray Serve deployment, requests of
16 images, the API's most, 50 DDIM steps), quality from EvaluationService (FID, precision / recall, class
coverage of `--fid-n` generated images against the held-out digits, in the reference
classifier's feature space; the VAE's test ELBO).

The baseline is a plain loop with Hugging Face diffusers in this process: UNet2DModel (two
DownBlock2D / UpBlock2D levels of widths (channels, 2 x channels), no attention) + DDPMScheduler
(linear betas, 1000 steps, epsilon prediction) for training, DDIMScheduler (50 steps) for
sampling. Both sides: the same data (pixels in [-1, 1]), batch, optimizer steps, Adam at the
same learning rate after the same 10-step linear warm-up (Kiln keeps its cosine decay: it is
part of Kiln's job), gradient clipping at 1.0, EMA of the weights with the same decay, fp32,
`--threads` torch threads (this process's torch; the job asks for as many CPUs, and Ray runs
its worker and the serving replica with that many threads). Kiln's UNet is widened to the
parameter count closest to diffusers' (multiples of 4 channels).

Timing, the same way on both sides: training images/s over the steps after the first report
window (`--log-every` steps: warm-up), no validation (validation_fraction 0), the end-of-job
sample grid outside the clock (it is drawn after the last step); sampling images/s over
`--sample-n` images drawn in batches of 16 after an untimed 8-image call. Diffusers' samples
get the uint8 round trip Kiln's PNGs have before scoring. Rounds alternate Kiln and diffusers
(ABBA); medians are compared. Then, once each (quality, no baseline): Kiln's VAE and its GAN
with each of the three losses, through the same API. Also for scale: the real-data floor (FID
of the held-out split against the training split) and the FID of uniform noise.

The last line printed is one JSON object (the keys of LAST_LINE); it and more, with the machine
and the load average before and after, are written to bench/results/images.json.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from bench import images_api as api
from bench.machine import machine
from kiln_trainer.data import digits
from kiln_trainer.eval import images as E

os.environ.setdefault("GRPC_VERBOSITY", "ERROR")
# A loaded machine can take longer than Ray's default 30 s to register the raylet.
os.environ.setdefault("RAY_raylet_start_wait_time_s", "120")

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
QUALITY = ("fid", "precision", "recall", "class_coverage", "class_kl")


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


def quality(samples: torch.Tensor) -> dict:
    """FID, precision / recall and class coverage against the held-out digits: what
    EvaluationService computes (kiln_trainer/eval/image_run.py), for the baseline's samples."""
    real = E.heldout_images()
    samples = torch.round(samples.clamp(0, 1) * 255) / 255  # the uint8 round trip of Kiln's PNGs
    precision, recall = E.precision_recall(E.features(real), E.features(samples))
    hist = E.class_histogram(samples)
    return {
        "fid": E.fid(real, samples),
        "precision": precision,
        "recall": recall,
        "class_coverage": float(E.class_coverage(hist)),
        "class_kl": E.class_kl(hist, E.class_histogram(real)),
    }


# -- Kiln, over gRPC -----------------------------------------------------------------------------


async def run_kiln(gw: api.ImageGateway, args: argparse.Namespace, rnd: int) -> dict:
    job = await gw.train(api.diffusion_job(args, rnd))
    train = api.train_images_per_s(job.metrics)
    sample = await gw.sample_rate(job.model, args.sample_n, seed=rnd)
    scored = await gw.evaluate(job.model, args.fid_n, seed=1)
    return {"train": train, "sample": sample, **scored, "job_wall_s": job.wall_s, "job_log": job.data_log}


async def run_vae(gw: api.ImageGateway, args: argparse.Namespace) -> dict:
    job = await gw.train(api.vae_job(args))
    return {**await gw.evaluate(job.model, args.fid_n, seed=1, elbo=True), "job_wall_s": job.wall_s}


async def run_gan(gw: api.ImageGateway, args: argparse.Namespace, loss: str) -> dict:
    job = await gw.train(api.gan_job(args, loss))
    monitor = [m["class_coverage"] for _, m in job.metrics if "class_coverage" in m]
    scored = await gw.evaluate(job.model, args.fid_n, seed=1)
    return {**scored, "monitor_coverage": monitor, "job_wall_s": job.wall_s}


# -- the diffusers loop, in this process -----------------------------------------------------------


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


def batched_sample(unet, n: int, seed: int) -> torch.Tensor:
    """n images in batches of api.MAX_N, as Kiln's Generate requests are."""
    return torch.cat([diffusers_sample(unet, min(api.MAX_N, n - i), seed + i) for i in range(0, n, api.MAX_N)])


def run_diffusers(args: argparse.Namespace, data: torch.Tensor, rnd: int) -> dict:
    from diffusers import DDPMScheduler

    torch.set_num_threads(args.threads)
    torch.manual_seed(rnd)
    unet = diffusers_unet(args.channels)
    ema = copy.deepcopy(unet).requires_grad_(False)
    sched = DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear")
    opt = torch.optim.Adam(unet.parameters(), lr=args.lr)
    g = torch.Generator().manual_seed(rnd)
    timed, t_start = 0, 0.0
    for step in range(args.steps):
        if step == args.log_every:  # Kiln's first report window is its warm-up: skipped alike
            t_start = time.perf_counter()
        for group in opt.param_groups:
            group["lr"] = args.lr * min(1.0, (step + 1) / args.warmup)
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
                e.lerp_(p, 1.0 - args.ema_decay)
        timed += len(x0) if step >= args.log_every else 0
    train_rate = timed / (time.perf_counter() - t_start)
    ema.eval()
    diffusers_sample(ema, 8, 0)  # untimed: first-call costs
    t0 = time.perf_counter()
    batched_sample(ema, args.sample_n, rnd)
    sample_rate = args.sample_n / (time.perf_counter() - t0)
    samples = batched_sample(ema, args.fid_n, 1)
    params = sum(p.numel() for p in ema.parameters())
    return {"train": train_rate, "sample": sample_rate, **quality(samples), "params": params}


# -- the run -------------------------------------------------------------------------------------


async def measure(args: argparse.Namespace, work: Path) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    gw = api.ImageGateway()
    await gw.start(work)
    rows: dict[str, list[dict]] = {"kiln": [], "diffusers": []}
    others: dict[str, dict] = {}
    try:
        if args.others_from:
            others.update(json.loads(Path(args.others_from).read_text()))
        elif not args.skip_others:
            others["vae"] = await run_vae(gw, args)
            print(f"vae: {others['vae']}", flush=True)
            for loss in api.GAN_SETTINGS:
                others[f"gan_{loss}"] = await run_gan(gw, args, loss)
                print(f"gan_{loss}: {others[f'gan_{loss}']}", flush=True)
        train = train_images()
        for rnd in range(args.rounds):
            order = ["kiln", "diffusers"] if rnd % 2 == 0 else ["diffusers", "kiln"]  # ABBA
            for side in order:
                if side == "kiln":
                    rows[side].append(await run_kiln(gw, args, rnd))
                else:
                    rows[side].append(await asyncio.to_thread(run_diffusers, args, train, rnd))
                r = rows[side][-1]
                print(
                    f"round {rnd} {side:9s} train {r['train']:.0f} img/s  sample {r['sample']:.0f} img/s  "
                    f"FID {r['fid']:.1f}  load {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
    finally:
        await gw.stop()
    return others, rows


def summarise(others: dict[str, dict], rows: dict[str, list[dict]], floor: float, noise: float, args) -> dict:
    def med(side: str, key: str) -> float:
        return statistics.median(r[key] for r in rows[side])

    gan_coverage = [int(others[f"gan_{loss}"]["class_coverage"]) for loss in api.GAN_SETTINGS]
    return {
        "real_fid_floor": round(floor, 2),
        "noise_fid": round(noise, 1),
        "vae_fid": round(others["vae"]["fid"], 2),
        "vae_test_elbo_nats": round(others["vae"]["test_elbo_nats"], 2),
        **{f"gan_{loss}_fid": round(others[f"gan_{loss}"]["fid"], 2) for loss in api.GAN_SETTINGS},
        "gan_min_class_coverage": min(gan_coverage),
        "gan_max_class_coverage": max(gan_coverage),
        "diffusion_fid": round(med("kiln", "fid"), 2),
        "diffusers_fid": round(med("diffusers", "fid"), 2),
        "diffusion_fid_ratio": round(med("kiln", "fid") / med("diffusers", "fid"), 3),
        "train_throughput_ratio": round(med("kiln", "train") / med("diffusers", "train"), 3),
        "sample_throughput_ratio": round(med("kiln", "sample") / med("diffusers", "sample"), 3),
        "kiln_params": args.kiln_params,
        "diffusers_params": args.diffusers_params,
        "kiln_train_images_per_s": round(med("kiln", "train"), 1),
        "diffusers_train_images_per_s": round(med("diffusers", "train"), 1),
        "kiln_sample_images_per_s": round(med("kiln", "sample"), 1),
        "diffusers_sample_images_per_s": round(med("diffusers", "sample"), 1),
        "models": {
            **{k: {m: (round(v, 4) if isinstance(v, float) else v) for m, v in r.items()} for k, r in others.items()},
            **{side: {m: round(med(side, m), 4) for m in QUALITY} for side in rows},
        },
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=1000, help="diffusion optimizer steps (both sides)")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=32, help="diffusers' base width")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--ema-decay", type=float, default=0.995)
    parser.add_argument("--log-every", type=int, default=0, help="Kiln's report period (default steps / 10)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="torch threads on both sides")
    parser.add_argument("--sample-n", type=int, default=256)
    parser.add_argument("--fid-n", type=int, default=1000)
    parser.add_argument("--vae-steps", type=int, default=3000)
    parser.add_argument("--gan-steps", type=int, default=1500)
    parser.add_argument("--skip-others", action="store_true", help="diffusion only (no result file)")
    parser.add_argument(
        "--others-from",
        default="",
        help="a JSON file of VAE/GAN results of an earlier run (its models block) to report instead of rerunning them",
    )
    parser.add_argument("--docs", action="store_true", help="rewrite the docs section from the result file")
    args = parser.parse_args(argv)
    argv_ = sys.argv[1:] if argv is None else argv
    if args.docs:
        from bench.images_docs import rewrite

        rewrite()
        return {}
    args.log_every = args.log_every or max(1, args.steps // 10)
    torch.set_num_threads(args.threads)
    load_before = os.getloadavg()
    info = machine(threads=args.threads)
    print(f"machine: {info}; load average {load_before}", flush=True)
    E.reference_classifier()  # trained once and cached before anything is timed
    args.diffusers_params = sum(p.numel() for p in diffusers_unet(args.channels).parameters())
    args.kiln_channels = kiln_channels_matching(args.diffusers_params)
    from kiln_trainer.models.ddpm import DDPMShape, UNet

    shape = DDPMShape(8, 1, args.kiln_channels, 1000, "linear", 1e-4, 0.02, "epsilon", 50, 0.0)
    args.kiln_params = sum(p.numel() for p in UNet(shape).parameters())
    floor = E.fid(E.heldout_images(), train_images())
    noise = E.fid(E.heldout_images(), torch.rand(1000, 1, 8, 8, generator=torch.Generator().manual_seed(0)))
    print(f"real-data floor FID {floor:.2f}, uniform noise FID {noise:.1f}", flush=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        others, rows = asyncio.run(measure(args, Path(tmp)))
    if args.skip_others:
        print(json.dumps({side: r for side, r in rows.items()}, default=str))
        return {}
    result = summarise(others, rows, floor, noise, args)
    info["load_average_before"] = [round(x, 2) for x in load_before]
    info["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    info["runtime_s"] = round(time.perf_counter() - started)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(
        json.dumps(
            {
                "result": result,
                "rounds": rows,
                "args": vars(args),
                "argv": ["python", "-m", "bench.images", *argv_],
                "machine": info,
            },
            indent=1,
        )
        + "\n"
    )
    from bench.images_docs import rewrite

    rewrite()
    print(json.dumps({k: result[k] for k in LAST_LINE}))
    return result


if __name__ == "__main__":
    main()
