"""Loss functions: small, pure, and each tested against a naive reference."""

from __future__ import annotations

import torch
import torch.nn.functional as F

IGNORE = -100


def sft_loss(
    logits: torch.Tensor, labels: torch.Tensor, label_smoothing: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed next-token cross-entropy and the number of tokens it covers.

    logits (B, T, V) predict the token after each position, so logits[:, t] is scored against
    labels[:, t + 1]; labels equal to -100 are skipped. Returning the sum and the count (not a
    mean) lets the caller normalise over a whole optimizer step: all micro-batches and ranks.
    With label_smoothing e the target is (1 - e) on the label plus e / V on every token.
    """
    keep, targets = sft_targets(labels)
    # Score only the kept positions: in SFT most tokens are prompt, and a log-softmax over the
    # vocabulary at every position would be mostly wasted work.
    return picked_loss(logits[:, :-1][keep], targets, label_smoothing)


def sft_targets(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T) labels -> the (B, T-1) mask of positions that predict a label, and those (N,) labels.

    Position t predicts labels[:, t + 1]; a caller can take the logits at the masked positions
    only (hidden states first, then the LM head), which is sft_loss's sum without the rest."""
    targets = labels[:, 1:]
    keep = targets != IGNORE
    return keep, targets[keep]


def picked_loss(
    picked: torch.Tensor, targets: torch.Tensor, label_smoothing: float = 0.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Summed cross-entropy of (N, V) logits against (N,) targets, and N (as a tensor)."""
    loss_sum = F.cross_entropy(picked.float(), targets, reduction="sum", label_smoothing=label_smoothing)
    return loss_sum, torch.tensor(targets.numel(), device=targets.device)


def sft_example_losses(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """(B,) mean next-token cross-entropy of each row over its labelled tokens (0 for a row
    without any): how hard each example is for the model, e.g. for a self-paced curriculum."""
    targets = labels[:, 1:]
    keep = targets != IGNORE
    per_token = F.cross_entropy(
        logits[:, :-1].float().transpose(1, 2), targets.clamp_min(0), reduction="none"
    )  # (B, T-1)
    return (per_token * keep).sum(1) / keep.sum(1).clamp_min(1)


# --- token log-probabilities and masked statistics -------------------------------------------


def logprobs_of(logits: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """Log-probability of each token under its own row of logits.

    logits (B, T, V), tokens (B, T) -> (B, T), where out[b, t] = log softmax(logits[b, t])[tokens[b, t]].
    No shift happens here: the caller aligns logits[:, t] with the token it predicts.

    log p = logit[token] - logsumexp(logits); this gathers one value per position and never
    materialises a (B, T, V) log-softmax. Half-precision logits are upcast one row at a time
    so the fp32 copy is (T, V), not (B, T, V).
    """
    if logits.dtype in (torch.float32, torch.float64):
        picked = logits.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)  # (B, T)
        return picked - torch.logsumexp(logits, dim=-1)
    rows = []
    for row_logits, row_tokens in zip(logits, tokens, strict=True):  # (T, V), (T,)
        row = row_logits.float()
        rows.append(row.gather(-1, row_tokens.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(row, dim=-1))
    return torch.stack(rows)  # (B, T)


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """Mean of x over positions where mask is 1 (over all positions, or along `dim`).

    An all-zero mask gives 0 rather than NaN, so an empty micro-batch adds nothing.
    """
    mask = mask.to(x.dtype)
    if dim is None:
        return (x * mask).sum() / mask.sum().clamp_min(1.0)
    return (x * mask).sum(dim) / mask.sum(dim).clamp_min(1.0)


def masked_var(x: torch.Tensor, mask: torch.Tensor, unbiased: bool = True) -> torch.Tensor:
    """Variance of x over the masked positions (a scalar); Bessel-corrected when `unbiased`."""
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
    if unbiased:
        n = mask.to(x.dtype).sum()
        var = var * n / (n - 1).clamp_min(1.0)
    return var


def masked_whiten(x: torch.Tensor, mask: torch.Tensor, shift_mean: bool = True) -> torch.Tensor:
    """Scale x to unit variance (and zero mean when shift_mean) using masked statistics only.

    Pad positions do not enter the statistics and are 0 in the result. With shift_mean=False the
    mean is kept, which PPO uses for rewards: whitening them must not change their sign on average.
    """
    mean, var = masked_mean(x, mask), masked_var(x, mask)
    out = (x - mean) * torch.rsqrt(var + 1e-8)
    if not shift_mean:
        out = out + mean
    return out * mask.to(x.dtype)


# --- PPO ---------------------------------------------------------------------------------------


def gae(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float, lam: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over right-padded sequences.

    rewards, values, mask: (B, T) -> advantages (B, T), returns (B, T), both 0 at pad positions.
    delta_t = r_t + gamma * V_{t+1} - V_t and A_t = delta_t + gamma * lam * A_{t+1}, where V_{t+1}
    and A_{t+1} count as 0 after a sequence's last valid token (the episode ends there).
    Returns = A + V are the critic's targets. Computed without gradient.
    """
    with torch.no_grad():
        mask = mask.to(values.dtype)
        T = rewards.shape[1]
        advantages = torch.zeros_like(values)
        next_value = torch.zeros_like(values[:, 0])  # (B,)
        next_adv = torch.zeros_like(values[:, 0])
        for t in reversed(range(T)):
            # mask[:, t+1] is 0 past the end, which is what stops the bootstrap.
            cont = mask[:, t + 1] if t + 1 < T else torch.zeros_like(next_value)
            delta = rewards[:, t] + gamma * cont * next_value - values[:, t]
            next_adv = delta + gamma * lam * cont * next_adv
            advantages[:, t] = next_adv
            next_value = values[:, t]
        advantages = advantages * mask
        returns = (advantages + values) * mask
    return advantages, returns


def ppo_policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    clip_range: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The clipped surrogate objective of PPO, as a loss to minimise.

    All inputs (B, T). Returns (loss, clip_fraction, approx_kl), all scalars; the last two are
    detached diagnostics: the share of tokens where the clipped branch was taken, and
    0.5 * E[(log ratio)^2], a second-order estimate of KL(old || new).
    """
    log_ratio = logprobs - old_logprobs
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip_range, 1.0 + clip_range)
    loss = masked_mean(torch.maximum(unclipped, clipped), mask)
    with torch.no_grad():
        clip_fraction = masked_mean((clipped > unclipped).to(logprobs.dtype), mask)
        approx_kl = masked_mean(0.5 * log_ratio**2, mask)
    return loss, clip_fraction, approx_kl


def ppo_value_loss(
    values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    mask: torch.Tensor,
    clip_range: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Clipped value loss: 0.5 * max((V - R)^2, (V_clip - R)^2), V_clip within clip_range of old V.

    All inputs (B, T). Returns (loss, clip_fraction) scalars; clip_fraction is detached.
    """
    clipped_values = old_values + torch.clamp(values - old_values, -clip_range, clip_range)
    err = (values - returns) ** 2
    err_clipped = (clipped_values - returns) ** 2
    loss = 0.5 * masked_mean(torch.maximum(err, err_clipped), mask)
    with torch.no_grad():
        clip_fraction = masked_mean((err_clipped > err).to(values.dtype), mask)
    return loss, clip_fraction


def kl_penalty(logprobs: torch.Tensor, ref_logprobs: torch.Tensor, kind: str = "k1") -> torch.Tensor:
    """Per-token estimate of KL(policy || reference) from sampled tokens' log-probs, (B, T) -> (B, T).

    k1: log r (unbiased, high variance, can be negative); k2: 0.5 (log r)^2;
    k3: (1/r - 1) + log r = exp(-log r) - 1 + log r (unbiased, always >= 0, low variance);
    abs: |log r|. Here log r = logprobs - ref_logprobs.
    """
    log_ratio = logprobs - ref_logprobs
    if kind == "k1":
        return log_ratio
    if kind == "k2":
        return 0.5 * log_ratio**2
    if kind == "k3":
        return torch.expm1(-log_ratio) + log_ratio
    if kind == "abs":
        return log_ratio.abs()
    raise ValueError(f"unknown KL penalty kind {kind!r}; expected k1, k2, k3 or abs")


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Entropy of softmax(logits) at every position, (B, T, V) -> (B, T).

    H = logsumexp(l) - sum(p * l), which avoids log(0) where a probability underflows.
    """
    logits = logits.float()
    probs = torch.softmax(logits, dim=-1)
    return torch.logsumexp(logits, dim=-1) - (probs * logits).sum(-1)


class KLController:
    """The coefficient of the KL penalty in PPO: fixed, or adapted toward a target KL.

    With a target, each update multiplies the coefficient by 1 + e * n_steps / horizon, where
    e = clip(current_kl / target - 1, -0.2, 0.2) (Ziegler et al., 2019): the penalty grows while
    the policy drifts further than wanted and relaxes while it stays closer. The clip keeps one
    noisy batch from moving the coefficient far.
    """

    def __init__(self, init_coef: float, target: float | None = None, horizon: int = 10000):
        if init_coef < 0:
            raise ValueError(f"init_coef must be >= 0, got {init_coef}")
        if target is not None and target <= 0:
            raise ValueError(f"target must be > 0, got {target}")
        if horizon <= 0:
            raise ValueError(f"horizon must be > 0, got {horizon}")
        self.value = float(init_coef)
        self.target = target
        self.horizon = horizon

    def update(self, current_kl: float, n_steps: int) -> float:
        """Adjust after `n_steps` samples (or steps) observed a mean KL of `current_kl`; returns the new value."""
        if self.target is not None:
            error = min(max(float(current_kl) / self.target - 1.0, -0.2), 0.2)
            self.value *= 1.0 + error * n_steps / self.horizon
        return self.value


# --- preference learning -----------------------------------------------------------------------


def bradley_terry_loss(
    chosen_rewards: torch.Tensor, rejected_rewards: torch.Tensor, margin: torch.Tensor | float | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reward-model loss: -log sigmoid(r_chosen - r_rejected - margin), averaged over pairs.

    chosen_rewards, rejected_rewards: (B,); margin: (B,), a float or None (Llama-2 style
    preference strength). Returns (loss, accuracy), accuracy being the detached share of pairs
    where the chosen reward is strictly higher.
    """
    diff = chosen_rewards - rejected_rewards
    if margin is not None:
        diff = diff - margin
    loss = -F.logsigmoid(diff).mean()
    with torch.no_grad():
        accuracy = (chosen_rewards > rejected_rewards).to(chosen_rewards.dtype).mean()
    return loss, accuracy


def preference_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    beta: float,
    kind: str = "sigmoid",
    label_smoothing: float = 0.0,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Direct preference losses over sequence log-probs, all inputs (B,).

    With h = (pi_c - ref_c) - (pi_r - ref_r):
      sigmoid (DPO): -(1 - eps) log sigmoid(beta h) - eps log sigmoid(-beta h), eps = label_smoothing
        (conservative DPO: eps is the assumed share of flipped labels);
      robust (rDPO, Chowdhury et al. 2024): ((1 - eps) l(h) - eps l(-h)) / (1 - 2 eps) with
        l(h) = -log sigmoid(beta h): an unbiased estimate of the loss on clean labels when a
        share eps of them is flipped (eps < 0.5), where conservative DPO instead targets a
        preference probability of 1 - eps;
      ipo: (h - 1 / (2 beta))^2.
    For DPO pass log-probs summed over the completion tokens. IPO's regression target assumes
    length-normalised log-probs (the mean over completion tokens), so callers wanting the IPO
    paper's behaviour pass averages instead; the function itself does not normalise.
    Returns (loss, chosen_rewards, rejected_rewards): the mean loss and the detached implicit
    rewards beta * (pi - ref) of each sequence, (B,).
    """
    chosen_logratios = policy_chosen_logps - ref_chosen_logps
    rejected_logratios = policy_rejected_logps - ref_rejected_logps
    h = chosen_logratios - rejected_logratios
    if kind == "sigmoid":
        losses = -(1.0 - label_smoothing) * F.logsigmoid(beta * h) - label_smoothing * F.logsigmoid(-beta * h)
    elif kind == "robust":
        losses = (-(1.0 - label_smoothing) * F.logsigmoid(beta * h) + label_smoothing * F.logsigmoid(-beta * h)) / (
            1.0 - 2.0 * label_smoothing
        )
    elif kind == "ipo":
        losses = (h - 1.0 / (2.0 * beta)) ** 2
    else:
        raise ValueError(f"unknown preference loss {kind!r}; expected 'sigmoid', 'robust' or 'ipo'")
    chosen_rewards = beta * chosen_logratios.detach()
    rejected_rewards = beta * rejected_logratios.detach()
    return losses.mean(), chosen_rewards, rejected_rewards


# --- distillation ------------------------------------------------------------------------------


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    temperature: float,
    alpha: float,
    kl: str = "forward",
) -> torch.Tensor:
    """alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * hard-label cross-entropy.

    kl="reverse" uses KL(student_T || teacher_T) instead (MiniLLM, Gu et al., 2023): mode-seeking,
    so a student too small to spread mass like the teacher concentrates on the teacher's likely
    tokens rather than covering its tail.

    student_logits, teacher_logits (B, T, V); labels (B, T) with -100 for ignored positions.
    As in sft_loss, logits[:, t] is about the token labels[:, t + 1], and both terms are means
    over the positions whose next label counts. softmax(logits / T) softens both distributions;
    the T^2 factor (Hinton et al., 2015) keeps the soft term's gradient scale independent of T.
    """
    targets = labels[:, 1:]  # (B, T-1)
    keep = targets != IGNORE
    n = keep.sum().clamp_min(1)
    student = student_logits[:, :-1][keep].float()  # (N, V)
    teacher = teacher_logits[:, :-1][keep].float()  # (N, V)
    student_logp = F.log_softmax(student / temperature, dim=-1)
    teacher_logp = F.log_softmax(teacher / temperature, dim=-1)
    if kl == "forward":
        soft = (teacher_logp.exp() * (teacher_logp - student_logp)).sum() / n
    elif kl == "reverse":
        soft = (student_logp.exp() * (student_logp - teacher_logp)).sum() / n
    else:
        raise ValueError(f"kl must be 'forward' or 'reverse', got {kl!r}")
    ce = F.cross_entropy(student, targets[keep], reduction="sum") / n
    return alpha * temperature**2 * soft + (1.0 - alpha) * ce


def group_relative_advantages(rewards: torch.Tensor, scale: bool = True, eps: float = 1e-6) -> torch.Tensor:
    """GRPO's advantages (Shao et al., 2024): each reward minus the mean of its group, divided
    by the group's standard deviation when `scale`. rewards (N, G): N prompts, G samples each.

    The group mean is the baseline a critic would otherwise learn; a group whose samples all
    scored the same teaches nothing (advantage 0), and `eps` keeps its division finite.
    """
    if rewards.dim() != 2 or rewards.shape[1] < 2:
        raise ValueError(f"need (prompts, group of >= 2) rewards, got shape {tuple(rewards.shape)}")
    centred = rewards - rewards.mean(dim=1, keepdim=True)
    if not scale:
        return centred
    return centred / (rewards.std(dim=1, keepdim=True) + eps)


def leave_one_out_advantages(rewards: torch.Tensor) -> torch.Tensor:
    """RLOO's advantages (Ahmadian et al., 2024): each reward minus the mean of the other G - 1
    rewards of its group. rewards (N, G), G >= 2.

    The baseline excludes the sample itself, so it is independent of that sample and the
    REINFORCE gradient stays unbiased; it equals G / (G - 1) times the centred reward.
    """
    if rewards.dim() != 2 or rewards.shape[1] < 2:
        raise ValueError(f"need (prompts, group of >= 2) rewards, got shape {tuple(rewards.shape)}")
    g = rewards.shape[1]
    others_mean = (rewards.sum(dim=1, keepdim=True) - rewards) / (g - 1)
    return rewards - others_mean
