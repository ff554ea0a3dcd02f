"""Adversarial training in embedding space: FGSM and K-step PGD perturbations of the input
embeddings inside an L-infinity ball of radius epsilon (Madry et al., 2018; for language models
as in FreeLB, Zhu et al., 2020, without its gradient accumulation over the ascent steps).

The perturbation is added by a forward hook on the input embedding module, so any model whose
token embeddings come from one module works (kiln-gpt's `wte`, a Hugging Face model's
`get_input_embeddings()`). The ascent steps differentiate only with respect to the
perturbation: no parameter gradients are accumulated until the final adversarial loss.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

from kiln_trainer.models.gpt import GPT


def input_embedding(model: nn.Module) -> nn.Module:
    """The module whose output are the token embeddings."""
    for module in model.modules():
        if isinstance(module, GPT):
            return module.wte
    get = getattr(model, "get_input_embeddings", None)
    if get is not None:
        return get()
    raise ValueError(f"cannot find the input embeddings of {type(model).__name__}")


class Perturbation:
    """Adds `delta` to the embedding module's output while active; the first forward creates
    delta (zeros, or uniform in [-epsilon, epsilon] for a random start) in the output's shape."""

    def __init__(self, embedding: nn.Module, epsilon: float, random_start: bool):
        self.embedding, self.epsilon, self.random_start = embedding, epsilon, random_start
        self.delta: torch.Tensor | None = None

    def _hook(self, module: nn.Module, args: object, output: torch.Tensor) -> torch.Tensor:
        if self.delta is None:
            delta = torch.zeros_like(output, dtype=torch.float32)
            if self.random_start:
                delta.uniform_(-self.epsilon, self.epsilon)
            self.delta = delta.requires_grad_()
        return output + self.delta.to(output.dtype)

    @contextmanager
    def active(self) -> Iterator[Perturbation]:
        handle = self.embedding.register_forward_hook(self._hook)
        try:
            yield self
        finally:
            handle.remove()


def adversarial_loss(
    ascent_loss: Callable[[], torch.Tensor],
    final_loss: Callable[[], torch.Tensor],
    embedding: nn.Module,
    *,
    epsilon: float,
    steps: int,
    step_size: float,
    random_start: bool,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(the loss at the perturbed embeddings, the perturbation).

    `steps` sign-gradient ascent steps of `step_size` on the perturbation (evaluating
    `ascent_loss`), each projected back into the epsilon ball; then `final_loss` at the final
    perturbation, for the parameter update. FGSM is one step of size epsilon from zero.
    """
    perturbation = Perturbation(embedding, epsilon, random_start)
    with perturbation.active():
        for _ in range(steps):
            loss = ascent_loss()
            assert perturbation.delta is not None  # created by the forward
            (grad,) = torch.autograd.grad(loss, perturbation.delta)
            moved = perturbation.delta.detach() + step_size * grad.sign()
            perturbation.delta = moved.clamp(-epsilon, epsilon).requires_grad_()
        assert perturbation.delta is not None
        perturbation.delta = perturbation.delta.detach()
        return final_loss(), perturbation.delta
