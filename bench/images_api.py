"""bench.images' Kiln side: everything through a gateway's gRPC API, as an outside client sees it.

A gateway started in this process on embedded defaults (embedded Redis, local Ray) and one
tenant; every image job is created with CreateJob on the built-in "datasets/digits" (its
training split; the held-out split is what the evaluations compare with), watched with
WatchJob, and its model then

- deployed to Ray Serve with DeployModel and sampled with Generate (n <= 16 images a request,
  the API's limit, each request one batch on the replica), timed at the client;
- scored with EvaluationService (FID, precision / recall, class coverage, and a VAE's test
  ELBO) on `fid_n` generated images against the held-out digits.

Training images/s comes from the job's own metric events: each training report carries
images_per_s, the images of its window over the window's seconds (the trainer's clock skips
validation passes, and the sample grid is drawn after the last step): the rate of the steps
after the first window (warm-up) is their images over the sum of their seconds.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiln.v1 import (
    common_pb2,
    evaluation_pb2,
    evaluation_pb2_grpc,
    images_pb2,
    jobs_pb2,
    jobs_pb2_grpc,
    models_pb2,
    models_pb2_grpc,
    sampling_pb2,
    sampling_pb2_grpc,
)

DIGITS = "datasets/digits"
MAX_N = 16  # images a Generate request may ask for (the gateway's limit on n)


def job_metrics(events: list[jobs_pb2.JobEvent], batch_size: int) -> list[tuple[int, dict[str, float]]]:
    """(step, values) of each metrics event; a training report (it has images_per_s) also gets
    "window_images": the images of the steps since the previous training report."""
    out, prev = [], 0
    for e in events:
        if not e.HasField("metrics"):
            continue
        values = dict(e.metrics.values)
        if "images_per_s" in values:
            values["window_images"] = float((e.metrics.step - prev) * batch_size)
            prev = e.metrics.step
        out.append((e.metrics.step, values))
    return out


def train_images_per_s(metrics: list[tuple[int, dict[str, float]]], skip_windows: int = 1) -> float:
    """Images over seconds of the training reports after the first `skip_windows` (warm-up);
    a window's seconds are its images over its images_per_s."""
    reports = [m for _, m in metrics if "images_per_s" in m][skip_windows:]
    seconds = sum(m["window_images"] / m["images_per_s"] for m in reports)
    if not seconds:
        raise RuntimeError(f"no training report after the first {skip_windows}")
    return sum(m["window_images"] for m in reports) / seconds


@dataclass
class JobRun:
    name: str
    model: str
    wall_s: float
    metrics: list[tuple[int, dict[str, float]]]
    data_log: str = ""  # the job's "data: ..." line (images, steps, torch threads)


class ImageGateway:
    """An embedded gateway and an authenticated channel to it."""

    async def start(self, work: Path) -> None:
        import ray
        from grpc import aio

        from kiln_server.jobs.scheduler import init_ray
        from kiln_server.platform.app import create_server
        from kiln_server.platform.config import KilnConfig

        config = KilnConfig(port=0, data_dir=work / "kiln", log_json=False, log_level="WARNING")
        for attempt in range(8):
            try:
                init_ray(config)
                break
            except Exception:  # Ray gives its raylet 30 s to start: a loaded machine can miss that
                ray.shutdown()
                if attempt == 7:
                    raise
                print("Ray did not start in time; trying again", flush=True)
        self.server, port = await create_server(config)
        await self.server.start()
        self.channel = aio.insecure_channel(f"127.0.0.1:{port}")
        await self.server.tenants.create_tenant("bench")
        _, key = await self.server.tenants.create_key("bench")
        self.md = (("authorization", f"Bearer {key}"),)
        self.jobs = jobs_pb2_grpc.JobServiceStub(self.channel)
        self.models = models_pb2_grpc.ModelServiceStub(self.channel)
        self.sampling = sampling_pb2_grpc.SamplingServiceStub(self.channel)
        self.evals = evaluation_pb2_grpc.EvaluationServiceStub(self.channel)

    async def stop(self) -> None:
        await self.channel.close()
        await self.server.stop(grace=1)

    async def train(self, job: jobs_pb2.Job) -> JobRun:
        started = time.perf_counter()
        created = await self.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=self.md)
        events = [e async for e in self.jobs.WatchJob(jobs_pb2.WatchJobRequest(name=created.name), metadata=self.md)]
        wall = time.perf_counter() - started
        done = await self.jobs.GetJob(jobs_pb2.GetJobRequest(name=created.name), metadata=self.md)
        if done.state != jobs_pb2.JOB_STATE_SUCCEEDED:
            logs = [e.log.message for e in events if e.HasField("log")][-5:]
            raise RuntimeError(f"{created.name} ended {jobs_pb2.JobState.Name(done.state)}: {done.error} {logs}")
        data_log = next((e.log.message for e in events if e.HasField("log") and e.log.message.startswith("data:")), "")
        metrics = job_metrics(events, job.hyperparameters.batch_size)
        return JobRun(created.name, done.output_model, wall, metrics, data_log)

    async def sample_rate(self, model: str, n: int, seed: int) -> float:
        """Images/s of Generate over n images (requests of up to MAX_N, one after another)."""
        await self.models.DeployModel(
            models_pb2.DeployModelRequest(name=model, target=models_pb2.DEPLOYMENT_TARGET_RAY_SERVE), metadata=self.md
        )
        try:
            await self._generate(model, 8, seed + 10**6)  # untimed: the replica's first-call costs
            started = time.perf_counter()
            done = 0
            while done < n:
                k = min(MAX_N, n - done)
                got = await self._generate(model, k, seed + done)
                if len(got.completions) != k or not all(c.image.png for c in got.completions):
                    raise RuntimeError(f"Generate returned {len(got.completions)} of {k} images")
                done += k
            return n / (time.perf_counter() - started)
        finally:
            await self.models.UndeployModel(models_pb2.UndeployModelRequest(name=model), metadata=self.md)

    async def _generate(self, model: str, n: int, seed: int) -> sampling_pb2.GenerateResponse:
        req = sampling_pb2.GenerateRequest(
            model=model, n=n, params=sampling_pb2.SamplingParams(seed=seed), bypass_cache=True
        )
        return await self.sampling.Generate(req, metadata=self.md)

    async def evaluate(self, model: str, n: int, seed: int, elbo: bool = False) -> dict[str, float]:
        metrics = [
            evaluation_pb2.EVALUATION_METRIC_FID,
            evaluation_pb2.EVALUATION_METRIC_PRECISION_RECALL,
            evaluation_pb2.EVALUATION_METRIC_CLASS_COVERAGE,
        ] + ([evaluation_pb2.EVALUATION_METRIC_TEST_ELBO] if elbo else [])
        ev = await self.evals.CreateEvaluation(
            evaluation_pb2.CreateEvaluationRequest(
                evaluation=evaluation_pb2.Evaluation(
                    model=model,
                    dataset=DIGITS,
                    metrics=metrics,
                    max_records=n,
                    sampling_params=sampling_pb2.SamplingParams(seed=seed),
                )
            ),
            metadata=self.md,
        )
        async for _ in self.evals.WatchEvaluation(
            evaluation_pb2.WatchEvaluationRequest(name=ev.name), metadata=self.md
        ):
            pass
        for _ in range(50):  # the watch ends with the terminal state; the record follows it
            got = await self.evals.GetEvaluation(evaluation_pb2.GetEvaluationRequest(name=ev.name), metadata=self.md)
            if got.state in (evaluation_pb2.EVALUATION_STATE_SUCCEEDED, evaluation_pb2.EVALUATION_STATE_FAILED):
                break
            await asyncio.sleep(0.2)
        if got.state != evaluation_pb2.EVALUATION_STATE_SUCCEEDED:
            raise RuntimeError(f"{ev.name} on {model}: {evaluation_pb2.EvaluationState.Name(got.state)} {got.error}")
        return dict(got.results)


def hyperparameters(steps: int, batch: int, lr: float, warmup: int, seed: int, log_every: int) -> Any:
    return jobs_pb2.Hyperparameters(
        max_steps=steps,
        batch_size=batch,
        learning_rate=lr,
        warmup_steps=warmup,
        log_every=log_every,
        seed=seed,
        validation_fraction=0.0,  # no validation pass on either side
        checkpoint_every=steps + 1,  # only the final save: the plain loop saves nothing either
        precision=jobs_pb2.PRECISION_FP32,
    )


def resources(threads: int) -> common_pb2.Resources:
    # The job's worker asks Ray for `threads` CPUs; Ray sets OMP_NUM_THREADS to that, so torch
    # runs that many threads (the job logs the count it runs with).
    return common_pb2.Resources(cpus=threads, workers=1)


def diffusion_job(args: Any, seed: int) -> jobs_pb2.Job:
    hp = hyperparameters(args.steps, args.batch_size, args.lr, args.warmup, seed, args.log_every)
    # Adam with torch's defaults, as the plain loop's torch.optim.Adam (Kiln's default is AdamW
    # with betas (0.9, 0.95); with no weight decay only beta2 differs).
    hp.optimizer.CopyFrom(
        jobs_pb2.OptimizerOptions(kind=jobs_pb2.OPTIMIZER_KIND_ADAM, beta1=0.9, beta2=0.999, eps=1e-8)
    )
    return jobs_pb2.Job(
        display_name=f"bench-diffusion-{seed}",
        method=jobs_pb2.JOB_METHOD_DIFFUSION,
        training_dataset=DIGITS,
        hyperparameters=hp,
        # Unconditional like the diffusers loop it is compared with: equal parameters and work
        # (the job's default on labelled digits is class-conditional with guidance).
        diffusion=images_pb2.DiffusionConfig(
            base_channels=args.kiln_channels, ema_decay=args.ema_decay, class_conditional=False
        ),
        resources=resources(args.threads),
    )


def vae_job(args: Any) -> jobs_pb2.Job:
    return jobs_pb2.Job(
        display_name="bench-vae",
        method=jobs_pb2.JOB_METHOD_VAE,
        training_dataset=DIGITS,
        hyperparameters=hyperparameters(args.vae_steps, args.batch_size, 3e-3, 20, 0, max(1, args.vae_steps // 5)),
        vae=images_pb2.VaeConfig(latent_dim=16, base_channels=32, kl_warmup_steps=args.vae_steps // 5),
        resources=resources(args.threads),
    )


# What each GAN loss is usually run with (TTUR: the discriminator learns faster), as GanConfig fields.
# Each loss on the GAN job's own defaults (GanConfig in images.proto: TTUR learning rates,
# loss-dependent n_critic and Adam betas, warmed-up EMA, class-conditional on the labelled
# digits); only the loss, the step count and the batch size are the bench's.
GAN_SETTINGS: dict[str, dict[str, Any]] = {
    "bce": {"loss": images_pb2.GAN_LOSS_BCE},
    "hinge": {"loss": images_pb2.GAN_LOSS_HINGE},
    "wgan_gp": {"loss": images_pb2.GAN_LOSS_WGAN_GP},
}


def gan_job(args: Any, loss: str) -> jobs_pb2.Job:
    hp = hyperparameters(args.gan_steps, args.batch_size, 2e-4, 0, 0, max(1, args.gan_steps // 5))
    hp.eval_every = max(1, args.gan_steps // 5)  # the class-coverage monitor's period
    return jobs_pb2.Job(
        display_name=f"bench-gan-{loss}",
        method=jobs_pb2.JOB_METHOD_GAN,
        training_dataset=DIGITS,
        hyperparameters=hp,
        gan=images_pb2.GanConfig(**GAN_SETTINGS[loss]),
        resources=resources(args.threads),
    )
