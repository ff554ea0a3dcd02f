"""The known-optimum task through gRPC alone: a GRPO job whose reward comes from a
RewardService this test runs moves the policy toward pi*, measured exactly on the job's output.

The full runs (PPO and GRPO to >= 0.9 of the gap over three seeds) take minutes each and live
in bench.rlhf (--api); this test is their smoke-sized twin: the same job fields, a few
iterations, and a bar well above what noise gives (a reference copy scores 0).
"""

from __future__ import annotations

import pytest

from tests.tasks.api_optimum import (
    group_job,
    output_fraction,
    run_job,
    save_reference,
    start_reward_server,
    upload_prompts,
)
from tests.tasks.optimum import make_optimum_task

pytestmark = pytest.mark.slow


async def test_grpo_over_grpc_closes_part_of_the_optimum_gap(gateway_factory, tmp_path):
    task = make_optimum_task(beta=1.0, seed=0)
    models = tmp_path / "models"
    base = str(save_reference(task, models / "reference"))
    gw = await gateway_factory(shared_model_dirs=str(models))
    t = await gw.tenant()
    server, target, service = await start_reward_server(task)
    try:
        prompts = await upload_prompts(gw, t, task)
        model, metrics = await run_job(
            gw, t, group_job(task, base, prompts, target, seed=0, steps=12, epochs=4, minibatch_size=32), timeout=240
        )
        fraction = await output_fraction(gw, t, task, model)
    finally:
        await server.stop(None)
    rewards = [m.values["mean_reward"] for m in metrics]
    assert len(rewards) == 12 and service.calls >= 12 * 4, (len(rewards), service.calls)  # a request per prompt
    # Passed on a heavily loaded machine (the value was not recorded); the full 120 iterations
    # in-process reach 0.941 at this seed.
    assert fraction > 0.15, (fraction, rewards)
