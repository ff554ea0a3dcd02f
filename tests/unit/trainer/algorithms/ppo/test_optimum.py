"""Acceptance: PPO closes >= 90% of the gap from J(pi_ref) to J(pi*) on the exactly solvable task."""

import pytest
import torch

from tests.tasks.optimum import increasing_bonus, make_optimum_task, target_only_logps
from tests.tasks.ppo_optimum import OptimumRun, run_ppo_on_optimum_task

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.slow  # 120 PPO iterations of 128 rollouts
def test_ppo_reaches_the_kl_regularised_optimum():
    task = make_optimum_task(beta=1.0, seed=0)
    history: list[tuple[int, float]] = []
    trained: list[torch.nn.Module] = []
    fraction = run_ppo_on_optimum_task(task, OptimumRun(seed=0), history=history, eval_every=40, trained=trained)
    # The fraction is measured exactly (enumerating all completions): no sampling noise in the check.
    assert fraction >= 0.9, f"PPO closed only {fraction:.3f} of the gap; along the way: {history}"
    # And it got there by improving, not by luck at the last step.
    assert history[0][1] < history[-1][1]
    # The whole reward, not only its target-token part: a policy that learned only the target
    # tokens closes 0.949 of the gap yet moves the sequence bonus the wrong way (-0.99 of the
    # way from pi_ref to pi*); measured 0.951 overall and 0.569 of the bonus.
    bonus = increasing_bonus(task)
    assert task.part_fraction(target_only_logps(task), bonus) < 0
    with torch.no_grad():
        learned = task.part_fraction(task.sequence_logps(trained[0].eval()), bonus)
    assert learned >= 0.35, f"PPO learned only {learned:.3f} of the sequence bonus"
