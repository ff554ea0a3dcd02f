"""Mixup for pairwise reward training: the draws, the mixed features and targets, and the job option."""

from typing import Any

import numpy as np
import pytest
import torch

from kiln_trainer.algorithms.reward import RewardConfig
from kiln_trainer.algorithms.reward.trainer import RewardTrainer
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import write_jsonl
from kiln_trainer.data.synthetic import sentiment_preferences
from kiln_trainer.errors import ConfigError
from kiln_trainer.losses import bradley_terry_loss
from kiln_trainer.training.mixup import mix_pairs, mixup_bt_loss, sample_pair_mix
from kiln_trainer.training.trainer import TRAIN, VAL

pytestmark = pytest.mark.usefixtures("one_thread")


def test_draws_are_deterministic_per_seed_and_beta_distributed():
    a, b, c = sample_pair_mix(8, 0.4, seed=3), sample_pair_mix(8, 0.4, seed=3), sample_pair_mix(8, 0.4, seed=4)
    assert torch.equal(a.lam, b.lam) and torch.equal(a.partner, b.partner) and torch.equal(a.keep, b.keep)
    assert not torch.equal(a.lam, c.lam)
    assert sorted(a.partner.tolist()) == list(range(8))  # a permutation of the batch
    # Beta(alpha, alpha): mean 1/2, variance 1 / (4 (2 alpha + 1)); alpha 0.4 puts mass near 0 and 1.
    lam = sample_pair_mix(20_000, 0.4, seed=0).lam.double()
    assert float(lam.mean()) == pytest.approx(0.5, abs=0.01)
    assert float(lam.var()) == pytest.approx(1 / (4 * 1.8), rel=0.05)
    big = sample_pair_mix(20_000, 8.0, seed=0).lam.double()  # large alpha: concentrated at 1/2
    assert float(big.var()) == pytest.approx(1 / (4 * 17), rel=0.05)
    assert 0.45 < float(sample_pair_mix(20_000, 1.0, seed=0).keep.float().mean()) < 0.55
    with pytest.raises(ValueError):
        sample_pair_mix(4, 0.0, seed=0)


def test_mixed_features_and_targets_follow_the_formula():
    g = torch.Generator().manual_seed(0)
    chosen, rejected = torch.randn(6, 5, generator=g), torch.randn(6, 5, generator=g)
    mix = sample_pair_mix(6, 0.7, seed=11)
    first, second, target = mix_pairs(chosen, rejected, mix)
    lam, j, keep = mix.lam.numpy(), mix.partner.numpy(), mix.keep.numpy()
    c, r = chosen.numpy(), rejected.numpy()
    f0 = np.where(keep[:, None], c, r)  # oriented: first side is chosen where keep
    s0 = np.where(keep[:, None], r, c)
    y = keep.astype(np.float32)
    np.testing.assert_allclose(first.numpy(), lam[:, None] * f0 + (1 - lam[:, None]) * f0[j], rtol=1e-6)
    np.testing.assert_allclose(second.numpy(), lam[:, None] * s0 + (1 - lam[:, None]) * s0[j], rtol=1e-6)
    np.testing.assert_allclose(target.numpy(), lam * y + (1 - lam) * y[j], rtol=1e-6)
    assert ((target >= 0) & (target <= 1)).all()
    # With target 1 and no mixing partner effect, the soft loss is plain Bradley-Terry.
    rc, rr = torch.tensor([2.0, -1.0]), torch.tensor([0.5, 0.5])
    bt = -torch.nn.functional.logsigmoid(rc - rr).mean()
    assert float(mixup_bt_loss(rc, rr, torch.ones(2))) == pytest.approx(float(bt))
    # A soft target of 1/2 is minimised by equal rewards: the margin stops growing.
    assert float(mixup_bt_loss(torch.zeros(1), torch.zeros(1), torch.full((1,), 0.5))) == pytest.approx(np.log(2))


def test_reward_trainer_loss_is_the_mixup_loss_of_its_pooled_states(tmp_path):
    write_jsonl(sentiment_preferences(12, seed=0), tmp_path / "train.jsonl")
    common: dict[str, Any] = dict(
        base_model="kiln-gpt-tiny",
        train_path=str(tmp_path / "train.jsonl"),
        batch_size=4,
        max_seq_len=40,
        max_steps=2,
        val_fraction=0.0,
        seed=5,
    )
    trainer = RewardTrainer(RewardConfig(**common, mixup_alpha=0.4), LocalContext(tmp_path))
    trainer.setup()
    trainer.step = 1
    batch = trainer.step_batches(1)[0]
    pairs, model = batch.batch, trainer.reward_model
    with torch.no_grad():
        train_loss, metrics = trainer.compute_loss(model, batch, TRAIN)
        val_loss, _ = trainer.compute_loss(model, batch, VAL)
        pooled = model.pooled(pairs.input_ids, pairs.attention_mask)
        n = pairs.n_pairs
        clean = bradley_terry_loss(model.head_score(pooled[:n]), model.head_score(pooled[n:]))[0]
        mix = sample_pair_mix(n, 0.4, seed=5 * 1_000_003 + 1)  # the job's seed and the step
        first, second, target = mix_pairs(pooled[:n], pooled[n:], mix)
        expected = mixup_bt_loss(model.head_score(first), model.head_score(second), target)
    assert float(train_loss) == pytest.approx(float(expected), rel=1e-5)
    assert float(val_loss) == pytest.approx(float(clean), rel=1e-5)  # validation scores clean pairs
    assert float(train_loss) != pytest.approx(float(clean), rel=1e-3)
    assert "accuracy" in metrics  # the reported metrics are the clean pairs'
    with pytest.raises(ConfigError) as e:
        RewardConfig(**common, mixup_alpha=-1.0)
    assert e.value.field == "mixup_alpha"
