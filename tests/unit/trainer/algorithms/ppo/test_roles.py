"""PPO's pieces without a job: batch layout, per-token rewards, the roles, the iteration, placement."""

import copy
import math

import pytest
import torch

from kiln_trainer.algorithms.ppo.experience import Sample, build_batch, completion_logprobs
from kiln_trainer.algorithms.ppo.loop import LoopOptions, PPOLoop, explained_variance, lr_factor, token_rewards
from kiln_trainer.algorithms.ppo.rewards import FunctionReward, HumanFeedbackReward, ModelReward, TokenReward
from kiln_trainer.algorithms.ppo.roles import (
    LocalRoles,
    PolicyOptions,
    PolicyRole,
    ReferenceRole,
    RewardRole,
    ValueOptions,
    ValueRole,
)
from kiln_trainer.algorithms.ppo.trainer import prompt_order
from kiln_trainer.models.gpt import GPT
from kiln_trainer.models.loader import KILN_GPT, LoadedModel
from tests.tasks.optimum import toy_gpt_config
from tests.tasks.ppo_optimum import DigitTokenizer

CPU = torch.device("cpu")


pytestmark = pytest.mark.usefixtures("one_thread")


def toy_lm(seed: int = 0) -> LoadedModel:
    torch.manual_seed(seed)
    return LoadedModel(GPT(toy_gpt_config(8)), DigitTokenizer(), KILN_GPT, 16)


def policy(seed: int = 0, **kw) -> PolicyRole:
    opts = PolicyOptions(**({"learning_rate": 1e-2, "max_new_tokens": 3, "stop_at_eos": False} | kw))
    return PolicyRole(toy_lm(seed), opts, CPU)


# -- layout ----------------------------------------------------------------------------------------


def test_build_batch_layout():
    b = build_batch([[5, 6, 7], [4]], [[1, 2], [3]], pad_id=0)
    assert b.prompt_len == 3
    assert b.input_ids.tolist() == [[5, 6, 7, 1, 2], [0, 0, 4, 3, 0]]
    assert b.attention_mask.tolist() == [[1, 1, 1, 1, 1], [0, 0, 1, 1, 0]]
    assert b.completion.tolist() == [[1, 2], [3, 0]]
    assert b.completion_mask.tolist() == [[1, 1], [1, 0]]
    assert b.position_ids.tolist() == [[0, 1, 2, 3, 4], [0, 0, 0, 1, 1]]
    sub = b.select([1])
    assert sub.input_ids.tolist() == [[0, 0, 4, 3, 0]] and sub.prompt_len == 3
    with pytest.raises(ValueError, match="at least one token"):
        build_batch([[]], [[1]], 0)


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_completion_logprobs_match_each_row_alone(temperature):
    lm = toy_lm()
    prompts, completions = [[5, 6, 7], [4], [1, 2]], [[1, 2, 3], [3], [7, 7]]
    batch = build_batch(prompts, completions, pad_id=0)
    logps, entropy = completion_logprobs(lm, batch, temperature, with_entropy=True)
    for i, (p, c) in enumerate(zip(prompts, completions, strict=True)):
        logits = lm.model(torch.tensor([p + c]))[0, len(p) - 1 : len(p) - 1 + len(c)] / temperature
        naive = torch.log_softmax(logits, -1)[torch.arange(len(c)), torch.tensor(c)]
        assert torch.allclose(logps[i, : len(c)], naive, atol=1e-5)
        assert (logps[i, len(c) :] == 0).all() and (entropy[i, len(c) :] == 0).all()
        probs = torch.softmax(logits, -1)
        assert torch.allclose(entropy[i, : len(c)], -(probs * probs.log()).sum(-1), atol=1e-5)


# -- per-iteration maths ------------------------------------------------------------------------------


def test_token_rewards_put_the_score_on_the_last_token():
    kl = torch.tensor([[0.1, 0.2], [0.3, 0.5]])
    mask = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    r = token_rewards(torch.tensor([1.0, 2.0]), kl * mask, mask, kl_coef=0.5)
    assert torch.allclose(r, torch.tensor([[-0.05, -0.1 + 1.0], [-0.15 + 2.0, 0.0]]))


def test_explained_variance():
    returns = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    assert explained_variance(returns, returns, mask) == pytest.approx(1.0)
    assert explained_variance(torch.full_like(returns, 3.0), returns, mask) == pytest.approx(0.0, abs=1e-6)
    assert explained_variance(-returns, returns, mask) < 0
    assert explained_variance(returns, torch.ones_like(returns), mask) == 0.0  # constant returns


def test_lr_factor():
    assert lr_factor("constant", 7, 10) == 1.0
    assert [lr_factor("linear", s, 4) for s in range(4)] == [1.0, 0.75, 0.5, 0.25]
    with pytest.raises(ValueError, match="cosine"):
        lr_factor("cosine", 0, 4)


def test_prompt_order_is_an_epoch_permutation_and_reproducible():
    first = prompt_order(5, 5, 0, seed=3)
    assert sorted(first) == list(range(5))
    assert prompt_order(5, 5, 0, seed=3) == first
    # Batches straddle epochs: steps 0..2 with batch 4 cover 12 slots = 2 full epochs + 2.
    slots = sum((prompt_order(5, 4, s, seed=3) for s in range(3)), [])
    assert sorted(slots[:5]) == list(range(5)) and sorted(slots[5:10]) == list(range(5))
    assert slots[:5] == first


# -- roles ----------------------------------------------------------------------------------------


def test_policy_rollout_is_seeded_and_laid_out():
    role = policy()
    prompts = [[1, 2], [3], [4, 5, 6]]
    b = role.rollout(prompts, ["a", "b", "c"], 11)
    assert b.size == 3 and b.prompt_len == 3 and b.completion.shape == (3, 3)
    assert b.completion_mask.all()
    assert [s.sample_id for s in b.samples] == ["a", "b", "c"]
    assert b.samples[1].prompt == "3" and b.samples[1].prompt_ids == [3]
    assert b.samples[0].completion == " ".join(str(t) for t in b.samples[0].completion_ids)
    again = role.rollout(prompts, ["a", "b", "c"], 11)
    assert torch.equal(again.input_ids, b.input_ids)
    others = [role.rollout(prompts, ["a", "b", "c"], s).input_ids for s in range(12, 16)]
    assert any(not torch.equal(o, b.input_ids) for o in others)
    role.close()


def test_policy_rollout_keeps_the_stopping_eos(monkeypatch):
    from kiln_trainer.inference.engine import GenerationResult

    role = policy(stop_at_eos=True)
    fake = [
        GenerationResult([3, 4], "3 4", [], [], "STOP", 1),
        GenerationResult([5, 6, 7], "5 6 7", [], [], "LENGTH", 1),
    ]
    monkeypatch.setattr(role.engine, "generate", lambda requests: fake)
    b = role.rollout([[1], [2]], ["a", "b"], 0)
    assert [s.completion_ids for s in b.samples] == [[3, 4, 0], [5, 6, 7]]  # eos (0) kept after STOP
    assert b.completion_mask.tolist() == [[1, 1, 1], [1, 1, 1]]


def test_policy_train_step_raises_the_logprob_of_advantaged_tokens():
    role = policy()
    b = role.rollout([[1, 2], [3]], ["a", "b"], 5)
    old, _ = role.logprobs(b)
    adv = torch.tensor([[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]])
    stats = role.train_step(b, old, adv)
    assert stats["approx_kl"] == 0.0 and stats["clip_fraction"] == 0.0  # first step: ratio exactly 1
    new, _ = role.logprobs(b)
    assert new[0].sum() > old[0].sum() and new[1].sum() < old[1].sum()
    role.set_lr_scale(0.25)
    assert role.optimizer.param_groups[0]["lr"] == pytest.approx(0.25e-2)

    # A checkpointed state restores the same policy in a fresh role.
    fresh = policy(seed=1)
    fresh.load_state(role.state())
    assert torch.allclose(fresh.logprobs(b)[0], new, atol=1e-6)
    role.close()
    fresh.close()


def test_policy_saves_a_model_load_causal_lm_reads(tmp_path):
    from kiln_trainer.models.loader import load_causal_lm

    role = PolicyRole(load_causal_lm("kiln-gpt-tiny", seed=3), PolicyOptions(learning_rate=1e-3), CPU)
    out = role.save_model(str(tmp_path / "m"))
    back = load_causal_lm(out)
    for (name, a), (_, b) in zip(role.lm.model.state_dict().items(), back.model.state_dict().items(), strict=True):
        assert torch.equal(a, b), name


def test_value_role_starts_at_zero_and_fits_returns():
    role = ValueRole(toy_lm(), ValueOptions(learning_rate=1e-2, clip_range=10.0), CPU)
    b = build_batch([[1, 2], [3]], [[4, 5, 6], [7]], pad_id=0)
    v0 = role.values(b)
    assert v0.shape == (2, 3) and (v0 == 0).all()
    returns = torch.tensor([[1.0, 1.0, 1.0], [-1.0, 0.0, 0.0]]) * b.completion_mask
    losses = [role.train_step(b, role.values(b), returns)["value_loss"] for _ in range(30)]
    assert losses[-1] < 0.1 * losses[0]


def test_reference_role_is_frozen():
    lm = toy_lm()
    ref = ReferenceRole(lm, device=CPU)
    assert not any(p.requires_grad for p in lm.model.parameters())
    b = build_batch([[1]], [[2, 3]], pad_id=0)
    assert torch.allclose(ref.logprobs(b), completion_logprobs(lm, b)[0])


def samples(n: int) -> list[Sample]:
    return [Sample(f"s{i}", [1, i], [2, 3], "p", "x" * i) for i in range(n)]


def test_reward_sources():
    assert RewardRole(FunctionReward(lambda p, c: len(c))).score(samples(3)) == [0.0, 1.0, 2.0]
    assert RewardRole(TokenReward(lambda p, c: sum(p) + sum(c))).score(samples(2)) == [6.0, 7.0]

    asked = []

    def rater(batch, timeout_s):
        asked.append(([s.sample_id for s in batch], timeout_s))
        return {"s0": 1.0, "s2": -1.0}  # s1 was not rated in time

    hf = HumanFeedbackReward(rater, timeout_s=3.0)
    assert hf.score(samples(3)) == [1.0, None, -1.0]
    assert asked == [(["s0", "s1", "s2"], 3.0)]


def test_model_reward_scores_prompt_and_completion_as_its_trainer_tokenized_them():
    from kiln_trainer.models.reward_model import reward_model_from_causal_lm

    rm = reward_model_from_causal_lm("kiln-gpt-tiny", seed=0)
    batch = [Sample("a", [], [], "Hello ", "world"), Sample("b", [], [], "Hi ", "there")]
    scores = ModelReward(rm).score(batch)
    assert scores == pytest.approx(rm.score_completions(["Hello ", "Hi "], ["world", "there"]))


def test_model_reward_by_ids_keeps_special_tokens_and_appends_eos_once():
    from kiln_trainer.models.reward_model import RewardModel

    rm = RewardModel(toy_lm(3))
    eos = rm.lm.eos_token_id  # 0: a token a completion may also contain when it runs on past it
    mid = Sample("a", [1, 2], [eos, 5, 3], "1 2", "5 3")  # the text lost the eos inside
    stopped = Sample("b", [4], [6, eos], "4", "6")
    want = rm.score_rows([([1, 2], [eos, 5, 3, eos]), ([4], [6, eos])])
    assert ModelReward(rm, by_ids=True, stop_at_eos=True).score([mid, stopped]) == pytest.approx(want)
    # Without stopping at eos a trailing eos is a token like any other: the layout's eos follows.
    assert ModelReward(rm, by_ids=True, stop_at_eos=False).score([stopped]) == pytest.approx(
        rm.score_rows([([4], [6, eos, eos])])
    )
    assert rm.score_rows([([1, 2], [5, 3, eos])]) != pytest.approx(want[:1])  # the inner eos counts


def test_same_tokenizer_compares_vocabulary_and_eos():
    from kiln_trainer.algorithms.ppo.rewards import same_tokenizer
    from kiln_trainer.models.loader import tokenizer_of

    tiny = tokenizer_of("kiln-gpt-tiny")
    assert same_tokenizer(tiny, tokenizer_of("kiln-gpt-tiny"))
    assert not same_tokenizer(tiny, _Vocab({"a": 0}, 0))
    assert not same_tokenizer(_Vocab({"a": 0, "b": 1}, 0), _Vocab({"a": 0, "b": 1}, 1))


class _Vocab:
    def __init__(self, vocab: dict[str, int], eos: int):
        self.vocab, self.eos_token_id = vocab, eos

    def get_vocab(self) -> dict[str, int]:
        return self.vocab


# -- one iteration, with stand-in roles ---------------------------------------------------------------


class StubPolicy:
    def __init__(self, approx_kl: float):
        self.approx_kl = approx_kl
        self.minibatches: list[list[str]] = []
        self.lr_scales: list[float] = []

    def rollout(self, prompts, ids, seed, texts):
        smp = [Sample(i, p, [1, 2], "p", "c") for i, p in zip(ids, prompts, strict=True)]
        return build_batch(prompts, [[1, 2]] * len(prompts), 0, smp)

    def logprobs(self, batch):
        return torch.full((batch.size, 2), -1.0), torch.full((batch.size, 2), 2.0)

    def train_step(self, mb, old, adv):
        self.minibatches.append([s.sample_id for s in mb.samples])
        return {"policy_loss": 0.5, "clip_fraction": 0.1, "approx_kl": self.approx_kl, "policy_grad_norm": 1.0}

    def set_lr_scale(self, s):
        self.lr_scales.append(s)


class StubValue:
    def values(self, batch):
        return torch.zeros(batch.size, 2)

    def train_step(self, mb, old, returns):
        return {"value_loss": 0.25, "value_clip_fraction": 0.0, "value_grad_norm": 1.0}

    def set_lr_scale(self, s):
        pass


class StubReference:
    def logprobs(self, batch):
        return torch.full((batch.size, 2), -1.5)


def stub_roles(approx_kl=0.0, scores=None):
    pol = StubPolicy(approx_kl)
    reward = (
        RewardRole(FunctionReward(lambda p, c: 1.0))
        if scores is None
        else RewardRole(type("Fixed", (), {"score": lambda self, s: scores})())
    )
    return pol, LocalRoles({"policy": pol, "value": StubValue(), "reference": StubReference(), "reward": reward})


def run_once(roles, **opts):
    loop = PPOLoop(roles, LoopOptions(**({"ppo_epochs": 2, "minibatch_size": 2} | opts)))
    ids = [f"s{i}" for i in range(4)]
    return loop, loop.iteration([[5]] * 4, ids, seed=0, lr_scale=0.5)


def test_iteration_runs_every_minibatch_and_reports():
    pol, roles = stub_roles()
    loop, stats = run_once(roles, kl_coef=0.1)
    assert stats["ppo_updates"] == 4 and stats["early_stopped"] == 0.0
    assert len(pol.minibatches) == 4 and sorted(sum(pol.minibatches[:2], [])) == ["s0", "s1", "s2", "s3"]
    assert pol.lr_scales == [0.5]
    assert stats["kl"] == pytest.approx(1.0)  # 0.5 nats per token x 2 tokens
    assert stats["mean_reward"] == 1.0 and stats["entropy"] == 2.0
    assert stats["policy_loss"] == 0.5 and stats["value_loss"] == 0.25
    assert stats["rollout_tokens"] == 8.0 and stats["kl_coef"] == 0.1
    for key in ("generation_s", "training_s", "rollout_tokens_per_s", "explained_variance", "clip_fraction"):
        assert math.isfinite(stats[key])


def test_iteration_stops_early_past_the_target_kl():
    pol, roles = stub_roles(approx_kl=0.2)
    _, stats = run_once(roles, target_kl=0.1)
    assert stats["ppo_updates"] == 1 and stats["early_stopped"] == 1.0
    pol, roles = stub_roles(approx_kl=0.14)  # below 1.5 x target: keep going
    _, stats = run_once(roles, target_kl=0.1)
    assert stats["ppo_updates"] == 4


def test_iteration_trains_on_rated_samples_only():
    pol, roles = stub_roles(scores=[1.0, None, 0.0, None])
    _, stats = run_once(roles)
    assert stats["rated"] == 2.0 and stats["mean_reward"] == 0.5
    assert sorted(sum(pol.minibatches, [])) == ["s0", "s0", "s2", "s2"]  # two epochs of one minibatch
    pol, roles = stub_roles(scores=[None] * 4)
    _, stats = run_once(roles)
    assert "mean_reward" not in stats and pol.minibatches == []


def test_adaptive_kl_coefficient_moves_toward_its_target():
    _, roles = stub_roles()
    loop, _ = run_once(roles, kl_coef=0.1, adaptive_kl_target=0.5, adaptive_kl_horizon=10)
    assert loop.kl_ctl.value > 0.1  # measured KL 1.0 is above the 0.5 target: penalise more
    state = loop.state()
    fresh = PPOLoop(roles, LoopOptions(kl_coef=0.1))
    fresh.load_state(copy.deepcopy(state))
    assert fresh.kl_ctl.value == loop.kl_ctl.value


# -- placement ------------------------------------------------------------------------------------------


def test_placement_colocates_on_one_cpu_bundle():
    from kiln_trainer.algorithms.ppo.actors import plan_placement

    plan = plan_placement(["policy", "value", "reference", "reward"], {"policy", "value", "reference"}, gpus=0)
    assert plan.bundles == [{"CPU": 1.0}]
    assert {s.bundle for s in plan.slots.values()} == {0}
    assert all(s.num_cpus == 0.25 and s.num_gpus == 0 for s in plan.slots.values())


def test_placement_spreads_model_roles_over_gpus():
    from kiln_trainer.algorithms.ppo.actors import plan_placement

    roles = ["policy", "value", "reference", "reward"]
    one = plan_placement(roles, {"policy", "value", "reference"}, gpus=1)
    assert one.bundles == [{"CPU": 1.0, "GPU": 1.0}]
    assert one.slots["policy"].num_gpus == pytest.approx(0.3333) and one.slots["reward"].num_gpus == 0
    four = plan_placement(roles, set(roles), gpus=4, cpus=4)
    assert four.bundles == [{"CPU": 1.0, "GPU": 1.0}] * 4 and four.strategy == "PACK"
    assert sorted(s.bundle for s in four.slots.values()) == [0, 1, 2, 3]
    assert all(s.num_gpus == 1.0 for s in four.slots.values())
    two = plan_placement(roles, {"policy", "value", "reference"}, gpus=2, cpus=2)
    assert len(two.bundles) == 2
    assert two.slots["policy"].bundle == two.slots["reference"].bundle == two.slots["reward"].bundle == 0
    assert two.slots["value"] == type(two.slots["value"])(1, 1.0, 1.0)
    assert two.slots["policy"].num_gpus == 0.5
    # Shares never exceed their bundle.
    for plan in (one, four, two):
        for b, bundle in enumerate(plan.bundles):
            members = [s for s in plan.slots.values() if s.bundle == b]
            assert sum(s.num_cpus for s in members) <= bundle["CPU"]
            assert sum(s.num_gpus for s in members) <= bundle.get("GPU", 0)
