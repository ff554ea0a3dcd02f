"""Image records on the worker side: the digits split and loading at a resolution."""

from __future__ import annotations

import json

import numpy as np
import pytest

from kiln_trainer.data import digits
from kiln_trainer.data.formats import RecordError
from kiln_trainer.data.images import image_record, load_image_records, resize_square


def test_the_digits_split_is_disjoint_complete_stratified_and_fixed():
    _, labels = digits._digits()
    split = digits.split_indices(labels)
    train, test = split["train"], split["test"]
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(labels) == 1797
    for c in range(10):  # every class held out at ~1/6
        share = np.sum(labels[test] == c) / np.sum(labels == c)
        assert abs(share - digits.HELD_OUT_SHARE) < 0.01
    again = digits.split_indices(labels)
    assert (again["test"] == test).all()


def test_training_jsonl_holds_only_the_training_split(tmp_path):
    path = digits.write_jsonl(tmp_path / "d.jsonl", "train")
    arrays = load_image_records(path, 8)
    train_px, train_lab = digits.load_split("train")
    test_px, _ = digits.load_split("test")
    assert arrays.images.shape == (len(train_px), 1, 8, 8) and arrays.num_classes == 10
    assert (arrays.labels == train_lab).all()
    assert np.allclose(arrays.images[:, 0] * 255, train_px)
    seen = {p.tobytes() for p in train_px}
    # Held-out images never appear in what a job trains on (a few digits coincide pixel for pixel).
    assert sum(p.tobytes() in seen for p in test_px) <= 3


def test_resize_crops_to_a_centred_square():
    px = np.zeros((4, 8, 1), np.uint8)
    px[:, 2:6] = 200  # the centre 4x4 square
    assert (resize_square(px, 4) == 200).all()
    assert resize_square(px, 2).shape == (2, 2, 1)


def test_a_bad_line_on_the_worker_names_the_line(tmp_path):
    path = tmp_path / "x.jsonl"
    good = json.dumps(image_record(np.zeros((2, 2), np.uint8)))
    path.write_text(good + "\n" + json.dumps({"png": "AAAA"}) + "\n")
    with pytest.raises(RecordError) as err:
        load_image_records(path, 4)
    assert err.value.line == 2


def test_the_digits_are_scikit_learns_load_digits():
    from sklearn.datasets import load_digits

    pixels, labels = digits._digits()
    ref = load_digits()
    assert (labels == ref.target).all()
    assert (pixels == np.rint(ref.images * 255 / 16).astype(np.uint8)).all()
