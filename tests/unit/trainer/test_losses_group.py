"""GRPO's group-relative and RLOO's leave-one-out advantages against naive loops."""

import statistics

import pytest
import torch

from kiln_trainer.losses import group_relative_advantages, leave_one_out_advantages

REWARDS = torch.tensor([[1.0, 0.0, 0.5, 2.0], [3.0, 3.0, 3.0, 3.0], [-1.0, 0.0, 1.0, 4.0]], dtype=torch.float64)


def naive_grpo(rows: list[list[float]], scale: bool, eps: float) -> list[list[float]]:
    out = []
    for row in rows:
        mean = sum(row) / len(row)
        std = statistics.stdev(row)  # sample std, as torch.std's default
        out.append([(r - mean) / (std + eps) if scale else r - mean for r in row])
    return out


def naive_rloo(rows: list[list[float]]) -> list[list[float]]:
    return [
        [r - sum(row[j] for j in range(len(row)) if j != i) / (len(row) - 1) for i, r in enumerate(row)] for row in rows
    ]


@pytest.mark.parametrize("scale", [True, False])
def test_group_relative_advantages_match_a_naive_loop(scale):
    got = group_relative_advantages(REWARDS, scale=scale, eps=1e-6)
    want = torch.tensor(naive_grpo(REWARDS.tolist(), scale, 1e-6), dtype=torch.float64)
    torch.testing.assert_close(got, want)
    # Each group's advantages sum to zero, and a group of equal rewards teaches nothing.
    torch.testing.assert_close(got.sum(1), torch.zeros(3, dtype=torch.float64))
    assert torch.all(got[1] == 0)


def test_scaled_group_advantages_have_unit_std():
    got = group_relative_advantages(REWARDS[[0, 2]], eps=0.0)
    torch.testing.assert_close(got.std(1), torch.ones(2, dtype=torch.float64))


def test_leave_one_out_advantages_match_a_naive_loop():
    got = leave_one_out_advantages(REWARDS)
    torch.testing.assert_close(got, torch.tensor(naive_rloo(REWARDS.tolist()), dtype=torch.float64))
    # The identity that makes it cheap: G / (G - 1) times the centred reward.
    g = REWARDS.shape[1]
    torch.testing.assert_close(got, (REWARDS - REWARDS.mean(1, keepdim=True)) * g / (g - 1))


@pytest.mark.parametrize("fn", [group_relative_advantages, leave_one_out_advantages])
def test_group_advantages_need_groups_of_two(fn):
    with pytest.raises(ValueError, match="group of >= 2"):
        fn(torch.zeros(3, 1))
    with pytest.raises(ValueError, match="group of >= 2"):
        fn(torch.zeros(4))
