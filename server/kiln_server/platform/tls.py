"""Binding the gateway's port: plaintext by default (loopback), TLS with a server certificate,
and mutual TLS when a client CA is given (every client presents a certificate it signed; one
whose subject an admin mapped authenticates its tenant without an API key)."""

from __future__ import annotations

import grpc
from grpc import aio

from kiln_server.platform.config import KilnConfig


def server_credentials(config: KilnConfig) -> grpc.ServerCredentials | None:
    """None without a certificate (plaintext); read once at start, so a renewed certificate
    takes a gateway restart (rolling, behind a load balancer)."""
    if config.tls_cert_file is None or config.tls_key_file is None:
        return None
    pair = (config.tls_key_file.read_bytes(), config.tls_cert_file.read_bytes())
    client_ca = config.tls_client_ca_file.read_bytes() if config.tls_client_ca_file else None
    # gRPC Python offers no "verify if presented" mode: without require_client_auth the server
    # does not even ask for a certificate. So a client CA means mutual TLS for every connection.
    return grpc.ssl_server_credentials([pair], root_certificates=client_ca, require_client_auth=client_ca is not None)


def bind(server: aio.Server, config: KilnConfig) -> int:
    """Adds the listening port; returns its number (the one picked, for port 0)."""
    address = f"{config.host}:{config.port}"
    credentials = server_credentials(config)
    if credentials is None:
        return server.add_insecure_port(address)
    return server.add_secure_port(address, credentials)
