"""The reward-model route on hard preference labels (tests/tasks/optimum.py's task).

A Bradley-Terry reward model is fitted on the training share of the sampled labels (Kiln's
RewardModel: the reference's body with a scalar head read at the eos after the completion, as
the REWARD_MODEL job lays out a pair side), keeping the weights of the lowest held-out BT loss;
then GRPO optimises a copy of pi_ref against that model's scores (Kiln's ModelReward on token
ids, as a GRPO job with `reward.reward_model` does) with the KL to pi_ref at the task's beta.

Why it beats offline DPO on the same labels: DPO's implicit reward is the policy itself, so
every label moves probability mass, and the noise of 1,800 labels lands in the policy; the
reward model absorbs the noise in a separate, early-stopped fit, and the policy step then
solves the KL-regularised objective for that smoothed reward under the exact KL, on samples
of its own, so completions no label covered are not pushed around.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import torch

from kiln_trainer.models.reward_model import RewardModel
from tests.tasks.optimum import OptimumTask, RouteResult, hard_label_split, held_out_score
from tests.tasks.ppo_optimum import GroupRun, run_group_on_optimum_task

EOS = 0  # the task's eos id (DigitTokenizer): the reward is read at an eos after the completion


@dataclass(frozen=True)
class RewardModelRoute:
    name: str = "rm+grpo"
    learning_rate: float = 1e-3  # the reward model's
    steps: int = 150  # seeds 0 / 1 selected steps 60 / 40; seed 2 its last (longer may help it)
    batch_size: int = 256
    eval_every: int = 10  # steps between held-out evaluations of the reward model
    # Rescale the scores by the factor that fits the held-out labels best (the BT likelihood of
    # k * (r_c - r_r)): early stopping leaves the model under-confident, and a KL-regularised
    # policy tilts by exp(r / beta), so the reward's scale matters as much as its order. The
    # same as a kl_coef of beta / k on the unscaled model.
    calibrate: bool = True
    policy: GroupRun = field(default_factory=GroupRun)


@dataclass
class FittedReward:
    model: RewardModel
    held_out_loss: float  # BT log-loss on the held-out pairs, of the weights kept
    held_out_accuracy: float
    best_step: int
    held_out_margins: torch.Tensor  # (n_val,) r_chosen - r_rejected of the held-out pairs


def fit_scale(margins: torch.Tensor) -> float:
    """The k > 0 minimising the mean -log sigmoid(k * margin): the reward scale the labels
    support. Convex in k, so a log-spaced grid and a few Newton steps find it."""
    m = margins.double()
    grid = torch.logspace(-1, 1, 41, dtype=torch.float64)
    losses = torch.stack([-torch.nn.functional.logsigmoid(k * m).mean() for k in grid])
    k = float(grid[losses.argmin()])
    for _ in range(20):
        p = torch.sigmoid(-k * m)  # d/dk of the loss is -mean(m * p)
        grad = float(-(m * p).mean())
        hess = float((m * m * p * (1 - p)).mean())
        if hess <= 0:
            break
        k = max(k - grad / hess, 1e-3)
    return k


def _with_eos(pairs: list) -> list:
    from kiln_trainer.data.preference import PreferencePair

    return [PreferencePair(p.prompt_ids, [*p.chosen_ids, EOS], [*p.rejected_ids, EOS]) for p in pairs]


def fit_reward_model(task: OptimumTask, train: list, val: list, route: RewardModelRoute, seed: int) -> FittedReward:
    """Bradley-Terry fit of r(x, y) on `train` pairs, the weights of the best held-out loss kept."""
    from kiln_trainer.data.preference import collate_pairs
    from kiln_trainer.losses import bradley_terry_loss
    from kiln_trainer.models.loader import KILN_GPT, LoadedModel
    from tests.tasks.ppo_optimum import DigitTokenizer

    train, val = _with_eos(train), _with_eos(val)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        body = copy.deepcopy(task.reference).train().requires_grad_(True)
        rm = RewardModel(LoadedModel(body, DigitTokenizer(), KILN_GPT, task.reference.config.block_size))
    batches = [
        collate_pairs(train[i : i + route.batch_size], pad_id=EOS) for i in range(0, len(train), route.batch_size)
    ]
    val_batch = collate_pairs(val, pad_id=EOS)

    def bt(batch) -> tuple[torch.Tensor, torch.Tensor]:  # type: ignore[no-untyped-def]
        scores = rm.score(batch.input_ids, batch.attention_mask)  # (2B,): chosen rows first
        return bradley_terry_loss(scores[: batch.n_pairs], scores[batch.n_pairs :])

    def evaluate() -> tuple[float, float]:
        rm.eval()
        with torch.no_grad():
            loss, acc = bt(val_batch)
        rm.train()
        return float(loss), float(acc)

    opt = torch.optim.Adam(rm.parameters(), lr=route.learning_rate)
    g = torch.Generator().manual_seed(seed)
    best, best_state = (*evaluate(), 0), copy.deepcopy(rm.state_dict())
    for step in range(route.steps):
        k = step % len(batches)
        if k == 0:  # a new epoch: new batch order
            order = torch.randperm(len(batches), generator=g).tolist()
        loss, _ = bt(batches[order[k]])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (step + 1) % route.eval_every == 0:
            now = evaluate()
            if now[0] < best[0]:
                best, best_state = (*now, step + 1), copy.deepcopy(rm.state_dict())
    rm.load_state_dict(best_state)
    rm.eval().requires_grad_(False)
    with torch.no_grad():
        scores = rm.score(val_batch.input_ids, val_batch.attention_mask)
    margins = scores[: val_batch.n_pairs] - scores[val_batch.n_pairs :]
    return FittedReward(rm, best[0], best[1], best[2], margins)


class ScaledReward:
    """A reward source's scores times k."""

    def __init__(self, source: Any, k: float):
        self.source, self.k = source, k

    def score(self, samples: list) -> list[float | None]:
        return [None if s is None else s * self.k for s in self.source.score(samples)]


@torch.no_grad()
def reward_table(task: OptimumTask, rm: RewardModel) -> torch.Tensor:
    """(P, N) float64 score of every (prompt, completion), read at the eos after it."""
    rows = []
    for i in range(len(task.prompts)):
        ids = task.sequences(i, task.completions())  # (N, |x| + L)
        ids = torch.cat([ids, torch.full((len(ids), 1), EOS, dtype=torch.long)], dim=1)
        rows.append(rm.score(ids, torch.ones_like(ids)).double())
    return torch.stack(rows)


def tilted_fraction(task: OptimumTask, rewards: torch.Tensor) -> float:
    """Optimum fraction (against the true reward) of pi_ref tilted by `rewards` (P, N): the best
    any policy optimiser can do with that reward model, the route's ceiling."""
    tilted = task.reference_logps() + rewards / task.beta
    logps = tilted - torch.logsumexp(tilted, dim=-1, keepdim=True)
    j_ref = task.reference_objective()
    return (task.objective_from_logps(logps) - j_ref) / (task.optimum_objective() - j_ref)


def run_reward_model_route(
    task: OptimumTask,
    route: RewardModelRoute | None = None,
    *,
    n_pairs: int = 2000,
    held_out: float = 0.1,
    seed: int = 0,
) -> tuple[RouteResult, dict[str, float]]:
    """The route end to end on the same labels and split as run_preference_route. Returns its
    RouteResult (scored on the held-out pairs as every route is, by its final policy) and the
    reward model's own figures (held-out BT loss and accuracy, the ceiling fraction)."""
    from kiln_trainer.algorithms.ppo.rewards import ModelReward

    route = route or RewardModelRoute()
    train, val = hard_label_split(task, n_pairs, held_out, seed)
    fitted = fit_reward_model(task, train, val, route, seed)
    trained: list[torch.nn.Module] = []
    k = fit_scale(fitted.held_out_margins) if route.calibrate else 1.0
    reward = ScaledReward(ModelReward(fitted.model, batch_size=256, by_ids=True, stop_at_eos=False), k)
    policy_run = GroupRun(**{**route.policy.__dict__, "seed": seed})
    fraction = run_group_on_optimum_task("group_mean_std", task, policy_run, reward=reward, trained=trained)
    loss, accuracy, kl = held_out_score(trained[0], task, val)
    extra = {
        "rm_held_out_loss": fitted.held_out_loss,
        "rm_held_out_accuracy": fitted.held_out_accuracy,
        "rm_best_step": float(fitted.best_step),
        "rm_scale": k,
        "rm_ceiling_fraction": tilted_fraction(task, k * reward_table(task, fitted.model)),
    }
    return RouteResult(route.name, fraction, loss, accuracy, kl, fitted.best_step), extra
