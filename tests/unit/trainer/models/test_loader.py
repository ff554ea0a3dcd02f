"""load_causal_lm for built-ins and local Hugging Face directories; exact save/load round trips."""

import json

import pytest
import torch

from kiln_trainer.algorithms.sft import SFTConfig, train
from kiln_trainer.context import LocalContext
from kiln_trainer.data.demo import DEMO_SFT_PATH
from kiln_trainer.models.loader import HF, KILN_GPT, LoadedModel, load_causal_lm
from kiln_trainer.models.tokenizer import load_tokenizer


def assert_same_weights(a: torch.nn.Module, b: torch.nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), k


@pytest.fixture(scope="module")
def hf_dir(tmp_path_factory):
    """A tiny GPT-2 with the Kiln tokenizer, saved like any Hugging Face checkpoint."""
    from transformers import GPT2Config, GPT2LMHeadModel

    path = tmp_path_factory.mktemp("tiny-gpt2")
    tok = load_tokenizer()
    torch.manual_seed(0)
    config = GPT2Config(
        n_layer=2,
        n_embd=64,
        n_head=4,
        n_positions=128,
        vocab_size=len(tok),
        bos_token_id=tok.eos_token_id,
        eos_token_id=tok.eos_token_id,
    )
    GPT2LMHeadModel(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def test_builtin_is_deterministic_per_seed():
    a, b = load_causal_lm("kiln-gpt-tiny", seed=3), load_causal_lm("kiln-gpt-tiny", seed=3)
    assert_same_weights(a.model, b.model)
    c = load_causal_lm("kiln-gpt-tiny", seed=4)
    assert not torch.equal(a.model.wte.weight, c.model.wte.weight)
    assert a.kind == KILN_GPT and a.max_seq_len == 256
    assert a.eos_token_id == a.pad_token_id == 0
    assert 1_000_000 <= a.num_params() <= 2_000_000


def test_builtin_init_leaves_global_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    load_causal_lm("kiln-gpt-tiny", seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_kiln_gpt_save_and_load_is_exact(tmp_path):
    lm = load_causal_lm("kiln-gpt-tiny", seed=5)
    with torch.no_grad():
        lm.model.blocks[0].mlp.c_fc.weight.add_(0.5)  # not the seed's init any more
    out = lm.save(tmp_path / "m")
    assert json.loads((out / "config.json").read_text())["model_type"] == "kiln-gpt"
    assert (out / "model.safetensors").exists() and (out / "tokenizer.json").exists()
    back = load_causal_lm(str(out), seed=99)
    assert back.kind == KILN_GPT
    assert_same_weights(lm.model, back.model)
    text = "What is 3 plus 4?\n7"
    assert back.tokenizer.encode(text) == lm.tokenizer.encode(text)
    assert back.eos_token_id == lm.eos_token_id


def test_unknown_spec(tmp_path):
    with pytest.raises(ValueError, match="neither a built-in"):
        load_causal_lm("gpt-17")
    with pytest.raises(ValueError, match="neither a built-in"):
        load_causal_lm(str(tmp_path))


def test_hf_model_loads_saves_and_packs(hf_dir, tmp_path):
    lm = load_causal_lm(str(hf_dir))
    assert lm.kind == HF and lm.max_seq_len == 128
    assert lm.eos_token_id == lm.pad_token_id == 0
    assert lm.supports_packing()  # GPT-2 honours a 4D additive mask
    lm.model.eval()
    a, b = torch.randint(0, 2000, (1, 6)), torch.randint(0, 2000, (1, 4))
    with torch.no_grad():
        packed = lm.logits(torch.cat([a, b], 1), doc_ids=torch.tensor([[0] * 6 + [1] * 4]))
        alone = torch.cat([lm.logits(a), lm.logits(b)], 1)
    torch.testing.assert_close(packed, alone, atol=1e-5, rtol=1e-5)
    with pytest.raises(ValueError, match="not both"):
        lm.logits(a, doc_ids=torch.zeros_like(a), attention_mask=torch.ones_like(a))
    back = load_causal_lm(str(lm.save(tmp_path / "copy")))
    assert back.kind == HF
    assert_same_weights(lm.model, back.model)


def test_packing_probe_detects_a_model_that_ignores_masks(hf_dir):
    class IgnoresMask(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def get_input_embeddings(self):
            return self.inner.get_input_embeddings()

        def forward(self, input_ids, attention_mask=None, position_ids=None):
            return self.inner(input_ids=input_ids)  # plain causal attention over the whole row

    lm = load_causal_lm(str(hf_dir))
    broken = LoadedModel(IgnoresMask(lm.model), lm.tokenizer, HF, lm.max_seq_len)
    assert not broken.supports_packing()

    class Fails(IgnoresMask):
        def forward(self, input_ids, attention_mask=None, position_ids=None):
            if attention_mask is not None:
                raise TypeError("4D masks are not supported")
            return self.inner(input_ids=input_ids)

    assert not LoadedModel(Fails(lm.model), lm.tokenizer, HF, lm.max_seq_len).supports_packing()


def test_sft_of_a_hugging_face_model_with_lora(hf_dir, tmp_path):
    cfg = SFTConfig(
        base_model=str(hf_dir),
        train_path=str(DEMO_SFT_PATH),
        tuning="lora",
        max_steps=4,
        batch_size=2,
        max_seq_len=64,
        learning_rate=1e-2,
        log_every=2,
        eval_every=4,
        val_fraction=0.01,
        lora_r=4,
    )
    ctx = LocalContext(tmp_path)
    result = train(cfg, ctx)
    assert "hf" in ctx.logs[0] and "packed batches" in ctx.logs[0]
    assert (result.model_dir / "adapter" / "adapter_config.json").exists()
    merged = load_causal_lm(str(result.model_dir))
    base = load_causal_lm(str(hf_dir))
    changed = [k for k, v in merged.model.state_dict().items() if not torch.equal(v, base.model.state_dict()[k])]
    assert changed and all("attn" in k for k in changed)  # peft's GPT-2 default: c_attn
