"""Tokenization with label masks, padded and packed batches, epoch plans, the demo set."""

import json

import pytest
import torch

from kiln_trainer.data.batches import EpochPlan, split_train_val
from kiln_trainer.data.collate import PAD_DOC, pack_bins, packed_batch, pad_batch
from kiln_trainer.data.demo import DEMO_SFT_PATH, DEMO_SIZE, demo_sft_records
from kiln_trainer.data.formats import read_jsonl
from kiln_trainer.data.tokenize import IGNORE, Example, encode_chat_prompt, tokenize_sft
from kiln_trainer.models.loader import load_causal_lm
from kiln_trainer.models.tokenizer import load_tokenizer


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer()


def enc(tok, text):
    return tok.encode(text, add_special_tokens=False)


def test_prompt_completion_labels(tok):
    (ex,), stats = tokenize_sft([{"prompt": "What is 2 plus 2?\n", "completion": "4"}], tok, 64)
    p, c = enc(tok, "What is 2 plus 2?\n"), enc(tok, "4")
    assert ex.input_ids == p + c + [tok.eos_token_id]
    assert ex.labels == [IGNORE] * len(p) + c + [tok.eos_token_id]
    assert stats.trained_tokens == len(c) + 1 and stats.tokens == len(ex)


def test_chat_template_trains_only_assistant_turns(tok):
    msgs = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Bye"},
        {"role": "assistant", "content": "See you"},
    ]
    (ex,), _ = tokenize_sft([{"messages": msgs}], tok, 128)
    eos = tok.eos_token_id
    text = tok.decode(ex.input_ids)
    assert text == (
        "<|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\nHello<|endoftext|>"
        "<|user|>\nBye\n<|assistant|>\nSee you<|endoftext|>"
    )
    trained = [t for t in ex.labels if t != IGNORE]
    assert trained == enc(tok, "Hello") + [eos] + enc(tok, "See you") + [eos]
    # The prompt a sampler would use for the second reply is exactly this example's prefix.
    prompt = encode_chat_prompt(msgs[:4], tok)
    assert ex.input_ids[: len(prompt)] == prompt
    assert ex.labels[len(prompt) :] == ex.input_ids[len(prompt) :]


def test_truncation_and_dropping(tok):
    long = {"prompt": "a " * 5, "completion": "b " * 40}
    no_room = {"prompt": "word " * 40, "completion": "x"}
    examples, stats = tokenize_sft([long, no_room], tok, 16)
    assert len(examples) == 1 and len(examples[0]) == 16
    assert (stats.truncated, stats.dropped, stats.examples) == (2, 1, 1)


def test_pad_batch(tok):
    a, b = Example([5, 6, 7], [IGNORE, 6, 7]), Example([8, 9], [IGNORE, 9])
    batch = pad_batch([a, b], pad_id=0)
    assert batch.input_ids.tolist() == [[5, 6, 7], [8, 9, 0]]
    assert batch.labels.tolist() == [[IGNORE, 6, 7], [IGNORE, 9, IGNORE]]
    assert batch.attention_mask.tolist() == [[1, 1, 1], [1, 1, 0]]
    assert (batch.n_tokens, batch.n_targets) == (5, 3)


def test_pack_bins_first_fit():
    assert pack_bins([5, 4, 3, 2, 6], 8) == [[0, 2], [1, 3], [4]]
    bins = pack_bins([3, 8, 1, 7, 2, 2, 5], 8)
    assert sorted(i for b in bins for i in b) == list(range(7))
    assert all(sum([3, 8, 1, 7, 2, 2, 5][i] for i in b) <= 8 for b in bins)
    with pytest.raises(ValueError, match="max_seq_len"):
        pack_bins([9], 8)


def test_packed_batch_layout():
    a, b, c = Example([1, 2, 3], [IGNORE, 2, 3]), Example([4, 5], [4, 5]), Example([6], [6])
    batch = packed_batch([[a, b], [c]], pad_id=0)
    assert batch.input_ids.tolist() == [[1, 2, 3, 4, 5], [6, 0, 0, 0, 0]]
    # A document's first label is never trained: it would be predicted from the previous one.
    assert batch.labels.tolist() == [[IGNORE, 2, 3, IGNORE, 5], [IGNORE] * 5]
    assert batch.doc_ids.tolist() == [[0, 0, 0, 1, 1], [0, PAD_DOC, PAD_DOC, PAD_DOC, PAD_DOC]]
    assert batch.position_ids.tolist() == [[0, 1, 2, 0, 1], [0, 0, 1, 2, 3]]
    assert (batch.n_tokens, batch.n_targets) == (6, 3)


def test_packing_never_attends_across_documents():
    lm = load_causal_lm("kiln-gpt-tiny", seed=1)
    records = demo_sft_records(12, seed=3)
    examples, _ = tokenize_sft(records, lm.tokenizer, 64)
    bins = pack_bins([len(e) for e in examples], 64)
    assert any(len(b) > 2 for b in bins)
    rows = [[examples[i] for i in b] for b in bins]
    batch = packed_batch(rows, lm.pad_token_id)
    lm.model.eval()
    with torch.no_grad():
        packed = lm.logits(batch.input_ids, doc_ids=batch.doc_ids, position_ids=batch.position_ids)
        for r, row in enumerate(rows):
            start = 0
            for e in row:
                alone = lm.logits(torch.tensor([e.input_ids]))[0]
                torch.testing.assert_close(packed[r, start : start + len(e)], alone, atol=1e-5, rtol=1e-5)
                start += len(e)


def test_split_train_val_is_seeded():
    examples = [Example([i, i], [i, i]) for i in range(20)]
    train, val = split_train_val(examples, 0.1, seed=0)
    assert len(val) == 2 and len(train) == 18
    assert set(map(id, train)).isdisjoint(map(id, val))
    assert split_train_val(examples, 0.1, seed=0)[1] == val
    assert split_train_val(examples, 0.0, seed=0) == (examples, [])
    assert len(split_train_val(examples[:3], 0.1, seed=0)[1]) == 1  # at least one


def _plan(examples, **kw):
    args = dict(packing=True, batch_size=2, max_seq_len=8, pad_id=0, seed=0)
    return EpochPlan(examples, **(args | kw))


def test_epoch_plan_covers_every_example_once_per_epoch():
    # Example i is token i+1 repeated; the pad id is 0, so non-zero tokens identify examples.
    examples = [Example([i + 1] * (1 + i % 4), [i + 1] * (1 + i % 4)) for i in range(30)]
    expected = sorted(t for e in examples for t in e.input_ids)
    for packing in (True, False):
        plan = _plan(examples, packing=packing, grad_accum=2)
        for epoch in range(2):
            seen = [
                t
                for k in range(plan.steps_per_epoch)
                for b in plan.step_batches(epoch, k)
                for t in b.input_ids.flatten().tolist()
                if t != 0
            ]
            assert sorted(seen) == expected
        first = [b.input_ids.tolist() for b in plan.step_batches(0, 0)]
        assert first != [b.input_ids.tolist() for b in plan.step_batches(1, 0)]  # reshuffled
        again = _plan(examples, packing=packing, grad_accum=2)  # same seed, same order
        assert first == [b.input_ids.tolist() for b in again.step_batches(0, 0)]


def test_epoch_plan_shards_ranks_evenly():
    examples = [Example([1] * 3, [1] * 3) for _ in range(10)]  # 10 units when padded
    plans = [_plan(examples, packing=False, batch_size=3, rank=r, world_size=2) for r in (0, 1)]
    # 4 batches over 2 ranks -> 2 each, equal so DDP's all-reduces line up.
    assert [p.batches_per_rank for p in plans] == [2, 2]
    sizes = [[len(b.input_ids) for k in range(p.steps_per_epoch) for b in p.step_batches(0, k)] for p in plans]
    assert sorted(sizes[0] + sizes[1]) == [1, 3, 3, 3]
    assert sum(len(b.input_ids) for p in plans for b in p.eval_batches()) == 10


def test_demo_file_is_reproducible_and_valid():
    lines = DEMO_SFT_PATH.read_text(encoding="utf-8").splitlines()
    assert len(lines) == DEMO_SIZE
    assert [json.loads(line) for line in lines] == demo_sft_records()
    records = read_jsonl(DEMO_SFT_PATH, "sft")
    assert {r["prompt"].split()[0] for r in records} == {"What", "Reverse", "Convert"}
