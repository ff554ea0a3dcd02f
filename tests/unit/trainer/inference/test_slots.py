"""The slot KV cache: decode writes in place and gives the same logits as the concatenating path."""

import pytest
import torch

from kiln_trainer.inference.kv import ModelRunner, merge, select
from kiln_trainer.inference.slots import SlotCache, supports_slots
from kiln_trainer.models.loader import load_causal_lm


@pytest.fixture(scope="module")
def tiny():
    lm = load_causal_lm("kiln-gpt-tiny")
    lm.model.eval()
    return lm


def close(a: torch.Tensor, b: torch.Tensor) -> None:
    # torch.allclose, not torch.testing.assert_close: the latter's first call imports ~10 s of
    # machinery on a loaded 2-core machine.
    assert torch.allclose(a, b, rtol=1e-5, atol=1e-5), (a - b).abs().max()


def _setup(lm, prompts):
    runner = ModelRunner(lm)
    logits, batch = runner.prefill(prompts)
    slots = SlotCache(lm.model, max_rows=8, context=lm.max_seq_len)
    slots.add(batch)
    return lm, runner, logits, batch, slots


def test_decode_writes_in_place_and_matches_the_concatenating_cache(tiny):
    prompts = [[5, 9, 11], list(range(20, 37)), [7]]  # ragged: exercises the mask and padding
    lm, runner, logits, batch, slots = _setup(tiny, prompts)
    assert supports_slots(lm.model)
    ptrs = [(k.data_ptr(), v.data_ptr()) for k, v in zip(slots.k, slots.v, strict=True)]
    ref_logits, ref_batch = logits, batch
    for _ in range(12):
        tokens = ref_logits.argmax(-1)
        ref_logits, ref_batch = runner.decode(tokens, ref_batch)
        got = slots.decode(tokens)
        close(got, ref_logits)
        assert got.argmax(-1).tolist() == ref_logits.argmax(-1).tolist()
    # The same storage every step: nothing was reallocated or concatenated (64 columns fit).
    assert [(k.data_ptr(), v.data_ptr()) for k, v in zip(slots.k, slots.v, strict=True)] == ptrs
    assert slots.lengths == [len(p) + 12 for p in prompts]


def test_greedy_tokens_equal_the_models_own_generate(tiny):
    prompt = [3, 14, 15, 92, 65]
    lm, _, logits, _, slots = _setup(tiny, [prompt])
    out = []
    for _ in range(10):
        tok = logits.argmax(-1)
        out.append(int(tok))
        logits = slots.decode(tok)
    ref = lm.model.generate(torch.tensor([prompt]), 10)[0, len(prompt) :].tolist()
    assert out == ref


def test_rows_leaving_and_joining_keep_every_row_exact(tiny):
    prompts = [[1, 2, 3, 4], [8, 8], [30, 31, 32, 33, 34, 35], [40]]
    lm, runner, logits, batch, slots = _setup(tiny, prompts)
    tokens = logits.argmax(-1)
    ref_logits, ref_batch = runner.decode(tokens, batch)
    got = slots.decode(tokens)
    # Rows 0 and 2 finish: the tail row (3) moves into hole 0, row 2's slot is dropped.
    order = slots.remove({0, 2})
    assert order == [3, 1]
    ref_batch = select(ref_batch, order)
    ref_logits, got = ref_logits[order], got[order]
    # A new prompt joins mid-flight.
    new_logits, new_batch = runner.prefill([[50, 51, 52]])
    slots.add(new_batch)
    ref_batch = merge(ref_batch, new_batch)
    tokens = torch.cat([ref_logits.argmax(-1), new_logits.argmax(-1)])
    for _ in range(5):
        ref_logits, ref_batch = runner.decode(tokens, ref_batch)
        got = slots.decode(tokens)
        close(got, ref_logits)
        tokens = ref_logits.argmax(-1)


def test_buffers_grow_by_doubling_and_keep_their_contents(tiny):
    lm, runner, logits, batch, slots = _setup(tiny, [list(range(1, 61))])
    assert slots.columns_capacity == 64
    ref_logits, ref_batch = logits, batch
    for _ in range(8):  # crosses 64 columns: one growth to 128, contents carried over
        tokens = ref_logits.argmax(-1)
        ref_logits, ref_batch = runner.decode(tokens, ref_batch)
        close(slots.decode(tokens), ref_logits)
    assert slots.columns_capacity == 128


def test_an_int8_export_decodes_in_slots_like_its_own_concatenating_path(tiny, tmp_path):
    """ExportModel outputs are served by the same engine: their embeddings are quantized
    buffers (no `.weight`), and the slot path must still build and match the old path."""
    from kiln_trainer.compress import export_model, load_compressed

    export_model(tiny.save(tmp_path / "fp32"), tmp_path / "int8", quantization="int8")
    lm = load_compressed(tmp_path / "int8")
    lm.model.eval()
    assert supports_slots(lm.model)
    _, runner, logits, batch, slots = _setup(lm, [[5, 9, 11], list(range(20, 30))])
    for _ in range(4):
        tokens = logits.argmax(-1)
        logits, batch = runner.decode(tokens, batch)
        close(slots.decode(tokens), logits)
