"""A Kiln model on Triton's Python backend: Kiln's continuous-batching engine behind a decoupled model.

kiln_server/sampling/triton_repo.py copies this file to <repository>/<name>/1/model.py next to the
rendered config.pbtxt (triton_template/config.pbtxt), which is the contract: `initialize` reads
the tensor names, dtypes and parameters from it and refuses to load when they are wrong.

The engine is an `EngineReplica` (trainer/kiln_trainer/inference/replica.py) run on a background asyncio
loop, so one instance serves many requests at once: `execute` only hands each request to the
loop and returns. Every request gets its stream items as responses through its response
sender, and every stream ends with TRITONSERVER_RESPONSE_COMPLETE_FINAL, whatever happens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import site
import sys
import threading
from pathlib import Path


def _adopt_pythonpath() -> None:
    """The stub embeds Python in isolated mode, which ignores PYTHONPATH: apply it by hand, ahead
    of the stub's own site-packages, so torch and Kiln come from the environment that started
    Triton (its venv). .pth files (editable installs) are processed too."""
    entries = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    for p in reversed(entries):
        if p not in sys.path:
            sys.path.insert(0, p)
    for p in entries:
        if p.endswith("site-packages"):
            site.addsitedir(p)


_adopt_pythonpath()

import numpy as np  # noqa: E402
import triton_python_backend_utils as pb_utils  # noqa: E402

INPUT, OUTPUT = "REQUEST", "ITEM"
MODES = ("stream", "generate")
_REQUIRED_PARAMS = ("model_path", "model_version", "engine_max_batch", "engine_max_queue")

log = logging.getLogger("kiln.triton.model")


class ConfigProblem(ValueError):
    """config.pbtxt does not describe a Kiln model."""


def _param(config: dict, key: str) -> str:
    value = config.get("parameters", {}).get(key, {}).get("string_value", "")
    if value == "" or "${" in value:
        raise ConfigProblem(f"config.pbtxt of {config.get('name')!r}: parameter {key!r} is missing or unrendered")
    return value


def _int_param(config: dict, key: str, minimum: int) -> int:
    raw = _param(config, key)
    try:
        value = int(raw)
    except ValueError:
        raise ConfigProblem(f"config.pbtxt: parameter {key!r} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise ConfigProblem(f"config.pbtxt: parameter {key!r} must be >= {minimum}, got {value}")
    return value


def _tensor_dtype(entries: list[dict], name: str, kind: str):
    """The torch dtype of a tensor declared in the config; it must hold bytes (JSON text)."""
    import torch

    for entry in entries:
        if entry.get("name") == name:
            declared = entry.get("data_type", "")
            np_dtype = pb_utils.triton_string_to_numpy(declared)
            if np_dtype is None or np.dtype(np_dtype) not in (np.dtype(np.uint8), np.dtype(np.int8)):
                raise ConfigProblem(
                    f"config.pbtxt: {kind} {name!r} carries JSON bytes and must be TYPE_UINT8 "
                    f"(BYTES cannot cross the stub under numpy 2), got {declared or 'nothing'}"
                )
            if list(entry.get("dims", [])) != [-1]:
                raise ConfigProblem(f"config.pbtxt: {kind} {name!r} must have dims [ -1 ], got {entry.get('dims')}")
            return torch.from_numpy(np.empty(0, dtype=np_dtype)).dtype
    raise ConfigProblem(f"config.pbtxt: no {kind} named {name!r} (found {[e.get('name') for e in entries]})")


class TritonPythonModel:
    def initialize(self, args: dict) -> None:
        config = json.loads(args["model_config"])
        self.name = config.get("name", "?")
        if not pb_utils.using_decoupled_model_transaction_policy(config):
            raise ConfigProblem(
                f"config.pbtxt of {self.name!r}: model_transaction_policy must be decoupled; "
                "a Kiln model answers one request with many responses"
            )
        # Tensors are read and built with the dtypes the config declares, not ones assumed here.
        self.input_dtype = _tensor_dtype(config.get("input", []), INPUT, "input")
        self.output_dtype = _tensor_dtype(config.get("output", []), OUTPUT, "output")
        self.batched = int(config.get("max_batch_size", 0)) > 0
        model_path = _param(config, "model_path")
        from kiln_trainer.models.registry import is_builtin

        if not (is_builtin(model_path) or Path(model_path).is_dir()):
            raise ConfigProblem(f"config.pbtxt: model_path {model_path!r} is neither a built-in model nor a directory")
        version = _param(config, "model_version")
        max_batch = _int_param(config, "engine_max_batch", 1)
        max_queue = _int_param(config, "engine_max_queue", 1)
        threads_raw = config.get("parameters", {}).get("torch_threads", {}).get("string_value", "0")
        threads = int(threads_raw) if threads_raw.isdigit() else 0

        from kiln_trainer.inference.replica import EngineReplica

        # load_for_serving inside: a compressed export loads through kiln_trainer.compress (Kiln's
        # quantized kernels); a corrupt one raises CompressError here and the load fails.
        self.replica = EngineReplica(
            model_path, version, max_batch=max_batch, max_queue=max_queue, threads=threads or None
        )
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name=f"kiln-{self.name}", daemon=True)
        self.thread.start()

    def execute(self, requests: list) -> None:
        # Decoupled: responses go out through each request's sender, from the loop's thread.
        for request in requests:
            sender = request.get_response_sender()
            try:
                payload = json.loads(self._read(request))
                mode, body = payload["mode"], payload["request"]
                if mode not in MODES:
                    raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
            except Exception as exc:
                self._send(sender, _error("INVALID_ARGUMENT", f"malformed Triton request: {exc}"), final=True)
                continue
            asyncio.run_coroutine_threadsafe(self._serve(sender, mode, body), self.loop)
        return None

    async def _serve(self, sender, mode: str, body: dict) -> None:
        finished = False
        try:
            if mode == "generate":
                self._send(sender, await self.replica.generate(body), final=True)
                finished = True
                return
            stream = self.replica.stream(body)
            try:
                async for item in stream:
                    if sender.is_cancelled():
                        break  # closing the stream (finally below) frees the engine slots
                    last = "usage" in item or "error" in item
                    self._send(sender, item, final=last)
                    if last:
                        finished = True
                        break
            finally:
                await stream.aclose()
        except Exception as exc:
            log.exception("request failed")
            if not finished:
                self._send(sender, _error("INTERNAL", f"{type(exc).__name__}: {exc}"), final=True)
                finished = True
        finally:
            if not finished:
                sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)

    def _read(self, request) -> bytes:
        from torch.utils.dlpack import from_dlpack

        tensor = pb_utils.get_input_tensor_by_name(request, INPUT)
        if tensor is None:
            raise ValueError(f"input {INPUT!r} is missing")
        data = from_dlpack(tensor.to_dlpack())  # (1, L) batched, else (L,)
        if data.dtype != self.input_dtype:
            raise ValueError(f"input {INPUT!r} is {data.dtype}, the config declares {self.input_dtype}")
        return data.reshape(-1).numpy().tobytes()

    def _send(self, sender, item: dict, final: bool) -> None:
        import torch
        from torch.utils.dlpack import to_dlpack

        data = torch.frombuffer(bytearray(json.dumps(item).encode()), dtype=torch.uint8).to(self.output_dtype)
        if self.batched:
            data = data.reshape(1, -1)  # (batch, L)
        response = pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor.from_dlpack(OUTPUT, to_dlpack(data))])
        sender.send(response, flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL if final else 0)

    def finalize(self) -> None:
        replica = getattr(self, "replica", None)
        if replica is not None:
            replica.engine.stop()
        loop = getattr(self, "loop", None)
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
            self.thread.join(timeout=5)


def _error(code: str, message: str) -> dict:
    return {"error": {"code": code, "field": "", "message": message, "retry_after_s": None}}
