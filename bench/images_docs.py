"""Rewrites the Images section of docs/benchmarks.md from bench/results/images.json.

    python -m bench.images --docs

Generated, never edited by hand, so the figures cannot drift from the run that produced them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results" / "images.json"
DOCS = Path(__file__).parent.parent / "docs" / "benchmarks.md"
HEADING = "## Images — `python -m bench.images`"
NAMES = {
    "vae": "VAE (BCE, latent 16, 32 ch)",
    "gan_bce": "GAN, BCE (non-saturating)",
    "gan_hinge": "GAN, hinge",
    "gan_wgan_gp": "GAN, WGAN-GP (n_critic 5)",
    "kiln": "Kiln diffusion (DDIM 50)",
    "diffusers": "diffusers loop (DDIM 50)",
}


def misses(r: dict[str, Any]) -> list[str]:
    """The issue's targets this result does not meet, in words."""
    out = []
    for key in ("train_throughput_ratio", "sample_throughput_ratio"):
        if r[key] < 1.0:
            out.append(f"{key} {r[key]} (target >= 1.0)")
    if r["diffusion_fid_ratio"] > 1.0:
        out.append(f"diffusion_fid_ratio {r['diffusion_fid_ratio']} (target <= 1.0)")
    for key in ("vae_fid", "gan_bce_fid", "gan_hinge_fid", "gan_wgan_gp_fid", "diffusion_fid"):
        if r[key] >= r["noise_fid"] / 10:
            out.append(f"{key} {r[key]} (target < {r['noise_fid'] / 10:.0f}, a tenth of noise)")
    full = sum(1 for k, m in r["models"].items() if k.startswith("gan_") and m["class_coverage"] >= 10)
    if full < 2:
        out.append(f"{full} of 3 GAN losses cover all 10 classes (target: 2)")
    return out


def render(doc: dict[str, Any]) -> str:
    r, a, m = doc["result"], doc["args"], doc["machine"]
    steps = {"vae": a["vae_steps"], "kiln": a["steps"], "diffusers": a["steps"]}
    rows = [
        "| model | steps | FID | precision | recall | classes >= 5% | class KL |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, q in r["models"].items():
        rows.append(
            f"| {NAMES.get(key, key)} | {steps.get(key, a['gan_steps'])} | {q['fid']:.1f} | {q['precision']:.3f} "
            f"| {q['recall']:.3f} | {q['class_coverage']:.0f} | {q['class_kl']:.3f} |"
        )
    speed = [
        "| | Kiln (through the API) | diffusers loop | ratio |",
        "|---|---|---|---|",
        f"| parameters | {r['kiln_params']:,} | {r['diffusers_params']:,} | |",
        f"| train images/s | {r['kiln_train_images_per_s']} | {r['diffusers_train_images_per_s']} "
        f"| **{r['train_throughput_ratio']}** |",
        f"| sampled images/s (50 DDIM steps) | {r['kiln_sample_images_per_s']} "
        f"| {r['diffusers_sample_images_per_s']} | **{r['sample_throughput_ratio']}** |",
    ]
    missed = misses(r)
    lines = [
        HEADING,
        "",
        "Kiln through its gRPC API only (bench/images_api.py): jobs created with CreateJob on the built-in",
        "digits, train images/s from the job's metric events, sampled images/s timed at the client around",
        "Generate (Ray Serve, requests of 16 images), quality from EvaluationService. Against a plain",
        "diffusers loop (UNet2DModel + DDPMScheduler, DDIMScheduler 50 steps) in the bench's process at",
        "equal parameters (Kiln's width closest), batch, steps, lr, warm-up, EMA, fp32 and torch threads;",
        "validation off and the first report window (warm-up) excluded on both sides. Rounds alternate",
        "(ABBA), medians compared. Then Kiln's VAE and its GAN with each loss, once each, through the API.",
        "",
        f"Run `{' '.join(doc.get('argv') or ['(defaults)'])}`: {a['rounds']} round(s), batch {a['batch_size']}, "
        f"lr {a['lr']}, EMA {a['ema_decay']}, {a['fid_n']} samples scored per model, {a['sample_n']} timed.",
        f"Machine: {m['cpu']}, {m['cpus']} CPUs, {m['threads']} thread(s), torch {m['torch']}, commit "
        f"{m['commit']}; load average (1, 5, 15 min) {m.get('load_average_before')} before, "
        f"{m.get('load_average_after')} after; {m.get('runtime_s', 0) / 60:.0f} min.",
        *(
            [f"VAE and GAN figures from an earlier run of the same bench: {a['others_from']}.", ""]
            if a.get("others_from")
            else []
        ),
        "",
        f"Scale (same feature space): real-data floor **{r['real_fid_floor']}**, uniform noise "
        f"**{r['noise_fid']}** (target for every model: below {r['noise_fid'] / 10:.0f}).",
        "",
        *speed,
        "",
        *rows,
        "",
        f"VAE test ELBO on the held-out split: **{r['vae_test_elbo_nats']} nats** per image. GAN class "
        f"coverage over the three losses: min **{r['gan_min_class_coverage']}**, max "
        f"**{r['gan_max_class_coverage']}**.",
        "",
        "```",
        json.dumps({k: r[k] for k in LAST_KEYS}),
        "```",
        "",
        "Targets of issue 10 not met by this run: " + ("; ".join(missed) + "." if missed else "none."),
        "",
    ]
    if (m.get("load_average_before") or [0])[0] > m["cpus"]:
        lines[-1:-1] = [
            "",
            f"The machine was shared and loaded (load average above its {m['cpus']} CPUs) during this run: the",
            "ratios come from interleaved rounds, but rerun `python -m bench.images` (the defaults) on a",
            "quiet machine before quoting any figure.",
        ]
    return "\n".join(lines)


LAST_KEYS = (
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


def rewrite(docs: Path = DOCS, results: Path = RESULTS) -> None:
    text = docs.read_text()
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    section = render(json.loads(results.read_text()))
    docs.write_text(text[:start] + section + (text[end:] if end != -1 else ""))
