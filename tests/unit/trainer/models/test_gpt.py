"""kiln-gpt: causality, packed (block-diagonal) attention, positions, KV cache, generation."""

import pytest
import torch

from kiln_trainer.models.gpt import GPT, GPTConfig, attention_mask_for, positions_from_doc_ids

CFG = GPTConfig(vocab_size=97, block_size=32, n_layer=2, n_head=2, n_embd=16)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return GPT(CFG).eval()


def test_config_rejects_bad_values():
    with pytest.raises(ValueError, match="divisible"):
        GPTConfig(n_embd=10, n_head=3)
    with pytest.raises(ValueError, match="n_layer"):
        GPTConfig(n_layer=0)
    with pytest.raises(ValueError, match="dropout"):
        GPTConfig(dropout=1.0)


def test_logits_shape_and_tied_embeddings(model):
    ids = torch.randint(0, 97, (3, 7))
    assert model(ids).shape == (3, 7, 97)
    names = [n for n, _ in model.named_parameters()]
    assert "wte.weight" in names and not any("lm_head" in n for n in names)


def test_causal_future_tokens_do_not_change_past_logits(model):
    ids = torch.randint(0, 97, (1, 10))
    changed = ids.clone()
    changed[0, 6:] = (changed[0, 6:] + 1) % 97
    with torch.no_grad():
        a, b = model(ids), model(changed)
    torch.testing.assert_close(a[:, :6], b[:, :6])
    assert not torch.allclose(a[:, 6:], b[:, 6:])


def test_positions_from_doc_ids_restart_per_document():
    doc = torch.tensor([[0, 0, 0, 1, 1, 2, -1, -1], [0, 0, 0, 0, 0, 0, 0, 0]])
    assert positions_from_doc_ids(doc).tolist() == [
        [0, 1, 2, 0, 1, 0, 0, 1],
        list(range(8)),
    ]


def test_block_diagonal_mask():
    doc = torch.tensor([[0, 0, 1, 1]])
    mask = attention_mask_for(4, 0, doc, None, torch.device("cpu"))[0, 0]
    assert mask.int().tolist() == [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 1]]


def test_packed_row_equals_documents_alone(model):
    a, b, c = (torch.randint(0, 97, (1, n)) for n in (5, 9, 3))
    ids = torch.cat([a, b, c], dim=1)
    doc = torch.tensor([[0] * 5 + [1] * 9 + [2] * 3])
    with torch.no_grad():
        packed = model(ids, doc_ids=doc)
        alone = torch.cat([model(a), model(b), model(c)], dim=1)
    torch.testing.assert_close(packed, alone, atol=1e-5, rtol=1e-5)


def test_kv_cache_matches_full_forward(model):
    ids = torch.randint(0, 97, (2, 12))
    with torch.no_grad():
        full = model(ids)
        logits, cache = model(ids[:, :5], use_cache=True)
        steps = [logits]
        assert len(cache) == CFG.n_layer and cache[0][0].shape == (2, 2, 5, 8)  # (B, nh, T, hs)
        logits, cache = model(ids[:, 5:8], past_key_values=cache, use_cache=True)  # a chunk
        steps.append(logits)
        for t in range(8, 12):  # then one token at a time
            logits, cache = model(ids[:, t : t + 1], past_key_values=cache, use_cache=True)
            steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-5)


def test_left_padded_batch_with_attention_mask(model):
    short, long = torch.randint(0, 97, (1, 4)), torch.randint(0, 97, (1, 6))
    ids = torch.cat([torch.cat([torch.zeros(1, 2, dtype=torch.long), short], 1), long])
    mask = torch.tensor([[0, 0, 1, 1, 1, 1], [1] * 6])
    with torch.no_grad():
        batched = model(ids, attention_mask=mask)
        torch.testing.assert_close(batched[0, 2:], model(short)[0], atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(batched[1], model(long)[0], atol=1e-5, rtol=1e-5)


def test_generate_is_greedy_and_stops_at_eos(model):
    prompt = torch.randint(0, 97, (2, 4))
    out = model.generate(prompt, max_new_tokens=6)
    assert out.shape == (2, 10) and torch.equal(out[:, :4], prompt)
    # Greedy: each new token is the argmax of a full forward over what came before.
    with torch.no_grad():
        assert torch.equal(model(out[:, :-1])[:, 3:].argmax(-1), out[:, 4:])
    eos = int(out[0, 4])  # the first token row 0 generates
    stopped = model.generate(prompt[:1], max_new_tokens=6, eos_token_id=eos)
    assert stopped.shape == (1, 5) and int(stopped[0, -1]) == eos


def test_too_long_input_is_rejected(model):
    with pytest.raises(ValueError, match="block_size"):
        model(torch.zeros(1, 33, dtype=torch.long))
    with pytest.raises(ValueError, match="past_key_values"):
        _, cache = model(torch.zeros(1, 2, dtype=torch.long), use_cache=True)
        model(torch.zeros(1, 2, dtype=torch.long), doc_ids=torch.zeros(1, 2), past_key_values=cache)
