"""The descriptor walk that maps a job's proto options to trainer config keys and request paths."""

from __future__ import annotations

import pytest

from kiln.v1 import jobs_pb2
from kiln_server.jobs.options import Options, job_options, paths_of, read


def test_every_field_has_its_request_path_and_renamed_key():
    paths = paths_of(jobs_pb2.Hyperparameters.DESCRIPTOR, "job.hyperparameters")
    assert paths["val_fraction"] == "job.hyperparameters.validation_fraction"
    assert paths["learning_rate"] == "job.hyperparameters.learning_rate"
    # Sub-messages (optimizer, lr_schedule, regularization) join in place: one key per leaf field.
    leaves = [
        f
        for fd in jobs_pb2.Hyperparameters.DESCRIPTOR.fields
        for f in (fd.message_type.fields if fd.message_type else [fd])
    ]
    assert len(paths) == len(leaves)
    assert paths["optimizer"] == "job.hyperparameters.optimizer.kind"
    assert paths["lr_gamma"] == "job.hyperparameters.lr_schedule.gamma"
    assert paths["token_label_smoothing"] == "job.hyperparameters.regularization.label_smoothing"
    ppo = paths_of(jobs_pb2.PpoConfig.DESCRIPTOR, "job.ppo")
    assert ppo["kl_coef"] == "job.ppo.kl_coef"
    assert ppo["reward_model"] == "job.ppo.reward.reward_model"  # a sub-message's fields join in place
    assert ppo["human_feedback"] == "job.ppo.reward.human_feedback"
    sft = paths_of(jobs_pb2.SftConfig.DESCRIPTOR, "job.sft")
    assert sft["lora_r"] == "job.sft.lora.rank" and sft["lora_target_modules"] == "job.sft.lora.target_modules"


def test_only_set_fields_are_read_and_enums_become_their_names():
    job = jobs_pb2.Job()
    job.hyperparameters.learning_rate = 0.01
    job.hyperparameters.validation_fraction = 0.0  # set to zero is still set
    job.hyperparameters.precision = jobs_pb2.PRECISION_BF16
    assert read(job.hyperparameters, "job.hyperparameters").values == {
        "learning_rate": 0.01,
        "val_fraction": 0.0,
        "precision": "bf16",
    }
    dpo = jobs_pb2.DpoConfig(
        tuning=jobs_pb2.TUNING_LORA, loss=jobs_pb2.PREFERENCE_LOSS_IPO, reference_model="models/m-1"
    )
    dpo.lora.rank = 4
    dpo.lora.target_modules.extend(["c_attn"])
    options = read(dpo, "job.dpo")
    assert options.values == {"tuning": "lora", "loss": "ipo", "lora_r": 4, "lora_target_modules": ["c_attn"]}
    assert options.models == {"reference_model": "models/m-1"}  # a model reference, not an option


def test_the_reward_source_is_read_through_its_oneof():
    scoring = jobs_pb2.PpoConfig(reward=jobs_pb2.RewardSource(scoring_function="length"), kl_coef=0.1)
    assert read(scoring, "job.ppo").values == {"scoring_function": "length", "kl_coef": 0.1}
    human = read(jobs_pb2.PpoConfig(reward=jobs_pb2.RewardSource(human_feedback=False)), "job.ppo")
    assert human.values == {"human_feedback": False}
    by_model = read(jobs_pb2.PpoConfig(reward=jobs_pb2.RewardSource(reward_model="models/m-2")), "job.ppo")
    assert by_model.values == {} and by_model.models == {"reward_model": "models/m-2"}


def test_job_options_join_hyperparameters_method_options_and_resources():
    job = jobs_pb2.Job(ppo=jobs_pb2.PpoConfig(clip_range=0.3))
    job.hyperparameters.max_steps = 5
    job.resources.gpus = 2
    options = job_options(job, "ppo", {"gpus": "gpus"})
    assert options.values == {"max_steps": 5, "clip_range": 0.3, "gpus": 2}
    assert options.paths["gpus"] == "job.resources.gpus" and options.paths["clip_range"] == "job.ppo.clip_range"
    # A method whose message is not set reads nothing from it, but still knows its paths.
    sft = job_options(jobs_pb2.Job(), "sft", {})
    assert sft.values == {} and sft.paths["packing"] == "job.sft.packing"


def test_one_config_key_from_two_request_fields_is_refused():
    with pytest.raises(ValueError, match="max_steps"):
        Options(paths={"max_steps": "a"}).merge(Options(paths={"max_steps": "b"}))


def test_reward_model_checkpoint_selection_reaches_the_trainer_config():
    import pytest

    from kiln_trainer.configs.reward import RewardConfig
    from kiln_trainer.errors import ConfigError

    job = jobs_pb2.Job(reward_model=jobs_pb2.RewardModelConfig())
    job.hyperparameters.early_stopping_patience = 4
    job.hyperparameters.restore_best_weights = True
    options = job_options(job, "reward_model", {})
    assert options.values == {"early_stopping_patience": 4, "restore_best_weights": True}
    cfg = RewardConfig(base_model="kiln-gpt-tiny", train_path="t.jsonl", **options.values)
    assert (cfg.early_stopping_patience, cfg.restore_best_weights) == (4, True)
    with pytest.raises(ConfigError) as bad:
        RewardConfig(base_model="kiln-gpt-tiny", train_path="t.jsonl", early_stopping_patience=0)
    assert bad.value.field == "early_stopping_patience"


def test_dpo_hard_label_settings_reach_the_trainer_config():
    from kiln_trainer.configs.dpo import DPOConfig

    job = jobs_pb2.Job(dpo=jobs_pb2.DpoConfig(loss=jobs_pb2.PREFERENCE_LOSS_ROBUST, label_smoothing=0.2))
    job.hyperparameters.early_stopping_patience = 3
    job.hyperparameters.restore_best_weights = True
    options = job_options(job, "dpo", {})
    assert options.values == {
        "loss": "robust",
        "label_smoothing": 0.2,
        "early_stopping_patience": 3,
        "restore_best_weights": True,
    }
    assert options.paths["early_stopping_patience"] == "job.hyperparameters.early_stopping_patience"
    cfg = DPOConfig(base_model="kiln-gpt-tiny", train_path="t.jsonl", **options.values)
    assert (cfg.loss, cfg.label_smoothing, cfg.early_stopping_patience) == ("robust", 0.2, 3)
