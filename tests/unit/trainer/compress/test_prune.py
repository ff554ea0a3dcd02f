"""Pruning functions: exact counts, which entries go, hand-computed examples."""

import pytest
import torch

from kiln_trainer.compress.prune import magnitude_mask, prune_magnitude, prune_rows, row_mask, sparsity_of


def test_magnitude_hand_example():
    w = torch.tensor([[0.1, -2.0, 0.3], [-0.05, 1.0, -0.2]])
    pruned = prune_magnitude(w, 0.5)
    assert torch.equal(pruned, torch.tensor([[0.0, -2.0, 0.3], [0.0, 1.0, 0.0]]))
    assert w[0, 0] == 0.1  # input untouched


@pytest.mark.parametrize("sparsity", [0.0, 0.1, 0.5, 0.9])
def test_magnitude_hits_target_and_keeps_largest(sparsity):
    w = torch.randn(37, 53, generator=torch.Generator().manual_seed(0))
    pruned = prune_magnitude(w, sparsity)
    assert int((pruned == 0).sum()) == round(sparsity * w.numel())
    kept = w[pruned != 0].abs()
    dropped = w[pruned == 0].abs()
    if len(kept) and len(dropped):
        assert dropped.max() <= kept.min()


def test_magnitude_ties_still_give_exact_count():
    w = torch.ones(4, 4)
    assert int((~magnitude_mask(w, 0.25)).sum()) == 4


def test_rows_hand_example():
    w = torch.tensor([[3.0, 4.0], [0.1, 0.1], [1.0, 0.0], [0.0, -10.0]])  # norms 5, .14, 1, 10
    b = torch.tensor([1.0, 2.0, 3.0, 4.0])
    pw, pb = prune_rows(w, 0.5, b)
    assert row_mask(w, 0.5).tolist() == [True, False, False, True]
    assert pw.tolist() == [[3.0, 4.0], [0.0, 0.0], [0.0, 0.0], [0.0, -10.0]]
    assert pb.tolist() == [1.0, 0.0, 0.0, 4.0]


def test_rows_without_bias():
    w = torch.randn(10, 8, generator=torch.Generator().manual_seed(1))
    pw, pb = prune_rows(w, 0.3)
    assert pb is None
    assert int((pw.abs().sum(dim=1) == 0).sum()) == 3
    assert sparsity_of(pw) == pytest.approx(0.3)


@pytest.mark.parametrize("bad", [-0.1, 1.0, 1.5])
def test_bad_sparsity_is_rejected(bad):
    with pytest.raises(ValueError, match="sparsity"):
        prune_magnitude(torch.ones(2, 2), bad)
    with pytest.raises(ValueError, match="sparsity"):
        prune_rows(torch.ones(2, 2), bad)
