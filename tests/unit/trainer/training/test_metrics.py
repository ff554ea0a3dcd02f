"""MetricWindow: weighted means and counts between reports."""

import torch

from kiln_trainer.training.distributed import DistInfo
from kiln_trainer.training.metrics import MetricWindow


def test_weighted_means_and_counts():
    window = MetricWindow(torch.device("cpu"))
    window.add({"loss": torch.tensor(2.0), "acc": 0.5}, weight=3)
    window.add({"loss": torch.tensor(4.0)}, weight=1)
    window.add({"grad_norm": 1.5})
    window.count("tokens", 10)
    window.count("tokens", 5)
    means, counts = window.reduce(DistInfo())
    assert means == {"loss": 2.5, "acc": 0.5, "grad_norm": 1.5}
    assert counts == {"tokens": 15.0}
    window.reset()
    assert window.reduce(DistInfo()) == ({}, {})
