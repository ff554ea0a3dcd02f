"""Embedding-space FGSM and PGD: the perturbation stays in its epsilon ball and raises the loss."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from kiln_trainer.models.gpt import GPT, GPTConfig
from kiln_trainer.training.adversarial import Perturbation, adversarial_loss, input_embedding

pytestmark = pytest.mark.usefixtures("one_thread")


def setup():
    torch.manual_seed(0)
    model = GPT(GPTConfig(vocab_size=64, block_size=16, n_layer=1, n_head=2, n_embd=16))
    x = torch.randint(0, 64, (2, 16))

    def loss() -> torch.Tensor:
        out = model(x)
        logits = out[0] if isinstance(out, tuple) else out
        return F.cross_entropy(logits[:, :-1].flatten(0, 1), x[:, 1:].flatten())

    return model, loss


def test_pgd_stays_in_the_ball_raises_the_loss_and_leaves_parameter_gradients_alone():
    model, loss = setup()
    clean = loss().item()
    eps = 0.05
    adv, delta = adversarial_loss(
        loss, loss, input_embedding(model), epsilon=eps, steps=5, step_size=0.02, random_start=True
    )
    assert delta.shape == (2, 16, 16) and delta.abs().max().item() <= eps + 1e-7
    assert adv.item() > clean + 0.01
    assert all(p.grad is None for p in model.parameters())  # the ascent asked for delta's gradient only
    adv.backward()
    assert model.wte.weight.grad is not None


def test_fgsm_is_one_signed_step_of_epsilon():
    model, loss = setup()
    _, delta = adversarial_loss(loss, loss, model.wte, epsilon=0.03, steps=1, step_size=0.03, random_start=False)
    probe = Perturbation(model.wte, 0.03, random_start=False)  # the gradient at zero perturbation
    with probe.active():
        value = loss()
        (grad,) = torch.autograd.grad(value, probe.delta)
    assert torch.equal(delta, 0.03 * grad.sign())
