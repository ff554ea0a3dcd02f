"""Image metrics in the reference classifier's feature space: torchmetrics' FID with our
feature extractor, class coverage and class KL. A shortened classifier training keeps it fast;
the orderings tested hold for it as for the full one."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from kiln_trainer.eval import images as E


@pytest.fixture(scope="module")
def short_classifier(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("KILN_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    mp.setattr(E, "_STEPS", 150)
    E.reference_classifier.cache_clear()
    yield E.reference_classifier()
    E.reference_classifier.cache_clear()
    mp.undo()


def test_the_classifier_is_deterministic_cached_and_accurate(short_classifier):
    from kiln_trainer.data import digits

    assert E._cache_file().is_file()
    again = E.train_classifier()
    for a, b in zip(short_classifier.state_dict().values(), again.state_dict().values(), strict=True):
        assert torch.equal(a, b)
    pixels, labels = digits.load_split("test")
    preds = short_classifier(E.to_reference_input(torch.from_numpy(pixels).float()[:, None] / 255)).argmax(1)
    assert (preds.numpy() == labels).mean() > 0.85


def test_fid_orders_real_data_far_below_noise(short_classifier):
    from kiln_trainer.data import digits

    held = E.heldout_images()
    train = torch.from_numpy(digits.load_split("train")[0]).float()[:, None] / 255
    floor = E.fid(train, held)
    noise = E.fid(held, torch.rand(300, 1, 8, 8, generator=torch.Generator().manual_seed(0)))
    assert floor < noise / 10
    assert E.fid(held, held) < 1e-3 * noise  # identical sets
    # Any resolution and RGB are brought to the classifier's 8x8 grey input.
    big = E.heldout_images(16).expand(-1, 3, -1, -1)
    assert E.fid(held, big) < noise / 3  # the 8 -> 16 -> 8 round trip blurs a little


def test_coverage_and_kl_by_hand(short_classifier):
    hist = np.array([0.5, 0.3, 0.04, 0.16, 0, 0, 0, 0, 0, 0])
    assert E.class_coverage(hist) == 3
    uniform = np.full(10, 0.1)
    assert math.isclose(E.class_kl(uniform, uniform), 0.0, abs_tol=1e-12)
    one = np.eye(10)[0]
    assert math.isclose(E.class_kl(one, uniform), math.log(10), rel_tol=1e-4)
    assert E.class_coverage(E.class_histogram(E.heldout_images())) == 10
