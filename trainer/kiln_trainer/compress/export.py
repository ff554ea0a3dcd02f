"""Export a trained model directory as a compressed one, and load it back for inference.

A compressed directory is self-describing:
- config.json and the tokenizer files, as in the source directory;
- quantized.safetensors: int8 / int4 codes and scales of the quantized modules (tensor names
  `<module>.qweight`, `<module>.scales`, optional `<module>.input_scale` for AWQ, `<module>.bias`)
  and every other tensor of the model unchanged (LayerNorms, biases, ...);
- kiln_compress.json, the manifest: format and version, the quantization, which modules are
  quantized and how, and the sha256 of the weights file.

The weights file is deliberately not named model.safetensors: a loader that does not know the
format (load_causal_lm, transformers) then fails to find weights instead of silently loading
a model with missing or random tensors.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from kiln_trainer.compress.calibrate import collect_inputs, perplexity
from kiln_trainer.compress.modules import CompressedGPT, QuantEmbedding, QuantLinear, set_submodule
from kiln_trainer.compress.prune import prune_magnitude, prune_rows, sparsity_of
from kiln_trainer.compress.quantize import QuantSpec, awq_scale_search, quantize
from kiln_trainer.models.loader import KILN_GPT, LoadedModel, load_causal_lm

FORMAT = "kiln-compress"
FORMAT_VERSION = 1
MANIFEST_FILE = "kiln_compress.json"
WEIGHTS_FILE = "quantized.safetensors"
QUANTIZATIONS = {"int8": 8, "int4": 4}
# Position tables are small and every row is used at every step: int8 keeps them cheap and
# accurate whatever the main scheme is.
_INT8 = QuantSpec(bits=8)


class CompressError(Exception):
    """A compressed export is missing, corrupt, or does not match its manifest."""


@dataclass
class ExportReport:
    out_dir: str
    quantization: str | None
    group_size: int | None  # int4 only
    size_bytes: int  # the exported weights file
    original_size_bytes: int  # the source's weight files
    parameter_count: int  # parameters of the source model
    sparsity: float  # share of zeros over the pruned (linear) weights; 0.0 without pruning
    quantized_modules: list[str] = field(default_factory=list)
    awq_alphas: dict[str, float] = field(default_factory=dict)  # per layer; 0.0 = no scaling won
    perplexity_before: float | None = None  # on eval_texts, when given
    perplexity_after: float | None = None

    @property
    def size_ratio(self) -> float:
        return self.size_bytes / self.original_size_bytes

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "size_ratio": self.size_ratio}


# -------------------------------------------------------------------------------------- export


def _spec(quantization: str | None, group_size: int) -> QuantSpec | None:
    if quantization is None:
        return None
    if quantization not in QUANTIZATIONS:
        raise ValueError(f"quantization must be one of {sorted(QUANTIZATIONS)} or None, got {quantization!r}")
    return QuantSpec(bits=QUANTIZATIONS[quantization], group_size=group_size)


def _layer_spec(spec: QuantSpec, in_features: int) -> QuantSpec:
    # int4 needs K to be a multiple of the group size; such layers fall back to int8.
    return spec if spec.fits(in_features) else _INT8


def _ln_feeding(loaded: LoadedModel) -> dict[str, str]:
    """Linear -> the LayerNorm that is its only input, where AWQ's 1/s can fold into the norm.

    Known for the built-in GPT only; other layers keep a per-layer input scale vector.
    """
    if loaded.kind != KILN_GPT:
        return {}
    out = {}
    for i in range(len(loaded.model.blocks)):
        out[f"blocks.{i}.attn.c_attn"] = f"blocks.{i}.ln_1"
        out[f"blocks.{i}.mlp.c_fc"] = f"blocks.{i}.ln_2"
    return out


def _prune(linears: dict[str, nn.Linear], sparsity: float, structured: bool) -> float:
    zeros = total = 0
    for lin in linears.values():
        if structured:
            w, b = prune_rows(lin.weight.data, sparsity, lin.bias.data if lin.bias is not None else None)
            if b is not None:
                lin.bias.data.copy_(b)
        else:
            w = prune_magnitude(lin.weight.data, sparsity)
        lin.weight.data.copy_(w)
        zeros += round(sparsity_of(w) * w.numel())
        total += w.numel()
    return zeros / max(total, 1)


def _source_weight_bytes(src: Path, loaded: LoadedModel) -> int:
    files = [*src.glob("*.safetensors"), *src.glob("pytorch_model*.bin")]
    if files:
        return sum(f.stat().st_size for f in files)
    return sum(t.numel() * t.element_size() for t in loaded.model.state_dict().values())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_config(loaded: LoadedModel, out: Path) -> None:
    if loaded.kind == KILN_GPT:
        cfg = {"model_type": KILN_GPT, **loaded.model.config.to_dict()}
        (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    else:
        loaded.model.config.save_pretrained(out)
    loaded.tokenizer.save_pretrained(out)


@torch.no_grad()
def export_model(
    src_dir: str | Path,
    out_dir: str | Path,
    *,
    quantization: str | None,
    group_size: int = 128,
    activation_aware: bool = False,
    calibration_texts: list[str] | None = None,
    prune_sparsity: float = 0.0,
    structured: bool = False,
    eval_texts: list[str] | None = None,
) -> ExportReport:
    """Prune and/or quantize the model in `src_dir` into a compressed directory `out_dir`.

    Every nn.Linear is quantized (int4 layers whose width is no multiple of `group_size` fall
    back to int8); for the built-in GPT the token embedding (which is also the tied output
    head) takes the same scheme and the position embedding int8. `activation_aware` runs the
    AWQ scale search on inputs recorded from `calibration_texts`. `eval_texts` are held-out
    texts for perplexity before and after (the after side loads the export back).
    """
    spec = _spec(quantization, group_size)
    if activation_aware and spec is None:
        raise ValueError("activation_aware needs a quantization")
    if activation_aware and not calibration_texts:
        raise ValueError("activation_aware needs calibration_texts")
    if not 0.0 <= prune_sparsity < 1.0:
        raise ValueError(f"prune_sparsity must be in [0, 1), got {prune_sparsity!r}")
    src, out = Path(src_dir), Path(out_dir)
    loaded = load_causal_lm(str(src))
    model = loaded.model.eval()
    ppl_before = perplexity(loaded, eval_texts) if eval_texts else None

    linears = {n: m for n, m in model.named_modules() if isinstance(m, nn.Linear)}
    sparsity = _prune(linears, prune_sparsity, structured) if prune_sparsity > 0 else 0.0
    inputs = collect_inputs(loaded, calibration_texts, list(linears)) if activation_aware else {}
    ln_of = _ln_feeding(loaded)

    tensors: dict[str, torch.Tensor] = {}
    modules: dict[str, dict[str, Any]] = {}
    alphas: dict[str, float] = {}
    if spec is not None:
        for name, lin in linears.items():
            layer_spec = _layer_spec(spec, lin.in_features)
            w = lin.weight.float()  # (N, K)
            input_scale = None
            if name in inputs:
                res = awq_scale_search(w, inputs[name], layer_spec)
                alphas[name] = res.alpha
                if res.alpha > 0:
                    w = w * res.input_scale
                    inv = 1.0 / res.input_scale  # (K,)
                    if name in ln_of:
                        ln = model.get_submodule(ln_of[name])
                        ln.weight.mul_(inv)
                        if ln.bias is not None:
                            ln.bias.mul_(inv)
                    else:
                        input_scale = inv
            tensors[f"{name}.qweight"], tensors[f"{name}.scales"] = quantize(w, layer_spec)
            if lin.bias is not None:
                tensors[f"{name}.bias"] = lin.bias.float()
            if input_scale is not None:
                tensors[f"{name}.input_scale"] = input_scale
            modules[name] = {
                "kind": "linear",
                "bits": layer_spec.bits,
                "group_size": layer_spec.group_size,
                "in_features": lin.in_features,
                "out_features": lin.out_features,
                "bias": lin.bias is not None,
                "input_scale": input_scale is not None,
            }
        if loaded.kind == KILN_GPT:
            for name, emb_spec in (("wte", _layer_spec(spec, model.config.n_embd)), ("wpe", _INT8)):
                emb = model.get_submodule(name)
                tensors[f"{name}.qweight"], tensors[f"{name}.scales"] = quantize(emb.weight, emb_spec)
                modules[name] = {
                    "kind": "embedding",
                    "bits": emb_spec.bits,
                    "group_size": emb_spec.group_size,
                    "num_embeddings": emb.num_embeddings,
                    "embedding_dim": emb.embedding_dim,
                }

    # Everything that is not part of a quantized module travels as is (after LayerNorm folds).
    for key, value in model.state_dict().items():
        if key.rpartition(".")[0] not in modules:
            tensors[key] = value
    # clone: safetensors refuses tensors that share storage (tied weights in HF models).
    tensors = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}

    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    weights = out / WEIGHTS_FILE
    save_file(tensors, str(weights), metadata={"format": "pt", "kiln": FORMAT})
    _write_config(loaded, out)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "model_type": loaded.kind,
        "quantization": quantization,
        "group_size": group_size if spec is not None and spec.bits == 4 else None,
        "activation_aware": activation_aware,
        "prune": {"sparsity": prune_sparsity, "structured": structured},
        "weights_file": WEIGHTS_FILE,
        "sha256": _sha256(weights),
        "quantized_tensors": sorted(k for k in tensors if k.endswith(".qweight")),
        "modules": modules,
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")

    ppl_after = perplexity(load_compressed(out), eval_texts) if eval_texts else None
    return ExportReport(
        out_dir=str(out),
        quantization=quantization,
        group_size=manifest["group_size"],
        size_bytes=weights.stat().st_size,
        original_size_bytes=_source_weight_bytes(src, loaded),
        parameter_count=loaded.num_params(),
        sparsity=sparsity,
        quantized_modules=sorted(modules),
        awq_alphas=alphas,
        perplexity_before=ppl_before,
        perplexity_after=ppl_after,
    )


# ---------------------------------------------------------------------------------------- load


def is_compressed(model_dir: str | Path) -> bool:
    """True if `model_dir` holds a kiln-compress manifest (its integrity is not checked here)."""
    try:
        manifest = json.loads((Path(model_dir) / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == FORMAT


def read_manifest(model_dir: str | Path) -> dict[str, Any]:
    path = Path(model_dir) / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError:
        raise CompressError(f"{model_dir}: no {MANIFEST_FILE}; not a compressed export") from None
    except (OSError, ValueError) as exc:
        raise CompressError(f"{path}: unreadable manifest: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise CompressError(f"{path}: not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise CompressError(
            f"{path}: format_version {manifest.get('format_version')!r} is not supported "
            f"(this build reads {FORMAT_VERSION})"
        )
    for key in ("model_type", "weights_file", "sha256", "modules"):
        if key not in manifest:
            raise CompressError(f"{path}: manifest lacks {key!r}")
    name = manifest["weights_file"]
    if not isinstance(name, str) or Path(name).name != name:
        raise CompressError(f"{path}: weights_file must be a plain file name, got {name!r}")
    return manifest


def _module_for(name: str, entry: dict[str, Any]) -> nn.Module:
    try:
        spec = QuantSpec(bits=entry["bits"], group_size=entry["group_size"])
        if entry["kind"] == "linear":
            return QuantLinear(
                entry["in_features"], entry["out_features"], spec, bias=entry["bias"], input_scale=entry["input_scale"]
            )
        if entry["kind"] == "embedding":
            return QuantEmbedding(entry["num_embeddings"], entry["embedding_dim"], spec)
    except (KeyError, TypeError, ValueError) as exc:
        raise CompressError(f"manifest entry for {name!r} is invalid: {exc!r}") from None
    raise CompressError(f"manifest entry for {name!r} has unknown kind {entry.get('kind')!r}")


def _base_model(path: Path, model_type: str) -> tuple[nn.Module, Any, int]:
    """An fp32 model skeleton of the export's architecture, its tokenizer and context length."""
    if model_type == KILN_GPT:
        from kiln_trainer.models.gpt import GPTConfig
        from kiln_trainer.models.tokenizer import load_tokenizer

        config = json.loads((path / "config.json").read_text())
        config.pop("model_type", None)
        cfg = GPTConfig(**config)
        return CompressedGPT(cfg), load_tokenizer(path / "tokenizer.json"), cfg.block_size

    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer

    from kiln_trainer.models.loader import _hf_max_seq_len

    config = AutoConfig.from_pretrained(path, local_files_only=True)
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer, _hf_max_seq_len(config, tokenizer)


def load_compressed(model_dir: str | Path) -> LoadedModel:
    """Load an export for inference, checking the weights' sha256 and every tensor's shape.

    Raises CompressError naming the problem when the directory is not an export, the weights
    were modified, or the weights and manifest disagree.
    """
    path = Path(model_dir)
    manifest = read_manifest(path)
    weights = path / manifest["weights_file"]
    if not weights.is_file():
        raise CompressError(f"{path}: weights file {weights.name} is missing")
    digest = _sha256(weights)
    if digest != manifest["sha256"]:
        raise CompressError(
            f"{weights}: sha256 {digest[:12]}... does not match the manifest's "
            f"{str(manifest['sha256'])[:12]}...; the export is corrupt or was modified"
        )
    from safetensors.torch import load_file

    try:
        tensors = load_file(str(weights))
        model, tokenizer, max_seq_len = _base_model(path, manifest["model_type"])
    except (OSError, ValueError, TypeError) as exc:
        raise CompressError(f"{path}: cannot read the export: {exc}") from None
    for name, entry in manifest["modules"].items():
        try:
            model.get_submodule(name)
        except AttributeError:
            raise CompressError(f"manifest names module {name!r}, which the model does not have") from None
        set_submodule(model, name, _module_for(name, entry))
    try:
        model.load_state_dict(tensors, strict=True)
    except RuntimeError as exc:
        raise CompressError(f"{weights.name} does not match the manifest: {exc}") from None
    kind = KILN_GPT if manifest["model_type"] == KILN_GPT else "hf"
    return LoadedModel(model.eval(), tokenizer, kind, max_seq_len)
