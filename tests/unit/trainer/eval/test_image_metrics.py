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
    with torch.no_grad():  # as inside an evaluation, where the first use on a worker trains it
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


def naive_precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int) -> tuple[float, float]:
    def radius(points, i):
        d = sorted(float(torch.dist(points[i], points[j])) for j in range(len(points)) if j != i)
        return d[k - 1]

    def share(points, centres):
        radii = [radius(centres, j) for j in range(len(centres))]
        inside = [any(float(torch.dist(p, centres[j])) <= radii[j] for j in range(len(centres))) for p in points]
        return sum(inside) / len(points)

    return share(fake, real), share(real, fake)


def test_precision_recall_matches_a_naive_loop_and_hand_cases():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(40, 5, generator=g), torch.randn(30, 5, generator=g) * 1.5 + 0.5
    got = E.precision_recall(real, fake, k=3)
    want = naive_precision_recall(real, fake, 3)
    assert got == pytest.approx(want, abs=1e-12)
    # By hand: reals on a unit grid line (3-NN radius 2 for the inner points); one fake on the
    # line, one far away -> precision 1/2; the fakes' own 1-NN balls do not reach most reals.
    line = torch.tensor([[float(i), 0.0] for i in range(8)])
    two = torch.tensor([[3.0, 0.0], [100.0, 0.0]])
    p, _ = E.precision_recall(line, torch.cat([two, two + 0.01]), k=1)
    assert p == 0.5
    # Identical sets: both 1; a collapsed generator (one point) keeps precision, loses recall.
    assert E.precision_recall(real, real) == (1.0, 1.0)
    collapsed = real[:1].repeat(10, 1) + 1e-9 * torch.randn(10, 5, generator=g)
    p, r = E.precision_recall(real, collapsed)
    assert p == 1.0 and r < 0.1
    with pytest.raises(ValueError, match="more than 3"):
        E.precision_recall(real, real[:3])


def test_an_image_evaluation_measures_what_generate_serves(short_classifier, tmp_path):
    from kiln_trainer.errors import ConfigError
    from kiln_trainer.eval.run import Progress, evaluate
    from kiln_trainer.eval.spec import EvalSpec
    from kiln_trainer.inference.images import load_image_model, sample_images
    from kiln_trainer.models.gan import GANShape, Generator, save_generator
    from kiln_trainer.models.vae import ConvVAE, VAEShape, save_vae

    torch.manual_seed(0)
    save_vae(ConvVAE(VAEShape(8, 1, 4, 4, "bce")).eval(), tmp_path / "vae")
    save_generator(Generator(GANShape(8, 1, 8, 4)).eval(), tmp_path / "gan")
    seen: list[Progress] = []
    spec = EvalSpec(
        metrics=("fid", "precision_recall", "class_coverage", "test_elbo"),
        model=str(tmp_path / "vae"),
        dataset_path="builtin:digits",
        dataset_format="image",
        sampling={"seed": 5},
        max_records=40,
    )
    got = evaluate(spec, seen.append, interval_s=0)
    assert set(got) == {
        "fid",
        "precision",
        "recall",
        "class_coverage",
        "class_kl",
        "test_elbo_nats",
        "test_bits_per_dim",
    }
    assert seen[-1].completed_records == seen[-1].total_records == 40 and seen[-1].results == got
    assert got["test_elbo_nats"] < 0 and got["test_bits_per_dim"] > 0 and 0 <= got["class_coverage"] <= 10
    # The evaluated images are the served ones: recomputing from Generate's pixels agrees.
    served = torch.from_numpy(sample_images(load_image_model(tmp_path / "vae"), 40, 5)).permute(0, 3, 1, 2) / 255.0
    assert got["fid"] == pytest.approx(E.fid(E.heldout_images(), served), rel=1e-6)
    assert got["fid"] > 100  # an untrained model is far from the data (the real floor is about 19)

    with pytest.raises(ConfigError) as err:
        evaluate(EvalSpec(**{**spec.__dict__, "model": str(tmp_path / "gan")}))
    assert err.value.field == "metrics"  # test_elbo needs a VAE
    with pytest.raises(ConfigError) as err:
        EvalSpec(**{**spec.__dict__, "metrics": ("fid", "perplexity")})
    assert err.value.field == "metrics"
