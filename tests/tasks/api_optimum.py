"""The known-optimum task (tests/tasks/optimum.py) as a user meets it: over gRPC only.

The task's reference policy is written as a kiln-gpt model directory with a tokenizer whose
words are its token ids ("<|endoftext|>" stands for id 0, which doubles as eos; rollouts never
stop at it), prompts are uploaded as a PROMPTS dataset, and the reward comes from a
kiln.v1.RewardService the caller runs (`TaskRewardService`), which scores the exact token ids
the request carries. A PPO, GRPO or RLOO job is created, watched to the end and its output
model's weights are scored exactly by enumeration: the only in-process call is that
measurement, never training.

`ppo_job` / `group_job` carry the settings that reach >= 0.9 of the gap (bench.rlhf runs them
over seeds and betas); each is plain CreateJob fields a user can set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch

from kiln.v1 import datasets_pb2, jobs_pb2, models_pb2, rewards_pb2, rewards_pb2_grpc
from kiln_trainer.models.tokenizer import EOS_TOKEN
from tests.tasks.optimum import OptimumTask


def task_tokenizer(vocab_size: int) -> Any:
    """A word-level tokenizer over "<|endoftext|>", "1", ..., str(V-1): id i is the word i."""
    from tokenizers import Tokenizer, pre_tokenizers
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast

    vocab = {EOS_TOKEN: 0, **{str(i): i for i in range(1, vocab_size)}}
    tok = Tokenizer(WordLevel(vocab, unk_token=EOS_TOKEN))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok.add_special_tokens([EOS_TOKEN])
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=EOS_TOKEN, pad_token=EOS_TOKEN)


def prompt_text(ids: list[int]) -> str:
    return " ".join(EOS_TOKEN if i == 0 else str(i) for i in ids)


def save_reference(task: OptimumTask, out: Path) -> Path:
    """Write pi_ref as a model directory load_causal_lm (and so a job's base_model) reads."""
    from kiln_trainer.models.loader import KILN_GPT, LoadedModel

    LoadedModel(task.reference, task_tokenizer(task.vocab_size), KILN_GPT, task.reference.config.block_size).save(out)
    return out


class TaskRewardService(rewards_pb2_grpc.RewardServiceServicer):
    """Scores with the task's reward on the token ids of the request (text drops eos)."""

    def __init__(self, task: OptimumTask) -> None:
        self.task = task
        self.calls = 0

    async def Score(self, request: Any, context: Any) -> Any:
        self.calls += 1
        prompt = list(request.prompt_token_ids)
        return rewards_pb2.ScoreResponse(
            scores=[self.task.reward(prompt, list(c.ids)) for c in request.completion_token_ids]
        )


async def start_reward_server(task: OptimumTask) -> tuple[Any, str, TaskRewardService]:
    from grpc import aio

    server = aio.server()
    service = TaskRewardService(task)
    rewards_pb2_grpc.add_RewardServiceServicer_to_server(service, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    return server, f"127.0.0.1:{port}", service


def _remote(target: str) -> Any:
    return jobs_pb2.RewardSource(remote=jobs_pb2.RemoteReward(target=target, timeout_seconds=30, max_retries=3))


def ppo_job(
    task: OptimumTask, base_model: str, prompts: str, target: str, *, seed: int, steps: int = 120, **overrides: Any
) -> Any:
    """PPO with tests/tasks/ppo_optimum.py's OptimumRun settings, as CreateJob fields: a fixed
    KL coefficient equal to the task's beta with the k1 estimator (the objective's own KL),
    gamma = lambda = 1, a linearly decaying learning rate and a critic learning rate of 10x."""
    cfg: dict[str, Any] = dict(
        reward=_remote(target),
        kl_coef=task.beta,
        adaptive_kl=False,
        kl_estimator=jobs_pb2.KL_ESTIMATOR_K1,
        gamma=1.0,
        lam=1.0,
        clip_range=0.2,
        ppo_epochs=4,
        rollout_batch_size=128,
        minibatch_size=32,
        max_new_tokens=task.completion_len,
        stop_at_eos=False,
        value_learning_rate=5e-3,
    )
    lr = overrides.pop("learning_rate", 5e-4)
    cfg.update(overrides)
    return jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_PPO,
        base_model=base_model,
        training_dataset=prompts,
        max_retries=0,
        hyperparameters=_hyperparameters(task, steps, lr, seed),
        ppo=jobs_pb2.PpoConfig(**cfg),
    )


def group_job(
    task: OptimumTask,
    base_model: str,
    prompts: str,
    target: str,
    *,
    seed: int,
    method: str = "grpo",
    steps: int = 60,
    **overrides: Any,
) -> Any:
    """GRPO (or RLOO) with GroupRun's settings: 16 prompts x 8 completions per iteration."""
    cfg: dict[str, Any] = dict(
        reward=_remote(target),
        kl_coef=task.beta,
        kl_estimator=jobs_pb2.KL_ESTIMATOR_K1,
        group_size=8,
        clip_range=0.2,
        epochs=2,
        rollout_batch_size=128,
        minibatch_size=64,
        max_new_tokens=task.completion_len,
        stop_at_eos=False,
    )
    lr = overrides.pop("learning_rate", 1e-3)
    cfg.update(overrides)
    job = jobs_pb2.Job(
        base_model=base_model,
        training_dataset=prompts,
        max_retries=0,
        hyperparameters=_hyperparameters(task, steps, lr, seed),
    )
    if method == "grpo":
        job.method = jobs_pb2.JOB_METHOD_GRPO
        job.grpo.CopyFrom(jobs_pb2.GrpoConfig(**cfg))
    else:
        job.method = jobs_pb2.JOB_METHOD_RLOO
        job.rloo.CopyFrom(jobs_pb2.RlooConfig(**cfg))
    return job


def _hyperparameters(task: OptimumTask, steps: int, lr: float, seed: int) -> Any:
    return jobs_pb2.Hyperparameters(
        max_steps=steps,
        learning_rate=lr,
        seed=seed,
        max_seq_len=task.reference.config.block_size,
        log_every=1,
        checkpoint_every=steps,
        lr_schedule=jobs_pb2.LrScheduleOptions(kind=jobs_pb2.LR_SCHEDULE_KIND_LINEAR),
    )


def reward_model_job(
    task: OptimumTask, base_model: str, train: str, held_out: str, *, seed: int, steps: int = 150, lr: float = 1e-3
) -> Any:
    """A REWARD_MODEL job on hard labels: tests/tasks/reward_route.py's fit as CreateJob fields
    (batches of 256 pairs, a held-out evaluation every 10 steps, the best weights kept)."""
    hp = _hyperparameters(task, steps, lr, seed)
    hp.lr_schedule.kind = jobs_pb2.LR_SCHEDULE_KIND_CONSTANT
    hp.batch_size, hp.warmup_steps, hp.eval_every = 256, 0, 10
    hp.early_stopping_patience, hp.restore_best_weights = steps // 10, True  # select over the whole run
    return jobs_pb2.Job(
        method=jobs_pb2.JOB_METHOD_REWARD_MODEL,
        base_model=base_model,
        training_dataset=train,
        validation_dataset=held_out,
        max_retries=0,
        hyperparameters=hp,
        reward_model=jobs_pb2.RewardModelConfig(),
    )


async def upload_pairs(gw: Any, tenant: Any, pairs: list) -> str:
    """PreferencePairs (token ids) as a PREFERENCE dataset of their texts."""
    rows = [
        {
            "prompt": prompt_text(p.prompt_ids),
            "chosen": prompt_text(p.chosen_ids),
            "rejected": prompt_text(p.rejected_ids),
        }
        for p in pairs
    ]
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    return str((await gw.upload(tenant, data, datasets_pb2.DATASET_FORMAT_PREFERENCE)).name)


async def upload_prompts(gw: Any, tenant: Any, task: OptimumTask) -> str:
    data = "".join(json.dumps({"prompt": prompt_text(p)}) + "\n" for p in task.prompts).encode()
    return str((await gw.upload(tenant, data, datasets_pb2.DATASET_FORMAT_PROMPTS)).name)


async def run_job(gw: Any, tenant: Any, job: Any, timeout: float = 1800) -> tuple[str, list[Any]]:
    """Create the job, watch it to the end; (output model name, metrics events)."""
    from tests.e2e.conftest import watch_until_done

    created = await gw.jobs.CreateJob(jobs_pb2.CreateJobRequest(job=job), metadata=tenant.md)
    events = await watch_until_done(gw, tenant, created.name, timeout=timeout)
    done = await gw.jobs.GetJob(jobs_pb2.GetJobRequest(name=created.name), metadata=tenant.md)
    if done.state != jobs_pb2.JOB_STATE_SUCCEEDED:
        logs = [e.log.message for e in events if e.HasField("log")]
        raise RuntimeError(f"{created.name} ended {jobs_pb2.JobState.Name(done.state)}: {done.error} {logs[-3:]}")
    return str(done.output_model), [e.metrics for e in events if e.HasField("metrics")]


async def output_fraction(gw: Any, tenant: Any, task: OptimumTask, model_name: str) -> float:
    """The exact optimum fraction of a job's output model (its weights read from the store)."""
    from kiln_trainer.models.loader import load_causal_lm

    model = await gw.models.GetModel(models_pb2.GetModelRequest(name=model_name), metadata=tenant.md)
    lm = load_causal_lm(str(gw.artifact_path(model.artifact_uri)))
    with torch.no_grad():
        return task.optimum_fraction(lm.model)
