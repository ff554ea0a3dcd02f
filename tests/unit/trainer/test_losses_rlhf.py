"""RLHF / preference / distillation losses against hand-computed values and naive loops."""

import math

import pytest
import torch

from kiln_trainer.losses import (
    KLController,
    bradley_terry_loss,
    distillation_loss,
    entropy_from_logits,
    gae,
    kl_penalty,
    logprobs_of,
    masked_mean,
    masked_var,
    masked_whiten,
    ppo_policy_loss,
    ppo_value_loss,
    preference_loss,
    sft_loss,
)


def rand(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# --- logprobs_of, entropy ----------------------------------------------------------------------


def test_logprobs_of_hand_computed():
    # Row logits (0, ln 3): p = (1/4, 3/4).
    logits = torch.tensor([[[0.0, math.log(3.0)], [0.0, math.log(3.0)]]])
    out = logprobs_of(logits, torch.tensor([[1, 0]]))
    assert torch.allclose(out, torch.tensor([[math.log(0.75), math.log(0.25)]]))


def test_logprobs_of_matches_naive_and_bf16_path():
    logits = rand(3, 5, 7).float()
    tokens = torch.randint(0, 7, (3, 5), generator=torch.Generator().manual_seed(1))
    naive = torch.tensor(
        [[float(logits[b, t].double().log_softmax(-1)[tokens[b, t]]) for t in range(5)] for b in range(3)],
        dtype=torch.float64,
    )
    assert torch.allclose(logprobs_of(logits, tokens).double(), naive, atol=1e-6)
    low = logprobs_of(logits.bfloat16(), tokens)
    assert low.dtype == torch.float32
    assert torch.allclose(low.double(), naive, atol=0.05)


def test_entropy_from_logits():
    uniform = torch.zeros(1, 2, 5)
    assert torch.allclose(entropy_from_logits(uniform), torch.full((1, 2), math.log(5.0)))
    logits = rand(2, 3, 4)
    p = logits.softmax(-1)
    naive = -(p * p.log()).sum(-1)
    assert torch.allclose(entropy_from_logits(logits).double(), naive, atol=1e-5)
    # A near one-hot distribution has ~0 entropy and no NaN from log(0).
    peaked = torch.tensor([[[1000.0, 0.0, 0.0]]])
    assert float(entropy_from_logits(peaked)) == pytest.approx(0.0, abs=1e-6)


# --- masked statistics -------------------------------------------------------------------------


def test_masked_mean_and_var_hand_computed():
    x = torch.tensor([[1.0, 3.0, 100.0], [5.0, -50.0, -50.0]])
    mask = torch.tensor([[1, 1, 0], [1, 0, 0]])
    assert float(masked_mean(x, mask)) == pytest.approx(3.0)
    assert masked_mean(x, mask, dim=1).tolist() == pytest.approx([2.0, 5.0])
    # Values 1, 3, 5: mean 3, squared deviations 4 + 0 + 4 = 8.
    assert float(masked_var(x, mask)) == pytest.approx(8.0 / 2)
    assert float(masked_var(x, mask, unbiased=False)) == pytest.approx(8.0 / 3)
    assert float(masked_mean(x, torch.zeros_like(mask))) == 0.0


def test_masked_whiten_ignores_pads():
    x = rand(3, 6)
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1]])
    out = masked_whiten(x, mask)
    other = x.clone()
    other[mask == 0] = 1e6  # pad values must not matter
    assert torch.allclose(masked_whiten(other, mask), out)
    assert float(masked_mean(out, mask)) == pytest.approx(0.0, abs=1e-7)
    assert float(masked_var(out, mask)) == pytest.approx(1.0, abs=1e-6)
    assert (out[mask == 0] == 0).all()
    kept = masked_whiten(x, mask, shift_mean=False)
    assert float(masked_mean(kept, mask)) == pytest.approx(float(masked_mean(x, mask)), abs=1e-7)


# --- GAE ----------------------------------------------------------------------------------------


def naive_gae(rewards, values, mask, gamma, lam):
    B, T = rewards.shape
    adv = torch.zeros(B, T, dtype=torch.float64)
    for b in range(B):
        n = int(mask[b].sum())  # right padded: the first n positions are valid
        running = 0.0
        for t in reversed(range(n)):
            next_v = float(values[b, t + 1]) if t + 1 < n else 0.0
            delta = float(rewards[b, t]) + gamma * next_v - float(values[b, t])
            running = delta + gamma * lam * running
            adv[b, t] = running
    return adv, (adv + values) * mask


def test_gae_hand_computed():
    rewards = torch.tensor([[1.0, 0.0, 2.0]])
    values = torch.tensor([[0.5, 1.0, 0.5]])
    adv, ret = gae(rewards, values, torch.ones(1, 3), gamma=0.9, lam=0.8)
    # t=2: 2 - 0.5 = 1.5; t=1: 0.9*0.5 - 1 + 0.72*1.5 = 0.53; t=0: 1 + 0.9 - 0.5 + 0.72*0.53 = 1.7816.
    assert adv.tolist()[0] == pytest.approx([1.7816, 0.53, 1.5])
    assert ret.tolist()[0] == pytest.approx([2.2816, 1.53, 2.0])


def test_gae_bootstraps_zero_after_last_valid_token():
    rewards = torch.tensor([[1.0, 0.0, 7.0]])
    values = torch.tensor([[0.5, 1.0, 9.0]])  # the pad's value must not leak into t=1
    adv, ret = gae(rewards, values, torch.tensor([[1, 1, 0]]), gamma=0.9, lam=0.8)
    # t=1: 0 - 1 = -1; t=0: 1 + 0.9*1 - 0.5 + 0.72*(-1) = 0.68.
    assert adv.tolist()[0] == pytest.approx([0.68, -1.0, 0.0])
    assert ret.tolist()[0] == pytest.approx([1.18, 0.0, 0.0])


def test_gae_matches_naive_loop():
    rewards, values = rand(4, 6, seed=2), rand(4, 6, seed=3)
    mask = (torch.arange(6) < torch.tensor([[6], [3], [1], [5]])).long()
    adv, ret = gae(rewards, values, mask, gamma=0.95, lam=0.9)
    ref_adv, ref_ret = naive_gae(rewards, values, mask, 0.95, 0.9)
    assert torch.allclose(adv, ref_adv) and torch.allclose(ret, ref_ret)


# --- PPO losses ---------------------------------------------------------------------------------


def test_ppo_policy_clipping_on_both_sides():
    eps = 0.2
    old = torch.zeros(1, 4)
    # ratios 1.5, 0.5, 0.5, 1.5 against advantages +1, +1, -1, -1
    logprobs = torch.log(torch.tensor([[1.5, 0.5, 0.5, 1.5]])).requires_grad_()
    adv = torch.tensor([[1.0, 1.0, -1.0, -1.0]])
    loss, clip_frac, _ = ppo_policy_loss(logprobs, old, adv, torch.ones(1, 4), eps)
    # Per token: -min(r A, clip(r) A) = -1.2, -0.5, 0.8, 1.5.
    assert float(loss.detach()) == pytest.approx((-1.2 - 0.5 + 0.8 + 1.5) / 4)
    # Clipped (and so gradient-free) where the ratio ran past the side the advantage favours.
    assert float(clip_frac) == pytest.approx(0.5)
    loss.backward()
    assert logprobs.grad[0, 0] == 0 and logprobs.grad[0, 2] == 0
    assert logprobs.grad[0, 1] != 0 and logprobs.grad[0, 3] != 0


def test_ppo_policy_loss_matches_naive_and_respects_mask():
    lp, old, adv = rand(2, 5, seed=4) * 0.3, rand(2, 5, seed=5) * 0.3, rand(2, 5, seed=6)
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]])
    loss, clip_frac, approx_kl = ppo_policy_loss(lp, old, adv, mask, 0.2)
    terms, clipped, kls = [], [], []
    for b in range(2):
        for t in range(5):
            if not mask[b, t]:
                continue
            r = math.exp(float(lp[b, t] - old[b, t]))
            a = float(adv[b, t])
            terms.append(-min(r * a, min(max(r, 0.8), 1.2) * a))
            clipped.append(float(min(max(r, 0.8), 1.2) * a < r * a))
            kls.append(0.5 * math.log(r) ** 2)
    assert float(loss) == pytest.approx(sum(terms) / len(terms))
    assert float(clip_frac) == pytest.approx(sum(clipped) / len(clipped))
    assert float(approx_kl) == pytest.approx(sum(kls) / len(kls))


def test_ppo_value_loss_clipping():
    old = torch.zeros(1, 3)
    values = torch.tensor([[1.0, 0.1, -1.0]], requires_grad=True)
    returns = torch.tensor([[2.0, 0.0, 0.0]])
    loss, clip_frac = ppo_value_loss(values, old, returns, torch.ones(1, 3), clip_range=0.2)
    # Token 0: max((1-2)^2, (0.2-2)^2) = 3.24, clipped; token 1: max(0.01, 0.01) = 0.01;
    # token 2: max((-1)^2, (-0.2)^2) = 1, unclipped.
    assert float(loss.detach()) == pytest.approx(0.5 * (3.24 + 0.01 + 1.0) / 3)
    assert float(clip_frac) == pytest.approx(1 / 3)
    loss.backward()
    assert values.grad[0, 0] == 0 and values.grad[0, 2] != 0


# --- KL -----------------------------------------------------------------------------------------


def test_kl_penalty_kinds_hand_computed():
    lp, ref = torch.tensor([[math.log(0.5)]]), torch.tensor([[math.log(0.25)]])
    lr = math.log(2.0)
    assert float(kl_penalty(lp, ref, "k1")) == pytest.approx(lr)
    assert float(kl_penalty(lp, ref, "k2")) == pytest.approx(0.5 * lr**2)
    assert float(kl_penalty(lp, ref, "k3")) == pytest.approx(0.5 - 1 + lr)  # ref/p - 1 - log(ref/p)
    assert float(kl_penalty(ref, lp, "abs")) == pytest.approx(lr)
    with pytest.raises(ValueError, match="k4"):
        kl_penalty(lp, ref, "k4")


def test_k1_and_k3_are_unbiased_and_k3_nonnegative():
    # Exact expectation over a small distribution q: E_q[k] must equal KL(q || p).
    q = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    p = torch.tensor([0.2, 0.2, 0.6], dtype=torch.float64)
    kl = float((q * (q / p).log()).sum())
    lq, lp = q.log().view(1, 3), p.log().view(1, 3)
    assert float((q * kl_penalty(lq, lp, "k1")[0]).sum()) == pytest.approx(kl)
    k3 = kl_penalty(lq, lp, "k3")[0]
    assert float((q * k3).sum()) == pytest.approx(kl)
    assert (k3 >= 0).all()


def test_kl_controller_fixed_and_adaptive():
    fixed = KLController(0.1)
    assert fixed.update(100.0, 1000) == 0.1
    ctl = KLController(0.2, target=6.0, horizon=10000)
    # KL twice the target: error clipped to +0.2, so 0.2 * (1 + 0.2 * 100 / 10000).
    assert ctl.update(12.0, 100) == pytest.approx(0.2004)
    before = ctl.value
    ctl.update(3.0, 100)  # below target: relax
    assert ctl.value < before
    with pytest.raises(ValueError):
        KLController(0.1, target=0.0)


# --- preference losses -------------------------------------------------------------------------


def test_bradley_terry_hand_computed_and_accuracy():
    chosen = torch.tensor([1.0, 0.0, 2.0, 0.5])
    rejected = torch.tensor([0.0, 0.0, 3.0, -1.0])
    loss, acc = bradley_terry_loss(chosen, rejected)
    diffs = [1.0, 0.0, -1.0, 1.5]
    expected = sum(math.log1p(math.exp(-d)) for d in diffs) / 4
    assert float(loss) == pytest.approx(expected)
    assert float(acc) == pytest.approx(0.5)  # a tie is not a win
    loss_m, _ = bradley_terry_loss(chosen, rejected, margin=1.0)
    assert float(loss_m) == pytest.approx(sum(math.log1p(math.exp(-(d - 1))) for d in diffs) / 4)


def test_dpo_loss_at_zero_margin_is_log2():
    z = torch.tensor([-3.0, -5.0])
    loss, cr, rr = preference_loss(z, z - 1, z, z - 1, beta=0.1)
    assert float(loss) == pytest.approx(math.log(2.0))
    assert cr.tolist() == [0.0, 0.0] and rr.tolist() == [0.0, 0.0]
    loss, _, _ = preference_loss(z, z - 1, z, z - 1, beta=0.1, kind="ipo")
    assert float(loss) == pytest.approx((1 / 0.2) ** 2)


def test_dpo_loss_matches_naive():
    pc, pr, rc, rr = (rand(5, seed=s) for s in (7, 8, 9, 10))
    beta, eps = 0.5, 0.1
    loss, chosen_rewards, rejected_rewards = preference_loss(pc, pr, rc, rr, beta, label_smoothing=eps)
    naive = 0.0
    for i in range(5):
        h = float((pc[i] - rc[i]) - (pr[i] - rr[i]))
        sig = 1 / (1 + math.exp(-beta * h))
        naive += -(1 - eps) * math.log(sig) - eps * math.log(1 - sig)
    assert float(loss) == pytest.approx(naive / 5)
    assert torch.allclose(chosen_rewards, beta * (pc - rc))
    assert torch.allclose(rejected_rewards, beta * (pr - rr))
    ipo, _, _ = preference_loss(pc, pr, rc, rr, beta, kind="ipo")
    h = (pc - rc) - (pr - rr)
    assert float(ipo) == pytest.approx(float(((h - 1 / (2 * beta)) ** 2).mean()))
    with pytest.raises(ValueError, match="hinge"):
        preference_loss(pc, pr, rc, rr, beta, kind="hinge")


def test_robust_dpo_matches_naive_and_is_unbiased_under_flips():
    pc, pr, rc, rr = (rand(5, seed=s) for s in (3, 4, 5, 6))
    beta, eps = 0.5, 0.2
    loss, _, _ = preference_loss(pc, pr, rc, rr, beta, kind="robust", label_smoothing=eps)
    naive = 0.0
    for i in range(5):
        h = float((pc[i] - rc[i]) - (pr[i] - rr[i]))
        clean, flipped = -math.log(1 / (1 + math.exp(-beta * h))), -math.log(1 / (1 + math.exp(beta * h)))
        naive += ((1 - eps) * clean - eps * flipped) / (1 - 2 * eps)
    assert float(loss) == pytest.approx(naive / 5)
    # Averaged over the label noise it assumes (each label flipped with probability eps), rDPO's
    # loss is the clean DPO loss: what makes it an unbiased fix where conservative DPO is not.
    as_labelled, swapped = (
        preference_loss(a, b, c, d, beta, kind="robust", label_smoothing=eps)[0]
        for a, b, c, d in ((pc, pr, rc, rr), (pr, pc, rr, rc))
    )
    clean, _, _ = preference_loss(pc, pr, rc, rr, beta)
    assert float((1 - eps) * as_labelled + eps * swapped) == pytest.approx(float(clean))
    # No assumed flips: plain DPO.
    assert float(preference_loss(pc, pr, rc, rr, beta, kind="robust")[0]) == pytest.approx(float(clean))


def test_dpo_gradient_raises_chosen_and_lowers_rejected():
    pc, pr = torch.zeros(1, requires_grad=True), torch.zeros(1, requires_grad=True)
    loss, _, _ = preference_loss(pc, pr, torch.zeros(1), torch.zeros(1), beta=0.1)
    loss.backward()
    assert float(pc.grad) < 0 < float(pr.grad)  # descent raises chosen, lowers rejected


# --- distillation -------------------------------------------------------------------------------


def naive_distillation(student, teacher, labels, temperature, alpha, kl="forward"):
    kl_sum, ce_sum, n = 0.0, 0.0, 0
    B, T, _ = student.shape
    for b in range(B):
        for t in range(T - 1):
            target = int(labels[b, t + 1])
            if target == -100:
                continue
            ps = (student[b, t] / temperature).double().log_softmax(-1)
            pt = (teacher[b, t] / temperature).double().log_softmax(-1)
            p, q = (pt, ps) if kl == "forward" else (ps, pt)
            kl_sum += float((p.exp() * (p - q)).sum())
            ce_sum -= float(student[b, t].double().log_softmax(-1)[target])
            n += 1
    return alpha * temperature**2 * kl_sum / n + (1 - alpha) * ce_sum / n


def test_distillation_matches_naive():
    student, teacher = rand(2, 5, 6, seed=11).float(), rand(2, 5, 6, seed=12).float()
    labels = torch.tensor([[-100, -100, 1, 2, 3], [-100, 4, 5, -100, 0]])
    got = distillation_loss(student, teacher, labels, temperature=2.0, alpha=0.7)
    assert float(got) == pytest.approx(naive_distillation(student, teacher, labels, 2.0, 0.7), rel=1e-5)
    rev = distillation_loss(student, teacher, labels, temperature=2.0, alpha=0.7, kl="reverse")
    assert float(rev) == pytest.approx(naive_distillation(student, teacher, labels, 2.0, 0.7, "reverse"), rel=1e-5)
    assert float(rev) != pytest.approx(float(got), rel=1e-3)  # the two directions differ


def test_distillation_edge_cases():
    logits = rand(1, 4, 5, seed=13).float()
    labels = torch.tensor([[-100, 1, 2, 3]])
    # Teacher equal to student: no soft loss at all.
    assert float(distillation_loss(logits, logits, labels, 3.0, alpha=1.0)) == pytest.approx(0.0, abs=1e-6)
    # alpha = 0 is plain next-token cross-entropy, the mean of sft_loss.
    loss_sum, n = sft_loss(logits, labels)
    hard = distillation_loss(logits, rand(1, 4, 5, seed=14).float(), labels, 3.0, alpha=0.0)
    assert float(hard) == pytest.approx(float(loss_sum / n), rel=1e-6)
