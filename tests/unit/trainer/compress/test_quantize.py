"""Quantization functions: hand-computed examples, packing, error bounds, AWQ."""

import pytest
import torch

from kiln_trainer.compress.quantize import (
    QuantSpec,
    awq_scale_search,
    dequantize_int4,
    dequantize_int8,
    fake_quantize,
    pack_int4,
    quantize_int4,
    quantize_int8,
    unpack_int4,
)


def test_int8_hand_example():
    w = torch.tensor([[1.27, -0.635, 0.0], [0.0, 0.0, 0.0]])
    q, s = quantize_int8(w)
    assert q.dtype == torch.int8 and s.dtype == torch.float32
    assert torch.allclose(s, torch.tensor([0.01, 0.0]))  # absmax / 127; a zero row keeps 0
    assert q.tolist() == [[127, -64, 0], [0, 0, 0]]  # -63.5 rounds half to even: -64
    assert torch.allclose(dequantize_int8(q, s), torch.tensor([[1.27, -0.64, 0.0], [0.0, 0.0, 0.0]]))


def test_int8_round_trip_error_is_half_a_step():
    w = torch.randn(64, 300, generator=torch.Generator().manual_seed(0))
    q, s = quantize_int8(w)
    err = (dequantize_int8(q, s) - w).abs()
    assert (err <= s[:, None] / 2 + 1e-6).all()
    assert q.abs().amax(dim=1).eq(127).all()  # the per-row absmax lands on the grid's edge


def test_pack_two_nibbles_per_byte():
    q = torch.tensor([[-8, 7, 0, -1]], dtype=torch.int8)
    packed = pack_int4(q)
    # offset binary: -8 -> 0, 7 -> 15, 0 -> 8, -1 -> 7; even column in the low nibble
    assert packed.dtype == torch.uint8 and packed.tolist() == [[0xF0, 0x78]]
    assert torch.equal(unpack_int4(packed), q)


def test_pack_rejects_odd_width():
    with pytest.raises(ValueError, match="even"):
        pack_int4(torch.zeros(1, 3, dtype=torch.int8))


def test_unpack_pack_round_trips_every_value():
    q = torch.arange(-8, 8, dtype=torch.int8).repeat(3, 2)  # (3, 32)
    assert torch.equal(unpack_int4(pack_int4(q)), q)


def test_int4_group_scales_hand_example():
    # Two groups of 32: one with absmax 7 (scale 1 exactly), one all zeros.
    w = torch.zeros(1, 64)
    w[0, :8] = torch.tensor([7.0, -7.0, 1.0, 2.0, 3.0, -3.0, 0.0, 6.0])
    q, s = quantize_int4(w, 32, clip_search=False)
    assert q.shape == (1, 32) and s.shape == (1, 2)
    assert s.tolist() == [[1.0, 0.0]]
    assert torch.equal(dequantize_int4(q, s, 32), w)


def test_int4_scales_are_per_group():
    w = torch.ones(2, 128)
    w[:, 64:] *= 10  # the second half of each row is 10x larger
    _, s = quantize_int4(w, 64, clip_search=False)
    assert s.shape == (2, 2)
    assert torch.allclose(s[:, 1], 10 * s[:, 0])


@pytest.mark.parametrize("group_size", [32, 64, 128])
def test_int4_round_trip_error_bound(group_size):
    w = torch.randn(16, 256, generator=torch.Generator().manual_seed(1))
    q, s = quantize_int4(w, group_size)
    deq = dequantize_int4(q, s, group_size)
    # Inside the clip range the error is at most half a step; clipped values are off by at most
    # (1 - ratio) of the group's absmax plus half a step, ratio >= 0.75.
    step = s.repeat_interleave(group_size, dim=1)
    absmax = w.view(16, -1, group_size).abs().amax(-1).repeat_interleave(group_size, dim=1)
    assert ((deq - w).abs() <= 0.25 * absmax + step / 2 + 1e-6).all()
    rel = (deq - w).norm() / w.norm()
    assert rel < 0.15  # about 1/sqrt(12) steps of absmax/7 per weight


def test_clip_search_lowers_error():
    w = torch.randn(32, 128, generator=torch.Generator().manual_seed(2))
    plain = dequantize_int4(*quantize_int4(w, 128, clip_search=False), 128)
    clipped = dequantize_int4(*quantize_int4(w, 128, clip_search=True), 128)
    assert (clipped - w).pow(2).sum() < (plain - w).pow(2).sum()


def test_int4_shape_checks():
    with pytest.raises(ValueError, match="multiple of group_size"):
        quantize_int4(torch.randn(4, 96), 64)
    with pytest.raises(ValueError, match="group_size"):
        QuantSpec(bits=4, group_size=48)
    with pytest.raises(ValueError, match="bits"):
        QuantSpec(bits=3)


def test_awq_helps_with_outlier_input_channels():
    g = torch.Generator().manual_seed(0)
    k, n = 128, 64
    w = torch.randn(n, k, generator=g) * 0.02
    x = torch.randn(512, k, generator=g)
    x[:, :4] *= 50.0  # a few input channels carry huge activations, as in real LLMs
    spec = QuantSpec(bits=4, group_size=128)
    res = awq_scale_search(w, x, spec)
    assert res.alpha > 0
    assert res.error < 0.9 * res.baseline_error

    # The result really is (x / s) @ Q(W * s)^T, and it beats plain quantization on fresh data.
    x_new = torch.randn(256, k, generator=g)
    x_new[:, :4] *= 50.0
    ref = x_new @ w.T
    plain = x_new @ fake_quantize(w, spec).T
    scaled = (x_new / res.input_scale) @ fake_quantize(w * res.input_scale, spec).T
    assert (scaled - ref).pow(2).mean() < (plain - ref).pow(2).mean()


def test_awq_never_worse_than_plain():
    g = torch.Generator().manual_seed(3)
    w, x = torch.randn(16, 64, generator=g), torch.randn(100, 64, generator=g)
    res = awq_scale_search(w, x, QuantSpec(bits=8))
    assert res.error <= res.baseline_error
    assert res.input_scale.shape == (64,)
