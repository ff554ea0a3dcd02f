"""The exactly solvable KL-regularised task, and DPO closing its gap to the optimum."""

import math

import pytest
import torch

from tests.tasks.optimum import default_reward, make_optimum_task, run_dpo_on_optimum_task

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def task():
    return make_optimum_task(beta=1.0, seed=0)


def test_default_reward_hand_computed():
    # Prompt [1, 2]: target 3. Two hits, not increasing.
    assert default_reward([1, 2], [3, 3, 0]) == 2.0
    # Prompt [6]: target 6. No hit, strictly increasing.
    assert default_reward([6], [0, 1, 3]) == 0.5
    assert default_reward([6], [5, 6, 7]) == 1.5


def test_enumeration_is_exact_and_the_reference_is_not_trivial(task):
    assert task.completions().shape == (8**3, 3) and task.L == 3 and task.vocab == 8
    ref = task.reference_logps()  # (P, N)
    # Every prompt's completion distribution is normalised over all 512 completions.
    assert torch.allclose(torch.logsumexp(ref, -1), torch.zeros(len(task.prompts), dtype=ref.dtype), atol=1e-6)
    entropy = -(ref.exp() * ref).sum(-1)
    assert (entropy < 3 * math.log(8) - 1.0).all()  # well below uniform
    assert float(entropy.max() - entropy.min()) > 0.1  # and prompt-dependent
    # J(pi_ref) is the reference's expected reward; KL to itself is 0.
    expected_reward = float((ref.exp() * task.rewards()).sum(-1).mean())
    assert task.reference_objective() == pytest.approx(expected_reward)
    assert task.exact_objective(task.reference) == pytest.approx(expected_reward)
    assert task.optimum_fraction(task.new_policy()) == pytest.approx(0.0, abs=1e-9)


def test_optimum_beats_every_perturbation(task):
    star = task.optimum_logps()
    j_star = task.optimum_objective()
    assert task.objective_from_logps(star) == pytest.approx(j_star)
    assert j_star > task.reference_objective() + 0.1
    g = torch.Generator().manual_seed(0)
    for scale in (0.01, 0.1, 1.0):
        other = star + scale * torch.randn(star.shape, generator=g, dtype=star.dtype)
        other = other - torch.logsumexp(other, -1, keepdim=True)
        assert task.objective_from_logps(other) < j_star


@pytest.mark.slow  # a few hundred DPO steps on 4096 pairs
def test_dpo_closes_most_of_the_gap(task):
    fraction = run_dpo_on_optimum_task(task)
    assert fraction >= 0.9, fraction
