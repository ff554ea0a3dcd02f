"""export_model / load_compressed on a tiny built-in GPT (and a tiny Hugging Face Llama)."""

import json

import pytest
import torch

from kiln_trainer.compress import CompressError, export_model, is_compressed, load_compressed
from kiln_trainer.compress.export import MANIFEST_FILE, WEIGHTS_FILE
from kiln_trainer.compress.modules import QuantEmbedding, QuantLinear
from kiln_trainer.models.gpt import GPT, GPTConfig
from kiln_trainer.models.loader import KILN_GPT, LoadedModel, load_causal_lm
from kiln_trainer.models.registry import BUILTIN_MODELS
from kiln_trainer.models.tokenizer import load_tokenizer

# One thread: the kernels' OpenMP workers would only spin against each other on a shared machine.
pytestmark = pytest.mark.usefixtures("one_thread")

TEXTS = [
    "Convert to uppercase: window bridge\nWINDOW BRIDGE",
    "What is the capital of Sweden?\nStockholm",
    "Add 12 and 30.\n42",
    "The quick brown fox jumps over the lazy dog.",
]


@pytest.fixture(scope="module")
def src_dir(tmp_path_factory):
    torch.manual_seed(0)
    cfg = GPTConfig(**BUILTIN_MODELS["kiln-gpt-tiny"])
    path = tmp_path_factory.mktemp("fp32")
    LoadedModel(GPT(cfg), load_tokenizer(), KILN_GPT, cfg.block_size).save(path)
    return path


@pytest.fixture(scope="module")
def int8_dir(src_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("int8")
    report = export_model(src_dir, out, quantization="int8", eval_texts=TEXTS)
    return out, report


def sample_ids() -> torch.Tensor:
    return torch.randint(0, 2048, (2, 24), generator=torch.Generator().manual_seed(0))


def rel_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


def test_int8_export_layout_and_report(src_dir, int8_dir):
    out, report = int8_dir
    assert is_compressed(out) and not is_compressed(src_dir)
    assert {p.name for p in out.iterdir()} >= {"config.json", "tokenizer.json", MANIFEST_FILE, WEIGHTS_FILE}
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    assert manifest["format_version"] == 1 and manifest["quantization"] == "int8"
    assert "wte.qweight" in manifest["quantized_tensors"]
    assert "blocks.0.attn.c_attn.qweight" in manifest["quantized_tensors"]
    assert len(manifest["sha256"]) == 64
    assert report.size_ratio <= 0.30
    assert report.parameter_count == sum(p.numel() for p in load_causal_lm(str(src_dir)).model.parameters())
    # a random-init model's perplexity is ~vocab size; int8 must barely move it
    assert report.perplexity_after == pytest.approx(report.perplexity_before, rel=0.01)


def test_int8_logits_close_to_fp32(src_dir, int8_dir):
    out, _ = int8_dir
    ref = load_causal_lm(str(src_dir)).model.eval()
    q = load_compressed(out)
    assert isinstance(q.model.wte, QuantEmbedding)
    assert isinstance(q.model.blocks[0].mlp.c_fc, QuantLinear)
    ids = sample_ids()
    with torch.no_grad():
        assert rel_error(q.logits(ids), ref(ids)) < 0.02


def test_compressed_model_decodes_with_cache(int8_dir):
    q = load_compressed(int8_dir[0])
    ids = sample_ids()[:1, :8]
    with torch.no_grad():
        out = q.model.generate(ids, max_new_tokens=5)
        full = q.model(out[:, :-1])
    assert out.shape == (1, 13)
    # greedy tokens from the cache agree with a full forward pass
    assert torch.equal(full[0, 7:].argmax(-1), out[0, 8:])


def test_int4_awq_export(src_dir, tmp_path):
    report = export_model(
        src_dir, tmp_path, quantization="int4", group_size=32, activation_aware=True, calibration_texts=TEXTS
    )
    assert report.size_ratio <= 0.18
    assert report.awq_alphas and all(0.0 <= a <= 1.0 for a in report.awq_alphas.values())
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert manifest["group_size"] == 32 and manifest["activation_aware"]
    assert manifest["modules"]["wpe"]["bits"] == 8  # position table stays int8
    ref = load_causal_lm(str(src_dir)).model.eval()
    ids = sample_ids()
    with torch.no_grad():
        # random-init weights are Gaussian, int4's worst case; trained models fare much better
        assert rel_error(load_compressed(tmp_path).logits(ids), ref(ids)) < 0.25


def test_prune_only_export(src_dir, tmp_path):
    report = export_model(src_dir, tmp_path, quantization=None, prune_sparsity=0.5)
    assert report.sparsity == pytest.approx(0.5, abs=1e-3)
    q = load_compressed(tmp_path)
    w = q.model.blocks[0].mlp.c_fc.weight
    assert float((w == 0).float().mean()) == pytest.approx(0.5, abs=1e-3)


def test_structured_prune_with_int8(src_dir, tmp_path):
    export_model(src_dir, tmp_path, quantization="int8", prune_sparsity=0.25, structured=True)
    fc = load_compressed(tmp_path).model.blocks[0].mlp.c_fc
    zero_rows = (fc.qweight == 0).all(dim=1)
    assert int(zero_rows.sum()) == 128  # a quarter of 512 output rows
    assert (fc.bias[zero_rows] == 0).all()


def test_tampered_weights_are_rejected(int8_dir, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(int8_dir[0], bad)
    data = bytearray((bad / WEIGHTS_FILE).read_bytes())
    data[-10] ^= 0xFF
    (bad / WEIGHTS_FILE).write_bytes(bytes(data))
    with pytest.raises(CompressError, match="sha256"):
        load_compressed(bad)


def test_tampered_manifest_is_rejected(int8_dir, tmp_path):
    import shutil

    bad = tmp_path / "bad"
    shutil.copytree(int8_dir[0], bad)
    manifest = json.loads((bad / MANIFEST_FILE).read_text())
    manifest["modules"]["blocks.0.mlp.c_fc"]["bits"] = 4  # codes on disk are int8 (N, K)
    manifest["modules"]["blocks.0.mlp.c_fc"]["group_size"] = 128
    (bad / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(CompressError, match="does not match the manifest"):
        load_compressed(bad)

    manifest["format_version"] = 99
    (bad / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(CompressError, match="format_version"):
        load_compressed(bad)

    (bad / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(CompressError, match="unreadable"):
        load_compressed(bad)
    assert not is_compressed(bad)


def test_not_an_export(src_dir):
    with pytest.raises(CompressError, match="not a compressed export"):
        load_compressed(src_dir)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"quantization": "int3"}, "quantization"),
        ({"quantization": "int4", "group_size": 48}, "group_size"),
        ({"quantization": "int8", "activation_aware": True}, "calibration_texts"),
        ({"quantization": None, "prune_sparsity": 1.0}, "prune_sparsity"),
    ],
)
def test_bad_arguments(src_dir, tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        export_model(src_dir, tmp_path, **kwargs)


def test_hugging_face_linear_layers(tmp_path):
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = load_tokenizer()
    torch.manual_seed(0)
    config = LlamaConfig(
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=4,
        vocab_size=len(tok),
        max_position_embeddings=128,
        eos_token_id=tok.eos_token_id,
        bos_token_id=tok.eos_token_id,
    )
    src = tmp_path / "src"
    LlamaForCausalLM(config).save_pretrained(src)
    tok.save_pretrained(src)
    out = tmp_path / "int4"
    # K = 64 fits group 32; AWQ scales stay as per-layer input scales (no LayerNorm fold for HF)
    export_model(src, out, quantization="int4", group_size=32, activation_aware=True, calibration_texts=TEXTS)
    q = load_compressed(out)
    assert isinstance(q.model.model.layers[0].mlp.down_proj, QuantLinear)
    ref = load_causal_lm(str(src)).model.eval()
    ids = sample_ids()[:, :16]
    with torch.no_grad():
        assert rel_error(q.logits(ids), ref(input_ids=ids).logits) < 0.15
