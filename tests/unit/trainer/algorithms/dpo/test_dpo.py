"""DPO: the job (reference cache, resume, LoRA, IPO)."""

import math

import pytest
import torch

from kiln_trainer.algorithms.dpo import DPOConfig, train
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import write_jsonl
from kiln_trainer.data.synthetic import sentiment_preferences
from kiln_trainer.errors import TrainingCancelled
from kiln_trainer.models.loader import load_causal_lm

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = tmp_path_factory.mktemp("prefs")
    write_jsonl(sentiment_preferences(120, seed=0), d / "train.jsonl")
    return d


@pytest.fixture(scope="module")
def few(tmp_path_factory):
    """24 pairs: enough for the tests of mechanics (resume, caches, LoRA, IPO)."""
    d = tmp_path_factory.mktemp("few")
    write_jsonl(sentiment_preferences(24, seed=0), d / "train.jsonl")
    return d


def small(data, **kw) -> DPOConfig:
    args = dict(
        base_model="kiln-gpt-tiny",
        train_path=str(data / "train.jsonl"),
        batch_size=8,
        max_seq_len=48,
        learning_rate=1e-3,
        warmup_steps=1,
        max_steps=4,
        log_every=2,
        eval_every=2,
        val_fraction=0.1,
    )
    return DPOConfig(**(args | kw))


# -- the job -----------------------------------------------------------------------------------


def test_dpo_job_learns_preferences_and_saves_a_causal_lm(data, tmp_path):
    cfg = small(data, max_steps=16, eval_every=8, log_every=4)
    ctx = LocalContext(tmp_path / "run")
    result = train(cfg, ctx)
    assert result.family == "causal_lm" and result.metrics["steps"] == 16
    val = [m for _, m in ctx.metrics if "val_loss" in m]
    assert val[-1]["val_reward_margin"] > 0 and val[-1]["val_loss"] < math.log(2.0)
    assert result.metrics["val_reward_accuracy"] >= 0.75, result.metrics
    assert {"loss", "reward_accuracy", "chosen_reward", "rejected_reward", "reward_margin"} <= set(ctx.metrics[0][1])
    assert {"loss_curve.png", "reference_logps.safetensors"} <= set(result.artifacts)
    policy = load_causal_lm(str(result.model_dir))  # loads like an SFT result
    base = load_causal_lm("kiln-gpt-tiny", seed=0)
    assert policy.model.state_dict().keys() == base.model.state_dict().keys()
    # The cached reference log-probs are the base model's.
    from safetensors.torch import load_file

    cached = load_file(str(ctx.artifacts["reference_logps.safetensors"]))
    assert set(cached) == {"train.chosen", "train.rejected", "val.chosen", "val.rejected"}
    assert cached["train.chosen"].shape == (108,) and cached["val.chosen"].shape == (12,)
    assert (cached["train.chosen"] < 0).all()


def test_resume_reuses_the_reference_cache(few, tmp_path):
    cfg = small(few, max_steps=6, checkpoint_every=2)
    full = train(cfg, LocalContext(tmp_path / "full"))
    first = LocalContext(tmp_path / "first", stop_after_step=4)
    with pytest.raises(TrainingCancelled):
        train(cfg, first)
    assert (first.checkpoints[4] / "reference_logps.safetensors").exists()
    second = LocalContext(tmp_path / "second")
    second.checkpoints[4] = first.checkpoints[4]
    resumed = train(cfg, second)
    assert any("reused the reference log-probs" in line for line in second.logs)
    assert not any("computed reference log-probs" in line for line in second.logs)
    assert resumed.metrics["train_loss"] == pytest.approx(full.metrics["train_loss"], abs=1e-5)
    a = load_causal_lm(str(full.model_dir)).model.state_dict()
    b = load_causal_lm(str(resumed.model_dir)).model.state_dict()
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=1e-5, rtol=1e-4)


def test_cache_of_other_data_is_not_reused(few, tmp_path):
    first = LocalContext(tmp_path / "first", stop_after_step=2)
    with pytest.raises(TrainingCancelled):
        train(small(few, max_steps=4, checkpoint_every=2), first)
    # Other truncation means other token ids: the cached log-probs must not be reused.
    second = LocalContext(tmp_path / "second", stop_after_step=0)  # stop before the first step
    second.checkpoints[2] = first.checkpoints[2]
    with pytest.raises(TrainingCancelled):
        train(small(few, max_steps=4, max_seq_len=16), second)
    assert any("belong to other data" in line for line in second.logs)
    assert any("computed reference log-probs" in line for line in second.logs)


def test_lora_and_ipo_and_an_explicit_reference(few, tmp_path):
    ref_dir = tmp_path / "ref"
    load_causal_lm("kiln-gpt-tiny", seed=7).save(ref_dir)
    cfg = small(
        few, tuning="lora", lora_r=2, loss="ipo", beta=0.5, reference_model=str(ref_dir), max_steps=3, precision="bf16"
    )
    ctx = LocalContext(tmp_path / "run")
    result = train(cfg, ctx)
    assert any(f"with {ref_dir}" in line for line in ctx.logs)
    assert math.isfinite(result.metrics["train_loss"])
    assert (result.model_dir / "adapter" / "adapter_config.json").exists()
    assert (
        load_causal_lm(str(result.model_dir)).model.state_dict().keys()
        == load_causal_lm("kiln-gpt-tiny").model.state_dict().keys()
    )
