"""Two gateways cannot share a port, and a failed bind leaves no private Redis behind.

The second gateway runs in its own process, as it would in production (a second `kiln serve`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import redis

SECOND = textwrap.dedent("""
    import asyncio, sys
    from pathlib import Path
    from kiln_server.platform.app import create_server
    from kiln_server.platform.config import KilnConfig

    async def main():
        config = KilnConfig(port=int(sys.argv[1]), data_dir=Path(sys.argv[2]), log_json=False)
        try:
            await create_server(config)
        except RuntimeError as exc:
            print("bind failed:", exc)
            return 3
        return 0

    sys.exit(asyncio.run(main()))
""")


def _clean_env() -> dict[str, str]:
    """No KILN_ settings; only where to find programs and (in a dev checkout) the code."""
    env = {"GRPC_VERBOSITY": "NONE", "PATH": "/usr/bin:/bin"}
    if "PYTHONPATH" in os.environ:
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


async def test_a_taken_port_fails_the_second_gateway_and_cleans_up(gateway, tmp_path):
    data = tmp_path / "second"
    out = subprocess.run(
        [sys.executable, "-c", SECOND, str(gateway.port), str(data)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_clean_env(),
    )
    assert out.returncode == 3, out.stdout + out.stderr
    assert "bind failed" in out.stdout
    # No KILN_REDIS_URL, so the second gateway started a private Redis first; it must be gone.
    with pytest.raises((redis.ConnectionError, FileNotFoundError, OSError)):
        redis.Redis(unix_socket_path=str(data / "redis" / "redis.sock"), socket_connect_timeout=1).ping()
    assert (data / "redis").is_dir()  # it did start one
