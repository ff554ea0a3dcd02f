"""sft_loss against a hand-computed example and a naive per-token loop."""

import math

import torch

from kiln_trainer.losses import sft_loss


def naive_sft_loss(logits, labels):
    total, n = 0.0, 0
    B, T, _ = logits.shape
    for b in range(B):
        for t in range(T - 1):
            target = int(labels[b, t + 1])
            if target == -100:
                continue
            log_probs = logits[b, t].double().log_softmax(-1)
            total -= float(log_probs[target])
            n += 1
    return total, n


def test_hand_computed_example():
    # One row, vocab 2. Position 0 predicts labels[1] = 1 with logits (0, ln 3): p = 3/4.
    # Position 1 would predict labels[2], which is ignored; position 2 has nothing after it.
    logits = torch.tensor([[[0.0, math.log(3.0)], [5.0, -5.0], [1.0, 2.0]]])
    labels = torch.tensor([[-100, 1, -100]])
    loss_sum, n = sft_loss(logits, labels)
    assert int(n) == 1
    assert math.isclose(float(loss_sum), -math.log(0.75), rel_tol=1e-6)


def test_matches_naive_loop():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 7, 11, generator=g)
    labels = torch.randint(0, 11, (3, 7), generator=g)
    labels[torch.rand(3, 7, generator=g) < 0.4] = -100
    labels[2] = -100  # a row with nothing to learn
    loss_sum, n = sft_loss(logits, labels)
    ref_sum, ref_n = naive_sft_loss(logits, labels)
    assert int(n) == ref_n
    assert math.isclose(float(loss_sum), ref_sum, rel_tol=1e-5)


def test_all_ignored_is_zero_and_gradients_flow():
    logits = torch.randn(2, 4, 5, requires_grad=True)
    loss_sum, n = sft_loss(logits, torch.full((2, 4), -100))
    assert int(n) == 0 and float(loss_sum.detach()) == 0.0
    labels = torch.tensor([[-100, 1, 2, -100], [-100, -100, -100, 4]])
    loss_sum, n = sft_loss(logits, labels)
    loss_sum.backward()
    # Only positions whose next label counts get a gradient: (0,0), (0,1), (1,2).
    touched = logits.grad.abs().sum(-1) > 0
    assert touched.tolist() == [[True, True, False, False], [False, False, True, False]]


def test_bf16_logits_are_scored_in_fp32():
    logits = torch.randn(1, 3, 6).bfloat16()
    loss_sum, _ = sft_loss(logits, torch.tensor([[0, 1, 2]]))
    assert loss_sum.dtype == torch.float32
