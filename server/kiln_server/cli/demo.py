"""A gateway running in a background thread of this process: for `kiln demo` and tests.

The server gets its own thread and asyncio loop, so synchronous code (the CLI, a test, a
notebook) can drive it with the blocking KilnClient while it serves.

    with BackgroundServer(KilnConfig(port=0, data_dir=tmp)) as server:
        key = server.create_tenant_key("acme")
        with KilnClient(server.target, key) as kiln:
            ...
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from kiln_server.platform.config import KilnConfig

if TYPE_CHECKING:
    from kiln_server.platform.app import KilnServer

# Starting includes a local Ray instance, which takes several seconds on a cold machine.
_START_TIMEOUT_S = 120.0


class BackgroundServer:
    def __init__(self, config: KilnConfig | None = None):
        self.config = config or KilnConfig(port=0)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: KilnServer | None = None
        self._port: int | None = None
        self._stop_requested: asyncio.Event | None = None
        self._started: concurrent.futures.Future[None] = concurrent.futures.Future()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the server is not running; call start() first")
        return self._port

    @property
    def target(self) -> str:
        """host:port for KilnClient; a wildcard bind is reached over loopback."""
        host = self.config.host
        if host in ("0.0.0.0", "::", "[::]", ""):
            host = "127.0.0.1"
        return f"{host}:{self.port}"

    def start(self, timeout: float = _START_TIMEOUT_S) -> BackgroundServer:
        """Starts the gateway and returns once it serves; startup errors are raised here."""
        if self._thread is not None:
            raise RuntimeError("BackgroundServer.start() called twice")
        from kiln_server.jobs.scheduler import init_ray

        # Ray joins (or starts) in the caller's thread, not the server's: from a non-main
        # thread ray.init cannot install its signal handlers and ray.shutdown at exit stalls
        # for ~15 s. The scheduler's own init_ray then finds Ray initialised and reuses it.
        init_ray(self.config)
        self._thread = threading.Thread(target=self._run, name="kiln-gateway", daemon=True)
        self._thread.start()
        try:
            self._started.result(timeout)
        except BaseException:
            self._thread.join(timeout=5)
            self._thread = None
            raise
        return self

    def stop(self) -> None:
        """Graceful stop (drains RPCs, ends watch streams UNAVAILABLE), then joins the thread."""
        if self._thread is None:
            return
        if self._loop is not None and self._stop_requested is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop_requested.set)
        # grace + scheduler and Redis shutdown; never hang the caller forever.
        self._thread.join(timeout=self.config.shutdown_grace_s + 30)
        self._thread = None
        self._port = None

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def create_tenant_key(self, tenant: str, display_name: str = "") -> str:
        """Creates the tenant if needed and a new API key for it; returns the secret."""

        async def create() -> str:
            assert self._server is not None
            await self._server.tenants.create_tenant(tenant, display_name)
            _, secret = await self._server.tenants.create_key(tenant)
            return secret

        return self.run(create())

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        """Runs a coroutine on the server's loop (where its Redis client lives) and waits."""
        if self._loop is None or self._server is None:
            coro.close()
            raise RuntimeError("the server is not running; call start() first")
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    # -- the server thread ---------------------------------------------------------------------
    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to start() if it is still waiting
            if not self._started.done():
                self._started.set_exception(exc)

    async def _serve(self) -> None:
        from kiln_server.platform.app import create_server  # deferred: pulls in the stores, scheduler, trainer

        self._loop = asyncio.get_running_loop()
        self._stop_requested = asyncio.Event()
        server, port = await create_server(self.config)
        try:
            await server.start()
        except BaseException:
            await server.stop(grace=0)
            raise
        self._server, self._port = server, port
        self._started.set_result(None)
        try:
            await self._stop_requested.wait()
        finally:
            await server.stop()
            self._server = None
