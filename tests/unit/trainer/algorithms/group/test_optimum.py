"""GRPO and RLOO close most of the gap from J(pi_ref) to J(pi*) on the exactly solvable task.

The group loop optimises the same KL-regularised objective as PPO (k1 sequence KL off each
reward), so its fixed point is pi* too. 60 iterations of 16 prompts x 8 completions, 2 epochs
of 64, measured 0.893 (GRPO) and 0.898 (RLOO) at seed 0, beta 1: the CI-sized run. GroupRun's
defaults (4 epochs of 32 over 120 iterations, 0.941 / 0.941 / 0.902 over seeds 0-2) take four
times as long and run in bench.rlhf.
"""

import pytest

from tests.tasks.optimum import make_optimum_task
from tests.tasks.ppo_optimum import GroupRun, run_group_on_optimum_task

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.mark.slow  # 60 iterations of 128 rollouts each, about 30 s
@pytest.mark.parametrize("baseline", ["group_mean_std", "leave_one_out"])
def test_group_methods_approach_the_kl_regularised_optimum(baseline):
    task = make_optimum_task(beta=1.0, seed=0)
    history: list[tuple[int, float]] = []
    fraction = run_group_on_optimum_task(
        baseline, task, GroupRun(seed=0, steps=60, ppo_epochs=2, minibatch_size=64), history=history, eval_every=20
    )
    assert fraction >= 0.85, f"{baseline} closed only {fraction:.3f} of the gap; along the way: {history}"
    assert history[0][1] < history[1][1] < history[-1][1]
