"""Training techniques through CreateJob's spec builder: the proto's optimizer, schedule and
regularization messages (and PPO's and DPO's new fields) reach the trainer config, and every
bad setting or combination is INVALID_ARGUMENT at the field the client set."""

from __future__ import annotations

import pytest

from kiln.v1 import jobs_pb2
from kiln_server.jobs.methods import METHODS
from kiln_server.jobs.options import job_options
from tests.unit.server.jobs import test_spec
from tests.unit.server.jobs.test_spec import method_job, sft, violation

env = test_spec.env  # the spec builder against real stores (a fixture)


def test_no_method_maps_one_config_key_from_two_fields():
    for method in METHODS.values():
        job_options(jobs_pb2.Job(), method.oneof, method.resources)  # raises on a clash


async def test_optimizer_schedule_and_regularization_reach_the_config(env):
    builder, names, *_ = env
    job = sft(names["sft"], max_steps=4)
    job.hyperparameters.optimizer.CopyFrom(
        jobs_pb2.OptimizerOptions(kind=jobs_pb2.OPTIMIZER_KIND_SGD, momentum=0.9, nesterov=True)
    )
    job.hyperparameters.lr_schedule.CopyFrom(
        jobs_pb2.LrScheduleOptions(kind=jobs_pb2.LR_SCHEDULE_KIND_STEP, step_size=2, gamma=0.5)
    )
    job.hyperparameters.regularization.CopyFrom(
        jobs_pb2.RegularizationOptions(l1_penalty=0.01, label_smoothing=0.1, attention_dropout=0.1)
    )
    job.hyperparameters.early_stopping_min_delta = 0.01
    job.hyperparameters.curriculum.CopyFrom(
        jobs_pb2.CurriculumOptions(
            order=jobs_pb2.CURRICULUM_ORDER_LOSS, pacing=jobs_pb2.CURRICULUM_PACING_ROOT, anti=True, rescore_every=10
        )
    )
    job.hyperparameters.augmentation.token_mask_prob = 0.1
    job.hyperparameters.adversarial.CopyFrom(
        jobs_pb2.AdversarialOptions(method=jobs_pb2.ADVERSARIAL_METHOD_PGD, epsilon=0.02, steps=2)
    )
    config = (await builder.build(job, "t")).config
    assert config["optimizer"] == "sgd" and config["momentum"] == 0.9 and config["nesterov"] is True
    assert config["lr_schedule"] == "step" and config["lr_step_size"] == 2 and config["lr_gamma"] == 0.5
    assert config["l1_penalty"] == 0.01 and config["token_label_smoothing"] == 0.1
    assert config["attention_dropout"] == 0.1 and config["early_stopping_min_delta"] == 0.01
    assert config["curriculum"] == "loss" and config["curriculum_pacing"] == "root"
    assert config["anti_curriculum"] is True and config["curriculum_rescore_every"] == 10
    assert config["augment_mask_prob"] == 0.1
    assert config["adversarial"] == "pgd" and config["adversarial_epsilon"] == 0.02
    assert config["adversarial_steps"] == 2
    default = (await builder.build(sft(names["sft"], max_steps=4), "t")).config
    assert default["optimizer"] == "adamw" and default["lr_schedule"] == "cosine"  # unchanged defaults


def _sgd(**kw) -> jobs_pb2.OptimizerOptions:
    return jobs_pb2.OptimizerOptions(kind=jobs_pb2.OPTIMIZER_KIND_SGD, **kw)


@pytest.mark.parametrize(
    ("hp", "field"),
    [
        ({"optimizer": _sgd(nesterov=True)}, "job.hyperparameters.optimizer.nesterov"),
        (
            {"optimizer": jobs_pb2.OptimizerOptions(kind=jobs_pb2.OPTIMIZER_KIND_LBFGS), "grad_accum_steps": 2},
            "job.hyperparameters.grad_accum_steps",
        ),
        (
            {"optimizer": jobs_pb2.OptimizerOptions(kind=jobs_pb2.OPTIMIZER_KIND_ADAM, momentum=0.9)},
            "job.hyperparameters.optimizer.momentum",
        ),
        ({"optimizer": _sgd(history_size=4)}, "job.hyperparameters.optimizer.history_size"),
        (
            {"lr_schedule": jobs_pb2.LrScheduleOptions(kind=jobs_pb2.LR_SCHEDULE_KIND_EXPONENTIAL, gamma=1.5)},
            "job.hyperparameters.lr_schedule.gamma",
        ),
        (
            {"lr_schedule": jobs_pb2.LrScheduleOptions(kind=jobs_pb2.LR_SCHEDULE_KIND_ONE_CYCLE, pct_start=0.0)},
            "job.hyperparameters.lr_schedule.pct_start",
        ),
        (
            {"regularization": jobs_pb2.RegularizationOptions(label_smoothing=1.0)},
            "job.hyperparameters.regularization.label_smoothing",
        ),
        ({"curriculum": jobs_pb2.CurriculumOptions(anti=True)}, "job.hyperparameters.curriculum.anti"),
        (
            {"curriculum": jobs_pb2.CurriculumOptions(order=jobs_pb2.CURRICULUM_ORDER_LENGTH, start_share=0.0)},
            "job.hyperparameters.curriculum.start_share",
        ),
        ({"augmentation": jobs_pb2.AugmentationOptions(swap_prob=1.0)}, "job.hyperparameters.augmentation.swap_prob"),
        (
            {"adversarial": jobs_pb2.AdversarialOptions(method=jobs_pb2.ADVERSARIAL_METHOD_FGSM, epsilon=0.0)},
            "job.hyperparameters.adversarial.epsilon",
        ),
        (
            {"regularization": jobs_pb2.RegularizationOptions(residual_dropout=-0.1)},
            "job.hyperparameters.regularization.residual_dropout",
        ),
    ],
)
async def test_bad_settings_and_combinations_name_their_field(env, hp, field):
    builder, names, *_ = env
    job = sft(names["sft"], max_steps=2)
    for key, value in hp.items():
        if isinstance(value, int):
            setattr(job.hyperparameters, key, value)
        else:
            getattr(job.hyperparameters, key).CopyFrom(value)
    assert await violation(builder, job) == field


async def test_ppo_schedule_and_value_learning_rate_and_dpo_label_smoothing(env):
    builder, names, *_ = env
    prompts, prefs = names["prompts"], names["preference"]
    reward = jobs_pb2.RewardSource(scoring_function="length")
    ppo = method_job(
        jobs_pb2.JOB_METHOD_PPO,
        prompts,
        ppo=jobs_pb2.PpoConfig(
            reward=reward, value_learning_rate=3e-4, kl_estimator=jobs_pb2.KL_ESTIMATOR_K3, whiten_advantages=False
        ),
    )
    ppo.hyperparameters.lr_schedule.kind = jobs_pb2.LR_SCHEDULE_KIND_LINEAR
    config = (await builder.build(ppo, "t")).config
    assert config["lr_schedule"] == "linear" and config["value_learning_rate"] == 3e-4
    assert config["kl_estimator"] == "k3" and config["whiten_advantages"] is False
    ppo.hyperparameters.lr_schedule.kind = jobs_pb2.LR_SCHEDULE_KIND_COSINE
    assert await violation(builder, ppo) == "job.hyperparameters.lr_schedule.kind"
    ppo.hyperparameters.lr_schedule.kind = jobs_pb2.LR_SCHEDULE_KIND_LINEAR
    ppo.ppo.value_learning_rate = -1.0
    assert await violation(builder, ppo) == "job.ppo.value_learning_rate"
    ppo.ppo.value_learning_rate = 1e-4
    ppo.hyperparameters.optimizer.kind = jobs_pb2.OPTIMIZER_KIND_LION  # PPO's roles keep AdamW
    assert await violation(builder, ppo) == "job.hyperparameters.optimizer.kind"

    dpo = method_job(jobs_pb2.JOB_METHOD_DPO, prefs, dpo=jobs_pb2.DpoConfig(label_smoothing=0.1))
    assert (await builder.build(dpo, "t")).config["label_smoothing"] == 0.1
    dpo.dpo.label_smoothing = 0.5
    assert await violation(builder, dpo) == "job.dpo.label_smoothing"


async def test_single_process_techniques_with_several_workers_are_refused(env):
    builder, names, *_ = env
    job = sft(names["sft"], max_steps=2)
    job.resources.workers = 2
    job.hyperparameters.optimizer.kind = jobs_pb2.OPTIMIZER_KIND_LBFGS
    assert await violation(builder, job) == "job.hyperparameters.optimizer.kind"
    job.hyperparameters.optimizer.kind = jobs_pb2.OPTIMIZER_KIND_ADAMW
    job.hyperparameters.adversarial.method = jobs_pb2.ADVERSARIAL_METHOD_PGD
    assert await violation(builder, job) == "job.hyperparameters.adversarial.method"


async def test_spectral_norm_needs_full_tuning(env):
    builder, names, *_ = env
    job = sft(names["sft"], max_steps=2)
    job.hyperparameters.regularization.spectral_norm = True
    assert (await builder.build(job, "t")).config["spectral_norm"] is True
    job.sft.tuning = jobs_pb2.TUNING_LORA
    assert await violation(builder, job) == "job.hyperparameters.regularization.spectral_norm"
