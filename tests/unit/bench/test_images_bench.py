"""bench.images' pure parts: training images/s from a job's metric events (the warm-up window
skipped), and the targets a result misses."""

import pytest

from bench.images_api import job_metrics, train_images_per_s
from bench.images_docs import misses
from kiln.v1 import jobs_pb2


def event(step: int, **values: float) -> jobs_pb2.JobEvent:
    return jobs_pb2.JobEvent(metrics=jobs_pb2.Metrics(step=step, values=values))


def test_train_rate_weights_each_window_by_its_seconds_and_skips_the_first():
    events = [
        jobs_pb2.JobEvent(log=jobs_pb2.LogLine(level="info", message="data: ...")),
        event(10, loss=1.0, images_per_s=10.0),  # warm-up window: 640 images, skipped
        event(20, loss=0.9, images_per_s=320.0),  # 640 images in 2 s
        event(20, class_coverage=7.0),  # not a training report
        event(25, loss=0.8, images_per_s=80.0),  # a short last window: 320 images in 4 s
    ]
    metrics = job_metrics(events, batch_size=64)
    assert [m["window_images"] for _, m in metrics if "images_per_s" in m] == [640.0, 640.0, 320.0]
    assert metrics[2] == (20, {"class_coverage": 7.0})
    assert train_images_per_s(metrics) == pytest.approx(960 / 6.0)
    assert train_images_per_s(metrics, skip_windows=0) == pytest.approx(1600 / 70.0)
    with pytest.raises(RuntimeError):
        train_images_per_s(metrics[:1])


def test_misses_names_every_target_not_met():
    cov: dict[str, float] = {"fid": 1.0, "precision": 1.0, "recall": 1.0, "class_kl": 0.0}
    models: dict[str, dict[str, float]] = {
        "gan_bce": cov | {"class_coverage": 10},
        "gan_hinge": cov | {"class_coverage": 9},
        "gan_wgan_gp": cov | {"class_coverage": 10},
    }
    result = {
        "noise_fid": 2300.0,
        "train_throughput_ratio": 1.2,
        "sample_throughput_ratio": 0.9,
        "diffusion_fid_ratio": 1.0,
        "vae_fid": 100.0,
        "gan_bce_fid": 300.0,
        "gan_hinge_fid": 50.0,
        "gan_wgan_gp_fid": 60.0,
        "diffusion_fid": 229.0,
        "models": models,
    }
    assert misses(result) == [
        "sample_throughput_ratio 0.9 (target >= 1.0)",
        "gan_bce_fid 300.0 (target < 230, a tenth of noise)",
    ]
    models["gan_wgan_gp"]["class_coverage"] = 8
    assert misses(result)[-1] == "1 of 3 GAN losses cover all 10 classes (target: 2)"
