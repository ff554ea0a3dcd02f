"""A KL-regularised RLHF task small enough to solve exactly, for testing alignment algorithms.

For J(pi) = E_x [ E_{y~pi(.|x)} r(x, y) - beta KL(pi(.|x) || pi_ref(.|x)) ] the maximiser is
pi*(y|x) = pi_ref(y|x) exp(r(x, y) / beta) / Z(x), with J(pi*) = E_x beta log Z(x). With a
vocabulary of V tokens and completions of exactly L tokens there are V^L completions per prompt
(8^3 = 512 here), so log pi(y|x) of every completion, J(pi), J(pi_ref) and J(pi*) are all
computed exactly by enumeration, with no sampling noise. An algorithm is then scored by
`optimum_fraction(pi) = (J(pi) - J(ref)) / (J(pi*) - J(ref))`: 0 for the reference, 1 at the optimum.

Policies are kiln-gpt modules (kiln_trainer.models.gpt.GPT) called as model(input_ids) -> logits;
a sequence is prompt + completion, and the log-prob counts the L completion tokens only.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch

from kiln_trainer.losses import logprobs_of
from kiln_trainer.models.gpt import GPT, GPTConfig

RewardFn = Callable[[Sequence[int], Sequence[int]], float]


def default_reward(prompt_ids: Sequence[int], completion_ids: Sequence[int], vocab_size: int = 8) -> float:
    """+1 per completion token equal to the prompt's "target" (sum of prompt ids mod V), +0.5 if
    the completion is strictly increasing: structured enough for a small model to generalise
    across completions, and prompt-dependent so the policy must read the prompt."""
    target = sum(prompt_ids) % vocab_size
    hits = sum(1 for t in completion_ids if t == target)
    increasing = all(a < b for a, b in itertools.pairwise(completion_ids))
    return float(hits) + (0.5 if increasing else 0.0)


@dataclass
class OptimumTask:
    prompts: list[list[int]]  # token-id prompts, each non-empty
    completion_len: int  # L: every completion has exactly this many tokens
    vocab_size: int  # V
    reward_fn: RewardFn  # r(prompt_ids, completion_ids) -> float
    beta: float  # KL coefficient of the objective
    reference: GPT  # pi_ref, frozen
    _completions: torch.Tensor = field(init=False, repr=False)
    _rewards: torch.Tensor = field(init=False, repr=False)
    _ref_logps: torch.Tensor | None = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        if self.beta <= 0:
            raise ValueError(f"beta must be > 0, got {self.beta}")
        longest = max(len(p) for p in self.prompts) + self.completion_len
        if longest > self.reference.config.block_size:
            raise ValueError(f"prompt + completion of {longest} tokens exceeds the model's block_size")
        self.reference.eval().requires_grad_(False)
        grid = itertools.product(range(self.vocab_size), repeat=self.completion_len)
        self._completions = torch.tensor(list(grid), dtype=torch.long)  # (N, L), N = V^L
        self._rewards = torch.tensor(
            [[self.reward_fn(p, c) for c in self._completions.tolist()] for p in self.prompts],
            dtype=torch.float64,
        )  # (P, N)

    # Short aliases for the symbols of the maths.
    @property
    def L(self) -> int:
        return self.completion_len

    @property
    def vocab(self) -> int:
        return self.vocab_size

    def reward(self, prompt_ids: Sequence[int], completion_ids: Sequence[int]) -> float:
        return float(self.reward_fn(list(prompt_ids), list(completion_ids)))

    def completions(self) -> torch.Tensor:
        """(N, L) every possible completion, in lexicographic order; row n is completion index n."""
        return self._completions

    def rewards(self) -> torch.Tensor:
        """(P, N) float64 reward of every (prompt, completion)."""
        return self._rewards

    def sequences(self, prompt_index: int, completion_ids: torch.Tensor) -> torch.Tensor:
        """(n, L) completions -> (n, |x| + L) prompt + completion token ids."""
        prompt = torch.tensor(self.prompts[prompt_index], dtype=torch.long)
        return torch.cat([prompt.expand(len(completion_ids), -1), completion_ids], dim=1)

    def sequence_logps(self, model: torch.nn.Module) -> torch.Tensor:
        """(P, N) float64 exact log pi(y | x) of every completion under `model` (with gradient
        if the model has one; callers wrap in no_grad for evaluation)."""
        rows = []
        for i, prompt in enumerate(self.prompts):
            ids = self.sequences(i, self._completions)  # (N, |x| + L)
            n_p = len(prompt)
            logits = model(ids)[:, n_p - 1 : -1]  # (N, L, V): the positions predicting y
            rows.append(logprobs_of(logits.double(), self._completions).sum(-1))
        return torch.stack(rows)

    def objective_from_logps(self, logps: torch.Tensor) -> float:
        """J of the policy whose (P, N) completion log-probs are given."""
        probs = logps.exp()  # (P, N); each row sums to 1 (up to rounding)
        expected_reward = (probs * self._rewards).sum(-1)
        kl = (probs * (logps - self.reference_logps())).sum(-1)
        return float((expected_reward - self.beta * kl).mean())

    @torch.no_grad()
    def reference_logps(self) -> torch.Tensor:
        """(P, N) log pi_ref(y | x), computed once (the reference is frozen)."""
        if self._ref_logps is None:
            self._ref_logps = self.sequence_logps(self.reference)
        return self._ref_logps

    @torch.no_grad()
    def exact_objective(self, model: torch.nn.Module) -> float:
        """J(model), exactly."""
        was_training = model.training
        model.eval()
        try:
            return self.objective_from_logps(self.sequence_logps(model))
        finally:
            model.train(was_training)

    def reference_objective(self) -> float:
        """J(pi_ref) = E[r] under the reference (its KL to itself is 0)."""
        return self.objective_from_logps(self.reference_logps())

    def optimum_logps(self) -> torch.Tensor:
        """(P, N) log pi*(y | x) = log pi_ref + r / beta - log Z."""
        tilted = self.reference_logps() + self._rewards / self.beta
        return tilted - torch.logsumexp(tilted, dim=-1, keepdim=True)

    def optimum_objective(self) -> float:
        """J(pi*) = E_x beta log Z(x)."""
        log_z = torch.logsumexp(self.reference_logps() + self._rewards / self.beta, dim=-1)
        return float((self.beta * log_z).mean())

    def optimum_fraction(self, model: torch.nn.Module) -> float:
        """Share of the gap from J(pi_ref) to J(pi*) that `model` closes (1.0 = optimal)."""
        j_ref = self.reference_objective()
        return (self.exact_objective(model) - j_ref) / (self.optimum_objective() - j_ref)

    def part_fraction(self, logps: torch.Tensor, part: torch.Tensor) -> float:
        """How far the policy whose (P, N) log-probs are given moved the expectation of one part
        of the reward, (P, N) `part`, from its value under pi_ref toward its value under pi*
        (1 = as pi* has it). A policy that learned only some parts of the reward shows it here
        where the total optimum fraction may hide it."""
        ref = float((self.reference_logps().exp() * part).sum(-1).mean())
        opt = float((self.optimum_logps().exp() * part).sum(-1).mean())
        return (float((logps.exp() * part).sum(-1).mean()) - ref) / (opt - ref)

    def sample(self, logps: torch.Tensor, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """n draws of (prompt index (n,), completion index (n,)): prompts uniform, completions from
        the distribution whose (P, N) log-probs are given (e.g. reference_logps())."""
        prompt_idx = torch.randint(len(self.prompts), (n,), generator=generator)
        probs = logps.exp()[prompt_idx]  # (n, N)
        completion_idx = torch.multinomial(probs, 1, generator=generator).squeeze(1)
        return prompt_idx, completion_idx

    def new_policy(self) -> GPT:
        """A trainable copy of the reference, the usual starting point of alignment."""
        return copy.deepcopy(self.reference).train().requires_grad_(True)


def increasing_bonus(task: OptimumTask) -> torch.Tensor:
    """(P, N) default_reward's sequence part: 0.5 where the completion is strictly increasing."""
    c = task.completions()
    increasing = (c[:, 1:] > c[:, :-1]).all(1).to(torch.float64) * 0.5
    return increasing.expand(len(task.prompts), -1)


def target_only_logps(task: OptimumTask) -> torch.Tensor:
    """(P, N) log-probs of the best policy that ignores the sequence bonus: pi_ref tilted by the
    target-token part of the reward alone. The bars of the optimum tests sit above it."""
    tilted = task.reference_logps() + (task.rewards() - increasing_bonus(task)) / task.beta
    return tilted - torch.logsumexp(tilted, dim=-1, keepdim=True)


def toy_gpt_config(vocab_size: int = 8) -> GPTConfig:
    return GPTConfig(vocab_size=vocab_size, block_size=16, n_layer=2, n_head=4, n_embd=32, dropout=0.0)


def _pretrain_reference(
    model: GPT, prompts: list[list[int]], completion_len: int, vocab_size: int, seed: int, steps: int
) -> None:
    """Fit `model` to completions from a random Markov chain (Dirichlet(0.5) rows), so pi_ref is
    far from uniform, differs per prompt, and is nothing like the reward."""
    g = torch.Generator().manual_seed(seed)
    transitions = torch.distributions.Dirichlet(torch.full((vocab_size,), 0.5)).sample((vocab_size,))
    n = 256
    seqs = []
    for prompt in prompts:
        prev = torch.full((n,), prompt[-1], dtype=torch.long)
        tokens = []
        for _ in range(completion_len):
            prev = torch.multinomial(transitions[prev], 1, generator=g).squeeze(1)
            tokens.append(prev)
        seqs.append((prompt, torch.stack(tokens, dim=1)))  # (n, L)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(steps):
        loss = torch.zeros(())
        for prompt, completions in seqs:
            ids = torch.cat([torch.tensor(prompt).expand(n, -1), completions], dim=1)
            logits = model(ids)[:, len(prompt) - 1 : -1]
            loss = loss - logprobs_of(logits, completions).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()


def make_optimum_task(
    *,
    beta: float = 1.0,
    seed: int = 0,
    prompts: list[list[int]] | None = None,
    completion_len: int = 3,
    vocab_size: int = 8,
    reward_fn: RewardFn | None = None,
    pretrain_steps: int = 60,
) -> OptimumTask:
    """The default task: 4 prompts, 8 tokens, 3-token completions, a pretrained random pi_ref."""
    prompts = prompts if prompts is not None else [[1, 2], [3, 0, 5], [6], [7, 4]]
    with torch.random.fork_rng(devices=[]):  # leave the caller's RNG stream alone
        torch.manual_seed(seed)
        reference = GPT(toy_gpt_config(vocab_size))
        _pretrain_reference(reference, prompts, completion_len, vocab_size, seed, pretrain_steps)
    if reward_fn is None:

        def reward_fn(p: Sequence[int], c: Sequence[int]) -> float:
            return default_reward(p, c, vocab_size)

    return OptimumTask(prompts, completion_len, vocab_size, reward_fn, beta, reference)


def dpo_preference_pairs(task: OptimumTask, n_pairs: int, seed: int, labels: str = "soft") -> tuple[list, torch.Tensor]:
    """Pairs of distinct completions drawn independently from pi_ref, ordered chosen-first by
    reward, and for each the probability that this order is wrong under Bradley-Terry,
    1 - sigmoid(r_c - r_r).

    labels="soft" returns those probabilities (used as per-pair label smoothing: the expected
    DPO loss over infinitely many BT labels of the pair); "sampled" draws one BT label per pair
    and swaps the pair when it comes out reversed (smoothing 0); "hard" orders by reward only.
    """
    from kiln_trainer.data.preference import PreferencePair

    g = torch.Generator().manual_seed(seed)
    ref = task.reference_logps()
    pairs, smoothing = [], []
    completions, rewards = task.completions().tolist(), task.rewards()
    while len(pairs) < n_pairs:
        p_idx, a = task.sample(ref, n_pairs, g)
        b = torch.multinomial(ref.exp()[p_idx], 1, generator=g).squeeze(1)
        for p, i, j in zip(p_idx.tolist(), a.tolist(), b.tolist(), strict=True):
            if i == j or len(pairs) == n_pairs:
                continue  # an identical pair carries no preference
            if rewards[p, j] > rewards[p, i]:
                i, j = j, i
            wrong = 1.0 / (1.0 + math.exp(float(rewards[p, i] - rewards[p, j])))
            if labels == "sampled":
                if float(torch.rand((), generator=g)) < wrong:
                    i, j = j, i
                wrong = 0.0
            elif labels == "hard":
                wrong = 0.0
            elif labels != "soft":
                raise ValueError(f"labels must be soft, sampled or hard, got {labels!r}")
            pairs.append(PreferencePair(list(task.prompts[p]), completions[i], completions[j]))
            smoothing.append(wrong)
    return pairs, torch.tensor(smoothing)


def run_dpo_on_optimum_task(
    task: OptimumTask | None = None,
    *,
    n_pairs: int = 4096,
    steps: int = 300,
    batch_size: int = 256,
    learning_rate: float = 1e-3,
    labels: str = "soft",
    seed: int = 0,
) -> float:
    """Train a copy of pi_ref with DPO (beta = the task's beta) on pairs sampled from pi_ref;
    returns the optimum fraction the trained policy reaches.

    DPO's population optimum under Bradley-Terry labels is exactly pi*, so with "soft" labels
    (the default) the remaining gap measures finite data and optimisation only. With "sampled"
    labels the label noise of a finite set dominates at this size, and "hard" labels (infinite
    reward gaps) overshoot into a collapsed policy with a large KL.
    """
    from kiln_trainer.algorithms.dpo.core import dpo_step, reference_logps
    from kiln_trainer.data.preference import collate_pairs

    task = task or make_optimum_task()
    pairs, smoothing = dpo_preference_pairs(task, n_pairs, seed, labels)
    batches = [collate_pairs(pairs[i : i + batch_size], pad_id=0) for i in range(0, len(pairs), batch_size)]
    smooth = [smoothing[i : i + batch_size] for i in range(0, len(pairs), batch_size)]
    ref_c, ref_r = reference_logps(task.reference, batches)
    offsets = list(range(0, len(pairs), batch_size))
    policy = task.new_policy()
    opt = torch.optim.Adam(policy.parameters(), lr=learning_rate)
    g = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for step in range(steps):
            k = step % len(batches)
            if k == 0:  # a new epoch: new batch order
                order = torch.randperm(len(batches), generator=g).tolist()
            b = order[k]
            lo, n = offsets[b], batches[b].n_pairs
            out = dpo_step(
                policy, batches[b], ref_c[lo : lo + n], ref_r[lo : lo + n], beta=task.beta, label_smoothing=smooth[b]
            )
            opt.zero_grad()
            out.loss.backward()
            opt.step()
    policy.eval()
    return task.optimum_fraction(policy)


@dataclass(frozen=True)
class PreferenceRoute:
    """One way to learn from finite hard preference labels, as DpoConfig fields set it."""

    name: str
    loss: str = "sigmoid"  # "sigmoid", "robust" or "ipo" (DpoConfig.loss)
    label_smoothing: float = 0.0  # conservative DPO's / rDPO's assumed flip rate
    learning_rate: float = 1e-3
    steps: int = 300
    eval_every: int = 10  # steps between held-out evaluations (Hyperparameters.eval_every)
    select: bool = True  # keep the weights with the best held-out loss (early_stopping_patience)


# The routes bench.rlhf compares on 2,000 sampled labels; the held-out split picks among them.
HARD_LABEL_ROUTES = (
    PreferenceRoute("dpo", select=False),
    PreferenceRoute("dpo+select"),
    PreferenceRoute("cdpo-0.1+select", label_smoothing=0.1),
    PreferenceRoute("cdpo-0.25+select", label_smoothing=0.25),
    PreferenceRoute("rdpo-0.1+select", loss="robust", label_smoothing=0.1),
    PreferenceRoute("ipo+select", loss="ipo"),
)


@dataclass
class RouteResult:
    route: str
    fraction: float  # exact optimum fraction of the weights the route ends with
    held_out_loss: float  # DPO log-loss at beta on the held-out pairs, of those weights
    held_out_accuracy: float  # share of held-out pairs whose implicit reward orders them as labelled
    implicit_kl: float  # mean log pi_ref - log pi over the held-out completions
    best_step: int


def hard_label_split(task: OptimumTask, n_pairs: int, held_out: float, seed: int) -> tuple[list, list]:
    """n_pairs BT-sampled hard labels, split (training, held-out): the last `held_out` share is
    held out. Every hard-label route of one seed sees the same two lists."""
    pairs, _ = dpo_preference_pairs(task, n_pairs, seed, labels="sampled")
    n_val = int(n_pairs * held_out)
    return pairs[: n_pairs - n_val], pairs[n_pairs - n_val :]


def held_out_score(policy: torch.nn.Module, task: OptimumTask, val_pairs: list) -> tuple[float, float, float]:
    """(DPO log-loss at beta, reward accuracy, implicit KL) of a policy on held-out pairs: how
    well its implicit reward beta log pi/pi_ref explains labels it never saw. The rule that
    picks among hard-label routes, whatever trained the policy (pi* scores best in expectation:
    its implicit reward is r up to a per-prompt constant, which cancels within a pair)."""
    from kiln_trainer.algorithms.dpo.core import dpo_step, implicit_kl, reference_logps
    from kiln_trainer.data.preference import collate_pairs

    batch = collate_pairs(val_pairs, pad_id=0)
    ref_c, ref_r = reference_logps(task.reference, [batch])
    was_training = policy.training
    policy.eval()
    with torch.no_grad():
        out = dpo_step(policy, batch, ref_c, ref_r, beta=task.beta)
    policy.train(was_training)
    m = out.metrics()
    return m["loss"], m["reward_accuracy"], implicit_kl(out, task.beta)


def run_preference_route(
    task: OptimumTask,
    route: PreferenceRoute,
    *,
    n_pairs: int = 2000,
    held_out: float = 0.1,
    batch_size: int = 256,
    seed: int = 0,
) -> RouteResult:
    """DPO (beta = the task's beta) on n_pairs BT-sampled hard labels, with the last `held_out`
    share of the pairs kept out of training: the DPO trainer's validation split, scored as it
    scores it (plain DPO log-loss at beta whatever the training loss), and with `select` the
    weights of the best held-out loss are kept, as early stopping with restore_best_weights
    does. The optimum fraction is measured, never used to choose."""
    from kiln_trainer.algorithms.dpo.core import dpo_step, implicit_kl, reference_logps
    from kiln_trainer.data.preference import collate_pairs
    from kiln_trainer.training.checkpoint import load_trainable_state, trainable_state

    train_pairs, val_pairs = hard_label_split(task, n_pairs, held_out, seed)
    batches = [collate_pairs(train_pairs[i : i + batch_size], pad_id=0) for i in range(0, len(train_pairs), batch_size)]
    val_batch = collate_pairs(val_pairs, pad_id=0)
    ref_c, ref_r = reference_logps(task.reference, batches)
    val_ref_c, val_ref_r = reference_logps(task.reference, [val_batch])
    offsets = list(range(0, len(train_pairs), batch_size))
    policy = task.new_policy()
    opt = torch.optim.Adam(policy.parameters(), lr=route.learning_rate)
    g = torch.Generator().manual_seed(seed)

    def evaluate() -> tuple[float, float, float]:
        policy.eval()
        with torch.no_grad():
            out = dpo_step(policy, val_batch, val_ref_c, val_ref_r, beta=task.beta)
        policy.train()
        m = out.metrics()
        return m["loss"], m["reward_accuracy"], implicit_kl(out, task.beta)

    best = (*evaluate(), 0)
    best_state = trainable_state(policy)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for step in range(route.steps):
            k = step % len(batches)
            if k == 0:
                order = torch.randperm(len(batches), generator=g).tolist()
            b = order[k]
            lo, n = offsets[b], batches[b].n_pairs
            out = dpo_step(
                policy,
                batches[b],
                ref_c[lo : lo + n],
                ref_r[lo : lo + n],
                beta=task.beta,
                loss=route.loss,
                label_smoothing=route.label_smoothing,
            )
            opt.zero_grad()
            out.loss.backward()
            opt.step()
            if route.select and (step + 1) % route.eval_every == 0:
                now = evaluate()
                if now[0] < best[0]:
                    best, best_state = (*now, step + 1), trainable_state(policy)
    if route.select:
        load_trainable_state(policy, best_state)
    else:
        best = (*evaluate(), route.steps)
    policy.eval()
    return RouteResult(route.name, task.optimum_fraction(policy), best[0], best[1], best[2], best[3])
