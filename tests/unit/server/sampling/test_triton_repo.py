"""Triton repository entries (render, write, export checks), ExportModel validation, and the
Python-backend model's fail-fast config checks (with a stand-in for Triton's pb_utils)."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from kiln.v1 import models_pb2
from kiln_server.models.spec import parse_export
from kiln_server.platform.errors import FailedPrecondition, InvalidArgument
from kiln_server.sampling.triton_repo import TEMPLATE_DIR, TritonEntry, render_config, verify_export, write_entry


def entry(**kw) -> TritonEntry:
    return TritonEntry(**{"name": "kiln-t-m1", "model_path": "kiln-gpt-tiny", "model_version": "m1@abc", **kw})


def test_render_fills_every_field():
    text = render_config(entry(instance_count=3, instance_kind="KIND_GPU"))
    assert "${" not in text
    assert 'name: "kiln-t-m1"' in text and 'backend: "python"' in text
    assert "decoupled: true" in text and "count: 3" in text and "kind: KIND_GPU" in text
    assert 'string_value: "kiln-gpt-tiny"' in text and 'string_value: "m1@abc"' in text


@pytest.mark.parametrize("kw", [{"instance_kind": "KIND_TPU"}, {"instance_count": 0}, {"model_path": 'a"b'}])
def test_entry_rejects_bad_values(kw):
    with pytest.raises(ValueError):
        entry(**kw)


def test_write_entry_lays_out_the_model(tmp_path):
    out = write_entry(tmp_path, entry())
    assert (out / "config.pbtxt").read_text() == render_config(entry())
    assert (out / "1" / "model.py").read_text() == (TEMPLATE_DIR / "model.py").read_text()


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory):
    from kiln_trainer.compress import export_model

    out = tmp_path_factory.mktemp("export") / "int8"
    export_model("kiln-gpt-tiny", out, quantization="int8")
    return out


def test_verify_export_accepts_a_clean_export(export_dir):
    verify_export(export_dir)


def test_verify_export_names_tampered_weights(export_dir, tmp_path):
    import shutil

    bad = Path(shutil.copytree(export_dir, tmp_path / "bad"))
    weights = bad / "quantized.safetensors"
    data = bytearray(weights.read_bytes())
    data[-10] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(FailedPrecondition, match="sha256"):
        verify_export(bad)
    manifest = json.loads((bad / "kiln_compress.json").read_text())
    manifest["format_version"] = 99
    (bad / "kiln_compress.json").write_text(json.dumps(manifest))
    with pytest.raises(FailedPrecondition, match="format_version"):
        verify_export(bad)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"name": "models/m-1"}, "quantization"),
        ({"name": "models/m-1", "quantization": 1, "activation_aware": True}, "calibration_dataset"),
        (
            {
                "name": "models/m-1",
                "prune_sparsity": 0.3,
                "activation_aware": True,
                "calibration_dataset": "datasets/d-1",
            },
            "activation_aware",
        ),
        ({"name": "models/m-1", "quantization": 2, "group_size": 96}, "group_size"),
        ({"name": "models/m-1", "quantization": 2, "group_size": 8}, "group_size"),
        ({"name": "models/m-1", "prune_sparsity": float("nan")}, "prune_sparsity"),
        ({"name": "models/m-1", "quantization": 1, "calibration_dataset": "nope"}, "calibration_dataset"),
        ({"quantization": 1}, "name"),
    ],
)
def test_parse_export_field_violations(kw, field):
    with pytest.raises(InvalidArgument) as err:
        parse_export(models_pb2.ExportModelRequest(**kw))
    assert field in [v.field for v in err.value.violations]


def test_parse_export_defaults():
    spec = parse_export(models_pb2.ExportModelRequest(name="models/m-1", quantization=2, request_id="r"))
    assert (spec.quantization, spec.group_size, spec.prune_sparsity) == ("int4", 128, 0.0)
    same = parse_export(models_pb2.ExportModelRequest(name="models/m-1", quantization=2, request_id="other"))
    assert spec.fingerprint() == same.fingerprint()  # the key is not part of the request's identity


# -- the Python-backend model: fail fast on a wrong config.pbtxt ---------------------------------

_TRITON_DTYPES = {"TYPE_UINT8": np.uint8, "TYPE_INT8": np.int8, "TYPE_FP32": np.float32, "TYPE_STRING": np.object_}


@pytest.fixture
def model_module(monkeypatch):
    fake = types.ModuleType("triton_python_backend_utils")
    fake.triton_string_to_numpy = _TRITON_DTYPES.get
    fake.using_decoupled_model_transaction_policy = lambda c: c.get("model_transaction_policy", {}).get("decoupled")
    fake.TRITONSERVER_RESPONSE_COMPLETE_FINAL = 1
    monkeypatch.setitem(sys.modules, "triton_python_backend_utils", fake)
    spec = importlib.util.spec_from_file_location("kiln_triton_model", TEMPLATE_DIR / "model.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _config(**over) -> dict:
    cfg = {
        "name": "m",
        "max_batch_size": 64,
        "model_transaction_policy": {"decoupled": True},
        "input": [{"name": "REQUEST", "data_type": "TYPE_UINT8", "dims": [-1]}],
        "output": [{"name": "ITEM", "data_type": "TYPE_UINT8", "dims": [-1]}],
        "parameters": {
            k: {"string_value": v}
            for k, v in {
                "model_path": "kiln-gpt-tiny",
                "model_version": "v",
                "engine_max_batch": "4",
                "engine_max_queue": "8",
            }.items()
        },
    }
    cfg.update(over)
    return cfg


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"model_transaction_policy": {}}, "decoupled"),
        ({"input": [{"name": "REQUEST", "data_type": "TYPE_STRING", "dims": [1]}]}, "TYPE_UINT8"),
        ({"output": [{"name": "ITEM", "data_type": "TYPE_FP32", "dims": [-1]}]}, "TYPE_UINT8"),
        ({"output": [{"name": "OUT", "data_type": "TYPE_UINT8", "dims": [-1]}]}, "no output named 'ITEM'"),
        ({"parameters": {}}, "model_path"),
        (
            {
                "parameters": {
                    "model_path": {"string_value": "/no/such/dir"},
                    "model_version": {"string_value": "v"},
                    "engine_max_batch": {"string_value": "4"},
                    "engine_max_queue": {"string_value": "8"},
                }
            },
            "neither a built-in model nor a directory",
        ),
    ],
)
def test_model_initialize_fails_fast_on_a_wrong_config(model_module, over, message):
    with pytest.raises(model_module.ConfigProblem, match=message):
        model_module.TritonPythonModel().initialize({"model_config": json.dumps(_config(**over))})


def test_model_reads_tensor_dtypes_from_the_config(model_module):
    import torch

    cfg = _config(output=[{"name": "ITEM", "data_type": "TYPE_INT8", "dims": [-1]}])
    assert model_module._tensor_dtype(cfg["output"], "ITEM", "output") == torch.int8
    assert model_module._tensor_dtype(cfg["input"], "REQUEST", "input") == torch.uint8
