"""NVIDIA Triton Inference Server as a serving target: a local server process and a gRPC client.

`TritonProcess` runs the `tritonserver` binary that the nvidia-pytriton wheel ships (CPU, Python
backend) on 127.0.0.1 with explicit model control; the gateway starts it lazily on the first
TRITON deployment when no KILN_TRITON_URL names an external server. `TritonBackend` loads and
unloads models through Triton's model-control API and samples through decoupled streaming
(`ModelStreamInfer`), speaking the same dict protocol as `EngineReplica`
(trainer/kiln_trainer/inference/replica.py), so the Sampler treats Ray Serve and Triton alike.

Wire format between gateway and model (see triton_template/config.pbtxt): one input REQUEST, a
JSON object {"mode": "stream" | "generate", "request": {...}} as UTF-8 bytes in a UINT8 tensor
of shape (1, L); each response carries one output ITEM, a JSON stream item, the same way. The
model marks the last response of every request with the final flag; its item is the "usage"
item, the whole result in "generate" mode, or an "error" item.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
from collections.abc import AsyncIterator
from pathlib import Path

from kiln_server.platform.errors import FailedPrecondition, Unavailable

log = logging.getLogger("kiln.triton")

INPUT, OUTPUT = "REQUEST", "ITEM"
# Loading a model imports torch and Kiln in a fresh stub process: seconds on a cold CPU.
LOAD_TIMEOUT_S = 180.0
UNLOAD_TIMEOUT_S = 60.0
READY_TIMEOUT_S = 60.0


class TritonNotInstalled(RuntimeError):
    """No tritonserver binary: install nvidia-pytriton or set KILN_TRITON_URL."""


def pytriton_home() -> Path:
    """The tritonserver tree inside the nvidia-pytriton wheel (binary, backends, Python stubs)."""
    import importlib.util

    spec = importlib.util.find_spec("pytriton")
    if spec is None or not spec.submodule_search_locations:
        raise TritonNotInstalled(
            "the nvidia-pytriton package is not installed; it ships the tritonserver binary "
            "(or set KILN_TRITON_URL to an external Triton server)"
        )
    home = Path(next(iter(spec.submodule_search_locations))) / "tritonserver"
    if not (home / "bin" / "tritonserver").is_file():
        raise TritonNotInstalled(f"{home}/bin/tritonserver is missing; reinstall nvidia-pytriton")
    return home


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stub_environment(home: Path) -> dict[str, str]:
    """Environment for tritonserver such that its Python stub imports torch and Kiln like we do."""
    env = dict(os.environ)
    # The stub embeds libpython and starts with an empty sys.path beyond the standard library:
    # hand it ours (the venv's site-packages and the project root), whatever the cwd is.
    paths = [str(Path(p).resolve()) for p in sys.path if p and Path(p).is_dir()]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*_package_roots(), *paths, env.get("PYTHONPATH", "")]))
    # libpython for the stub, and the libraries the wheel vendors (the stub's own rpath only
    # finds them from where the wheel keeps it, not from backends/python).
    libs = [
        sysconfig.get_config_var("LIBDIR") or "",
        str(home.parent.parent / "nvidia_pytriton.libs"),
        env.get("LD_LIBRARY_PATH", ""),
    ]
    env["LD_LIBRARY_PATH"] = os.pathsep.join(p for p in libs if p)
    # Two engines in one small box must not each spawn a thread per core and fight.
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 2) // 2)))
    return env


def _package_roots() -> list[str]:
    """The folders holding kiln_server and kiln_trainer, so the stub finds this very code."""
    roots = []
    for name in ("kiln_server", "kiln_trainer"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            roots.append(str(Path(next(iter(spec.submodule_search_locations))).resolve().parent))
    return roots


class TritonProcess:
    """A private tritonserver on 127.0.0.1 (gRPC only), explicit model control."""

    def __init__(self, root: Path, model_repository: Path, ready_timeout_s: float = READY_TIMEOUT_S):
        self.root = Path(root)
        self.model_repository = Path(model_repository)
        self.ready_timeout_s = ready_timeout_s
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.log_path = self.root / "tritonserver.log"

    def _backend_dir(self, home: Path) -> Path:
        """backends/python of the wheel plus the Python stub for this interpreter (it must sit
        next to libtriton_python.so; the wheel keeps one stub per Python version elsewhere)."""
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        stub = home / "python_backend_stubs" / version / "triton_python_backend_stub"
        if not stub.is_file():
            raise TritonNotInstalled(f"nvidia-pytriton has no Python backend stub for Python {version}")
        dest = self.root / "backends" / "python"
        dest.mkdir(parents=True, exist_ok=True)
        for src in [*(home / "backends" / "python").glob("*.*"), stub]:
            if src.is_file() and not (dest / src.name).exists():
                shutil.copy2(src, dest / src.name)
        return dest.parent

    def start(self) -> str:
        """Starts the server and waits until it is ready; returns its gRPC address."""
        home = pytriton_home()
        self.root.mkdir(parents=True, exist_ok=True)
        self.model_repository.mkdir(parents=True, exist_ok=True)
        backends = self._backend_dir(home)
        port = _free_port()
        cmd = [
            str(home / "bin" / "tritonserver"),
            f"--model-repository={self.model_repository}",
            "--model-control-mode=explicit",
            f"--backend-directory={backends}",
            f"--grpc-port={port}",
            "--grpc-address=127.0.0.1",
            "--allow-http=false",
            "--allow-metrics=false",
            # One model failing to load must not take down the others.
            "--exit-on-error=false",
            "--exit-timeout-secs=5",
        ]
        logfile = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            cmd,
            stdout=logfile,
            stderr=subprocess.STDOUT,
            env=stub_environment(home),
            cwd=self.root,
            start_new_session=True,
        )
        logfile.close()
        self.url = f"127.0.0.1:{port}"
        try:
            self._wait_ready()
        except Exception:
            self.stop()
            raise
        log.info("tritonserver started", extra={"url": self.url, "pid": self.proc.pid})
        return self.url

    def _wait_ready(self) -> None:
        import tritonclient.grpc as grpcclient

        deadline = time.monotonic() + self.ready_timeout_s
        client = grpcclient.InferenceServerClient(self.url)
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"tritonserver exited with {self.proc.returncode}: {self.log_tail()}")
                with contextlib.suppress(Exception):
                    if client.is_server_ready(client_timeout=1.0):
                        return
                time.sleep(0.2)
        finally:
            client.close()
        raise RuntimeError(f"tritonserver not ready after {self.ready_timeout_s:.0f}s: {self.log_tail()}")

    def log_tail(self, n: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except OSError:
            return ""

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout_s: float = 15.0) -> None:
        """SIGTERM (Triton unloads its models and exits), then SIGKILL of the whole group."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            # The group holds the Python stubs too; they must not outlive the server.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, 9)
            proc.wait(5)
        log.info("tritonserver stopped", extra={"returncode": proc.returncode})


class TritonStream:
    """Async iterator of stream items from one decoupled request; `cancel()` stops it."""

    def __init__(self, items: AsyncIterator[dict], call_box: list):
        self._items = items
        self._call_box = call_box

    def __aiter__(self):
        return self

    async def __anext__(self) -> dict:
        return await self._items.__anext__()

    def cancel(self) -> None:
        # Cancelling the gRPC call makes Triton cancel the request; the model sees it through
        # its response sender and frees the engine slots.
        for call in self._call_box:
            call.cancel()


class TritonBackend:
    """Model control and sampling against one Triton server (external, or started on demand)."""

    def __init__(self, url: str | None, model_repository: Path, process_root: Path | None = None):
        self.model_repository = Path(model_repository)
        self._url = url
        # Where a private server lives; None when `url` names an external one.
        self._process_root = None if url else (process_root or self.model_repository.parent)
        self.process: TritonProcess | None = None
        self._client = None
        self._start_lock = asyncio.Lock()

    @property
    def url(self) -> str | None:
        return self._url

    async def ensure_started(self) -> str:
        """The server's address; starts the private server when none is configured, the first time
        and again after it died (its models are gone then: they come back as they are redeployed)."""
        if self._url is not None and (self._process_root is None or self._private_alive()):
            return self._url
        async with self._start_lock:
            if self._url is None or not self._private_alive():
                await self._drop_client()
                process = TritonProcess(self._process_root, self.model_repository)
                try:
                    url = await asyncio.to_thread(process.start)
                except TritonNotInstalled as exc:
                    raise FailedPrecondition(f"target TRITON is not available: {exc}") from exc
                except Exception as exc:
                    raise Unavailable(f"could not start tritonserver: {exc}") from exc
                self.process, self._url = process, url
        return self._url

    def _private_alive(self) -> bool:
        return self.process is not None and self.process.running

    async def _drop_client(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                await self._client.close()
            self._client = None

    def _client_for(self):
        import tritonclient.grpc.aio as grpcclient

        if self._client is None:
            self._client = grpcclient.InferenceServerClient(self._url)
        return self._client

    def _unreachable(self, what: str, exc: Exception) -> Unavailable:
        return Unavailable(f"Triton at {self._url} is unreachable ({what}): {_reason(exc)}")

    # -- model control ---------------------------------------------------------------------------
    async def load(self, model_name: str) -> None:
        """Loads (or reloads) a model from the repository; FAILED_PRECONDITION when the model's own
        initialize fails (bad config or weights), UNAVAILABLE when the server cannot be reached."""
        await self.ensure_started()
        client = self._client_for()
        if not await self._server_live(client):
            raise self._unreachable("load", ConnectionError("server not live"))
        try:
            await client.load_model(model_name, client_timeout=LOAD_TIMEOUT_S)
        except Exception as exc:
            if not await self._server_live(client):
                raise self._unreachable("load", exc) from exc
            raise FailedPrecondition(f"Triton could not load {model_name}: {_reason(exc)}", subject=model_name) from exc

    async def unload(self, model_name: str) -> None:
        """Unloads and waits until Triton no longer lists the model as READY (memory returned)."""
        if self._url is None:
            return  # never started: nothing is loaded
        client = self._client_for()
        try:
            await client.unload_model(model_name, client_timeout=UNLOAD_TIMEOUT_S)
        except Exception as exc:
            raise self._unreachable("unload", exc) from exc
        deadline = time.monotonic() + UNLOAD_TIMEOUT_S
        # UNLOADING still holds the instance (and its memory) until the stub has exited.
        while await self.model_state(model_name) in ("READY", "UNLOADING"):
            if time.monotonic() > deadline:
                raise Unavailable(f"Triton still lists {model_name} as READY {UNLOAD_TIMEOUT_S:.0f}s after unload")
            await asyncio.sleep(0.1)

    async def model_state(self, model_name: str) -> str | None:
        """The model's state in Triton's repository index ("READY", "UNAVAILABLE", ...), or None."""
        client = self._client_for()
        try:
            index = await client.get_model_repository_index(client_timeout=10)
        except Exception as exc:
            raise self._unreachable("repository index", exc) from exc
        for m in index.models:
            if m.name == model_name and m.state:
                return m.state
        return None

    async def _server_live(self, client) -> bool:
        try:
            return bool(await client.is_server_live(client_timeout=2.0))
        except Exception:
            return False

    # -- sampling --------------------------------------------------------------------------------
    async def generate(self, model_name: str, request: dict) -> dict:
        """All completions at once (EngineReplica.generate's result, or an error item)."""
        items = self._items(model_name, request, "generate", [])
        try:
            async for item in items:
                return item
        finally:
            await items.aclose()
        raise Unavailable(f"Triton model {model_name} answered nothing")

    def stream(self, model_name: str, request: dict) -> TritonStream:
        """Stream items as EngineReplica.stream yields them; ends after the usage or error item."""
        box: list = []
        return TritonStream(self._items(model_name, request, "stream", box), box)

    async def _items(self, model_name: str, request: dict, mode: str, call_box: list) -> AsyncIterator[dict]:
        import numpy as np
        import tritonclient.grpc.aio as grpcclient

        if self._url is None:
            raise Unavailable(f"Triton is not running; redeploy {model_name} with target TRITON")
        client = self._client_for()
        payload = json.dumps({"mode": mode, "request": request}).encode()
        data = np.frombuffer(payload, dtype=np.uint8).reshape(1, -1)  # (batch=1, L)
        tensor = grpcclient.InferInput(INPUT, list(data.shape), "UINT8")
        tensor.set_data_from_numpy(data)
        done = asyncio.Event()

        async def requests():
            yield {"model_name": model_name, "inputs": [tensor], "outputs": [grpcclient.InferRequestedOutput(OUTPUT)]}
            # Half-closing the stream before the last response arrives would let Triton end it
            # early; hold it open until the final item has been read.
            await done.wait()

        try:
            responses = client.stream_infer(requests())
        except Exception as exc:
            raise self._unreachable("stream", exc) from exc
        call_box.append(responses)
        try:
            async for result, error in responses:
                if error is not None:
                    raise _model_error(model_name, error)
                item = json.loads(result.as_numpy(OUTPUT).tobytes())
                final = "usage" in item or "error" in item or "completions" in item
                if final:
                    done.set()  # before yielding: a consumer may stop iterating at the final item
                yield item
                if final:
                    return
        except (Unavailable, FailedPrecondition):
            raise
        except asyncio.CancelledError:
            responses.cancel()
            raise
        except Exception as exc:
            raise self._unreachable(f"model {model_name}", exc) from exc
        finally:
            done.set()
        raise Unavailable(f"the stream from Triton model {model_name} ended before its final item")

    async def close(self) -> None:
        await self._drop_client()
        if self.process is not None:
            await asyncio.to_thread(self.process.stop)
            self.process = None


def _reason(exc: Exception) -> str:
    msg = getattr(exc, "message", None)
    text = msg() if callable(msg) else str(exc)
    return text.strip() or type(exc).__name__


def _model_error(model_name: str, error: Exception) -> Exception:
    text = _reason(error)
    if "unknown model" in text or "is not ready" in text or "not found" in text:
        return Unavailable(f"Triton does not serve {model_name} (not loaded; redeploy it): {text}")
    return Unavailable(f"Triton model {model_name} failed: {text}")
