#!/opt/kiln/bin/python
"""Container health checks for images that ship neither curl nor grpc_health_probe.

    kiln-healthcheck grpc 127.0.0.1:50051            grpc.health.v1 Check of the whole server
    kiln-healthcheck http http://127.0.0.1:8265/...  any 2xx answer

Exit 0 when healthy, 1 otherwise, with the reason on stderr (Docker keeps the last outputs in
`docker inspect`). Kubernetes uses its native grpc probe instead of this script.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

TIMEOUT_S = 3.0


def check_grpc(target: str) -> str | None:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(target) as channel:
        try:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=TIMEOUT_S)
        except grpc.RpcError as exc:
            return f"{target}: {exc.code().name} {exc.details()}"
    if reply.status != health_pb2.HealthCheckResponse.SERVING:
        return f"{target}: {health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)}"
    return None


def check_http(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as reply:  # noqa: S310 (local URL)
            return None if 200 <= reply.status < 300 else f"{url}: HTTP {reply.status}"
    except (urllib.error.URLError, OSError) as exc:
        return f"{url}: {exc}"


CHECKS = {"grpc": check_grpc, "http": check_http}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in CHECKS:
        print(f"usage: kiln-healthcheck {{{'|'.join(CHECKS)}}} TARGET", file=sys.stderr)
        return 2
    problem = CHECKS[argv[0]](argv[1])
    if problem:
        print(f"unhealthy: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
