"""CreateJob's spec builder against real stores: every bad input gets its code and field path."""

from __future__ import annotations

import json
import uuid

import pytest

from kiln.v1 import jobs_pb2
from kiln_server.datasets.store import DatasetStore
from kiln_server.jobs.spec import JobResources, JobSpec, JobSpecBuilder
from kiln_server.models.ref import ModelKind, ModelRef, ModelResolver
from kiln_server.models.store import ModelStore
from kiln_server.platform.artifacts import ArtifactStore
from kiln_server.platform.errors import InvalidArgument, NotFound, Unimplemented
from tests.unit.server.records import FORMATS, add_dataset, model_dir, register


@pytest.fixture
async def env(redis_client, keys, tmp_path):
    datasets, models = DatasetStore(redis_client, keys), ModelStore(redis_client, keys)
    artifacts = ArtifactStore(str(tmp_path / "artifacts"))
    names = {fmt: await add_dataset(datasets, f"d-{fmt}", fmt) for fmt in FORMATS}
    shared = (tmp_path / "shared-models",)
    builder = JobSpecBuilder(datasets, ModelResolver(models, shared), artifacts, tmp_path / "scratch", 2)
    return builder, names, models, artifacts


def sft(dataset: str, **hp) -> jobs_pb2.Job:
    job = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_SFT, base_model="kiln-gpt-tiny", training_dataset=dataset)
    for k, v in hp.items():
        setattr(job.hyperparameters, k, v)
    return job


def method_job(method: int, dataset: str, **oneof) -> jobs_pb2.Job:
    return jobs_pb2.Job(method=method, base_model="kiln-gpt-tiny", training_dataset=dataset, **oneof)


def fp16_with_sophia(job: jobs_pb2.Job) -> None:
    job.hyperparameters.precision = jobs_pb2.PRECISION_FP16
    job.hyperparameters.optimizer.kind = jobs_pb2.OPTIMIZER_KIND_SOPHIA


async def violation(builder: JobSpecBuilder, job: jobs_pb2.Job) -> str:
    with pytest.raises(InvalidArgument) as err:
        await builder.build(job, "t")
    return err.value.violations[0].field


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda j: setattr(j.hyperparameters, "learning_rate", -0.1), "job.hyperparameters.learning_rate"),
        (lambda j: setattr(j.hyperparameters, "batch_size", 0), "job.hyperparameters.batch_size"),
        (lambda j: setattr(j.hyperparameters, "validation_fraction", 0.9), "job.hyperparameters.validation_fraction"),
        (lambda j: setattr(j.hyperparameters, "max_seq_len", 100000), "job.hyperparameters.max_seq_len"),
        (lambda j: setattr(j.hyperparameters, "precision", 99), "job.hyperparameters.precision"),
        (fp16_with_sophia, "job.hyperparameters.precision"),
        (lambda j: setattr(j.sft.lora, "dropout", 1.5), "job.sft.lora.dropout"),
        (lambda j: setattr(j.resources, "workers", 1000), "job.resources.workers"),
        (lambda j: setattr(j, "max_retries", 99), "job.max_retries"),
        (lambda j: setattr(j, "method", jobs_pb2.JOB_METHOD_UNSPECIFIED), "job.method"),
        (lambda j: setattr(j, "training_dataset", ""), "job.training_dataset"),
        (lambda j: setattr(j, "training_dataset", "jobs/x"), "job.training_dataset"),
        (lambda j: setattr(j.dpo, "beta", 0.1), "job.dpo"),
        (lambda j: setattr(j, "base_model", "models/BAD NAME"), "job.base_model"),
    ],
)
async def test_invalid_argument_names_the_field(env, mutate, field):
    builder, names, *_ = env
    job = sft(names["sft"], max_steps=2)
    mutate(job)
    assert await violation(builder, job) == field


async def test_method_options_are_checked_by_the_trainer_at_their_request_path(env):
    builder, names, *_ = env
    prefs, prompts = names["preference"], names["prompts"]
    dpo = method_job(jobs_pb2.JOB_METHOD_DPO, prefs, dpo=jobs_pb2.DpoConfig(beta=-1.0))
    assert await violation(builder, dpo) == "job.dpo.beta"
    unused = method_job(jobs_pb2.JOB_METHOD_DPO, prefs)
    unused.hyperparameters.grad_accum_steps = 4
    assert await violation(builder, unused) == "job.hyperparameters.grad_accum_steps"
    no_reward = method_job(jobs_pb2.JOB_METHOD_PPO, prompts, ppo=jobs_pb2.PpoConfig())
    assert await violation(builder, no_reward) == "job.ppo.reward.reward_model"
    length = jobs_pb2.RewardSource(scoring_function="length")
    clip = method_job(jobs_pb2.JOB_METHOD_PPO, prompts, ppo=jobs_pb2.PpoConfig(reward=length, clip_range=-0.5))
    assert await violation(builder, clip) == "job.ppo.clip_range"
    batches = jobs_pb2.PpoConfig(reward=length, rollout_batch_size=4, minibatch_size=8)
    assert (
        await violation(builder, method_job(jobs_pb2.JOB_METHOD_PPO, prompts, ppo=batches)) == "job.ppo.minibatch_size"
    )
    mixup = method_job(
        jobs_pb2.JOB_METHOD_REWARD_MODEL, prefs, reward_model=jobs_pb2.RewardModelConfig(mixup_alpha=20.0)
    )
    assert await violation(builder, mixup) == "job.reward_model.mixup_alpha"
    two_workers = method_job(jobs_pb2.JOB_METHOD_REWARD_MODEL, prefs)
    two_workers.resources.workers = 2
    assert await violation(builder, two_workers) == "job.resources.workers"
    wrong_format = method_job(jobs_pb2.JOB_METHOD_DPO, names["sft"])
    with pytest.raises(InvalidArgument, match="DATASET_FORMAT_PREFERENCE"):
        await builder.build(wrong_format, "t")


@pytest.mark.parametrize(
    "job",
    [
        jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_SFT, base_model="gpt-17-ultra", training_dataset="datasets/d-sft"),
        jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_SFT, base_model="models/m-0000", training_dataset="datasets/d-sft"),
        jobs_pb2.Job(
            method=jobs_pb2.JOB_METHOD_SFT,
            base_model="{shared}/no-such-model",  # a path under the shared dirs, but no model there
            training_dataset="datasets/d-sft",
        ),
        jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_SFT, base_model="kiln-gpt-tiny", training_dataset="datasets/d-none"),
        method_job(
            jobs_pb2.JOB_METHOD_DPO, "datasets/d-preference", dpo=jobs_pb2.DpoConfig(reference_model="models/nope")
        ),
    ],
)
async def test_references_the_tenant_lacks_are_not_found(env, job, tmp_path):
    builder, *_ = env
    job.base_model = job.base_model.format(shared=tmp_path / "shared-models")
    with pytest.raises(NotFound):
        await builder.build(job, "t")


async def test_a_valid_job_becomes_a_self_contained_spec(env, tmp_path):
    builder, names, *_ = env
    local = model_dir(tmp_path / "shared-models" / "local-model")
    job = sft(names["sft"], max_steps=3, validation_fraction=0.2, precision=jobs_pb2.PRECISION_FP32)
    job.base_model = str(local)
    job.sft.tuning = jobs_pb2.TUNING_LORA
    job.resources.workers = 2
    spec = await builder.build(job, "t")
    assert spec.method == "sft" and spec.display_name == f"sft {local}"
    assert spec.base_model == ModelRef(ModelKind.PATH, str(local))
    assert spec.training_dataset == "d-sft" and spec.validation_dataset is None and spec.max_retries == 2
    assert spec.resources == JobResources(gpus=0, cpus=1, workers=2)
    assert spec.config["max_steps"] == 3 and spec.config["val_fraction"] == 0.2 and spec.config["tuning"] == "lora"
    assert spec.config["precision"] == "fp32" and "base_model" not in spec.config and "train_path" not in spec.config
    assert JobSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize(
    "path",
    [
        "/nonexistent/model",  # outside the shared directories
        "{tmp}/artifacts/models/other-tenant/m-1",  # another tenant's weights
        "{tmp}/shared-models/../artifacts",  # escapes the shared directory
        "{tmp}/shared-models",  # the shared directory itself
        "shared-models/local-model",  # relative
        "./local-model",
        "~/model",
    ],
)
async def test_server_paths_outside_the_shared_model_dirs_are_refused(env, tmp_path, path):
    builder, names, *_ = env
    model_dir(tmp_path / "artifacts" / "models" / "other-tenant" / "m-1")
    for field in ("base_model", "teacher"):
        job = sft(names["sft"]) if field == "base_model" else method_job(jobs_pb2.JOB_METHOD_DISTILL, names["sft"])
        p = path.format(tmp=tmp_path)
        if field == "base_model":
            job.base_model = p
        else:
            job.distill.teacher_model = p
        with pytest.raises(InvalidArgument) as err:
            await builder.build(job, "t")
        expected = "job.base_model" if field == "base_model" else "job.distill.teacher_model"
        assert err.value.violations[0].field == expected, err.value.violations


async def test_symlinks_out_of_the_shared_model_dirs_are_refused(env, tmp_path):
    builder, names, *_ = env
    outside = model_dir(tmp_path / "elsewhere" / "m")
    (tmp_path / "shared-models").mkdir(exist_ok=True)
    (tmp_path / "shared-models" / "link").symlink_to(outside)
    job = sft(names["sft"])
    job.base_model = str(tmp_path / "shared-models" / "link")
    with pytest.raises(InvalidArgument):
        await builder.build(job, "t")


async def test_models_in_a_remote_artifact_store_are_checked_against_their_real_config(redis_client, keys, tmp_path):
    datasets, models = DatasetStore(redis_client, keys), ModelStore(redis_client, keys)
    artifacts = ArtifactStore(f"memory://kiln-{uuid.uuid4().hex[:8]}")
    assert artifacts.local_path("x") is None
    prompts = await add_dataset(datasets, "d-prompts", "prompts")
    policy = await register(models, artifacts, tmp_path, "m-policy")
    reward = await register(
        models, artifacts, tmp_path, "m-reward", model_type="kiln-reward-model", family="reward_model"
    )
    builder = JobSpecBuilder(datasets, ModelResolver(models), artifacts, tmp_path / "scratch", default_retries=2)

    def ppo(reward_model: str) -> jobs_pb2.Job:
        config = jobs_pb2.PpoConfig(reward=jobs_pb2.RewardSource(reward_model=reward_model))
        job = method_job(jobs_pb2.JOB_METHOD_PPO, prompts, ppo=config)
        job.base_model = policy
        return job

    spec = await builder.build(ppo(reward), "t")
    assert spec.base_model.kind == ModelKind.REGISTERED and spec.model_refs["reward_model"].id == "m-reward"
    # A causal LM named as the reward model is refused, at the request field: its config was read.
    assert await violation(builder, ppo(policy)) == "job.ppo.reward.reward_model"


async def test_a_method_this_build_lacks_is_unimplemented(env, monkeypatch):
    from kiln_server.jobs import spec as spec_module

    builder, names, *_ = env
    monkeypatch.setattr(spec_module, "available", lambda method: False)
    with pytest.raises(Unimplemented):
        await builder.build(sft(names["sft"]), "t")


def test_payloads_stored_before_model_refs_still_read():
    old = {
        "method": "dpo",
        "display_name": "dpo kiln-gpt-tiny",
        "base_model": {"kind": "builtin", "name": "kiln-gpt-tiny"},
        "training_dataset": "d-1",
        "validation_dataset": None,
        "config": {"beta": 0.2},
        "resources": {"gpus": 0, "cpus": 2, "workers": 1},
        "max_retries": 1,
        "labels": {},
        "model_refs": {"reference_model": {"kind": "model", "id": "m-1", "rel": "models/t/m-1"}},
    }
    spec = JobSpec.from_dict(old)
    assert spec.base_model == ModelRef.builtin("kiln-gpt-tiny") and spec.resources.cpus == 2
    assert spec.model_refs["reference_model"].name == "models/m-1"


async def test_image_jobs_train_from_scratch_on_image_datasets(env):
    builder, names, *_ = env
    vae = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_VAE, training_dataset="datasets/digits")
    vae.vae.latent_dim = 4
    vae.vae.augmentation.max_shift = 1
    spec = await builder.build(vae, "t")
    assert spec.method == "vae" and spec.base_model.family == "image"
    assert spec.config["latent_dim"] == 4 and spec.config["max_shift"] == 1
    assert spec.config["heldout_dataset"] == "digits" and "train_path" not in spec.config

    with_base = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_VAE, base_model="kiln-gpt-tiny", training_dataset="datasets/digits"
    )
    assert await violation(builder, with_base) == "job.base_model"
    bad = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_VAE, training_dataset="datasets/digits")
    bad.vae.augmentation.noise_std = 2.0
    assert await violation(builder, bad) == "job.vae.augmentation.noise_std"
    bad = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_VAE, training_dataset="datasets/digits")
    bad.vae.resolution = 10
    assert await violation(builder, bad) == "job.vae.resolution"
    bad = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_VAE, training_dataset="datasets/digits")
    bad.hyperparameters.max_seq_len = 64
    assert await violation(builder, bad) == "job.hyperparameters.max_seq_len"
    text = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_VAE, training_dataset=names["sft"])
    assert await violation(builder, text) == "job.training_dataset"
    images_for_sft = jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_SFT, base_model="kiln-gpt-tiny", training_dataset="datasets/digits"
    )
    assert await violation(builder, images_for_sft) == "job.training_dataset"


async def test_gan_options_land_on_their_request_paths(env):
    builder, *_ = env
    gan = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_GAN, training_dataset="datasets/digits")
    gan.gan.loss = 2  # GAN_LOSS_WGAN_GP
    gan.gan.n_critic = 5
    spec = await builder.build(gan, "t")
    assert spec.config["loss"] == "wgan_gp" and spec.config["n_critic"] == 5
    gan.gan.n_critic = 50
    assert await violation(builder, gan) == "job.gan.n_critic"


async def test_diffusion_options_land_on_their_request_paths(env):
    builder, *_ = env
    job = jobs_pb2.Job(method=jobs_pb2.JOB_METHOD_DIFFUSION, training_dataset="datasets/digits")
    job.diffusion.noise_schedule = 2  # NOISE_SCHEDULE_COSINE
    job.diffusion.prediction = 2  # DIFFUSION_PREDICTION_V
    spec = await builder.build(job, "t")
    assert (spec.config["noise_schedule"], spec.config["prediction"]) == ("cosine", "v")
    job.diffusion.timesteps = 20
    job.diffusion.sampling_steps = 40
    assert await violation(builder, job) == "job.diffusion.sampling_steps"
