"""The pieces of the hard-label reward-model route (tests/tasks/reward_route.py) and the held-out
rule that ranks every hard-label route (tests/tasks/optimum.py held_out_score)."""

import math

import pytest
import torch

from tests.tasks.optimum import hard_label_split, held_out_score, make_optimum_task
from tests.tasks.reward_route import fit_scale, reward_table, tilted_fraction

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def task():
    return make_optimum_task(beta=1.0, seed=0)


def test_fit_scale_recovers_the_scale_the_labels_were_drawn_at():
    g = torch.Generator().manual_seed(0)
    gaps = torch.rand(20_000, generator=g, dtype=torch.float64) * 4 - 2  # model margins
    # Labels drawn as if the true reward were 0.6 x the model's: a fit says 0.6.
    agree = torch.rand(20_000, generator=g, dtype=torch.float64) < torch.sigmoid(0.6 * gaps)
    margins = torch.where(agree, gaps, -gaps)  # chosen minus rejected, as labelled
    assert fit_scale(margins) == pytest.approx(0.6, abs=0.05)


def test_held_out_score_of_the_reference_is_chance(task):
    _, val = hard_label_split(task, 200, 0.5, seed=0)
    loss, _, kl = held_out_score(task.new_policy(), task, val)
    # Its implicit reward is 0 on every completion: every pair is a coin flip.
    assert loss == pytest.approx(math.log(2), abs=1e-5) and kl == pytest.approx(0.0, abs=1e-6)


def test_tilting_by_the_true_reward_is_the_optimum_and_by_zero_the_reference(task):
    assert tilted_fraction(task, task.rewards()) == pytest.approx(1.0, abs=1e-9)
    assert tilted_fraction(task, torch.zeros_like(task.rewards())) == pytest.approx(0.0, abs=1e-9)


def test_reward_table_reads_the_model_at_the_eos_after_each_completion(task):
    from kiln_trainer.models.loader import KILN_GPT, LoadedModel
    from kiln_trainer.models.reward_model import RewardModel
    from tests.tasks.ppo_optimum import DigitTokenizer

    rm = RewardModel(LoadedModel(task.new_policy(), DigitTokenizer(), KILN_GPT, 16)).eval()
    table = reward_table(task, rm)  # (P, N)
    assert table.shape == (len(task.prompts), 8**3)
    n = 77  # any completion: the table is its score_rows score with the eos appended
    c = task.completions()[n].tolist()
    assert float(table[1, n]) == pytest.approx(rm.score_rows([(task.prompts[1], [*c, 0])])[0], abs=1e-5)
