"""TLS and mutual TLS on a live gateway, with certificates each test generates."""

from __future__ import annotations

import grpc
import pytest
from grpc import aio

from kiln.v1 import admin_pb2, admin_pb2_grpc, datasets_pb2, datasets_pb2_grpc
from kiln_server.tenants.record import Role
from tests.e2e.certs import ScratchCA


def secure(port: int, ca: ScratchCA, client=None) -> aio.Channel:
    creds = grpc.ssl_channel_credentials(
        root_certificates=ca.issued.cert.read_bytes(),
        private_key=client.key.read_bytes() if client else None,
        certificate_chain=client.cert.read_bytes() if client else None,
    )
    return aio.secure_channel(f"127.0.0.1:{port}", creds)


async def list_code(channel: aio.Channel, md: tuple = ()) -> grpc.StatusCode:
    try:
        await datasets_pb2_grpc.DatasetServiceStub(channel).ListDatasets(
            datasets_pb2.ListDatasetsRequest(), metadata=md, timeout=10
        )
        return grpc.StatusCode.OK
    except grpc.aio.AioRpcError as err:
        return err.code()
    finally:
        await channel.close()


async def test_tls_serves_only_encrypted_connections(gateway_factory, tmp_path):
    ca = ScratchCA(tmp_path)
    server = ca.issue("server", "localhost", "Kiln", server=True)
    gw = await gateway_factory(tls_cert_file=server.cert, tls_key_file=server.key)
    t = await gw.tenant()
    assert await list_code(secure(gw.port, ca), t.md) == grpc.StatusCode.OK
    assert await list_code(secure(gw.port, ca)) == grpc.StatusCode.UNAUTHENTICATED  # TLS is no key
    assert await list_code(aio.insecure_channel(f"127.0.0.1:{gw.port}"), t.md) == grpc.StatusCode.UNAVAILABLE
    # A client that trusts another CA refuses the server.
    assert await list_code(secure(gw.port, ScratchCA(tmp_path / "..", "Other CA")), t.md) == grpc.StatusCode.UNAVAILABLE


async def test_mutual_tls_maps_client_certificates_to_tenants(gateway_factory, tmp_path):
    ca = ScratchCA(tmp_path)
    server = ca.issue("server", "localhost", "Kiln", server=True)
    gw = await gateway_factory(tls_cert_file=server.cert, tls_key_file=server.key, tls_client_ca_file=ca.issued.cert)
    t = await gw.tenant()
    ci = ca.issue("ci", "ci-runner", "Acme")
    stranger = ca.issue("stranger", "someone", "Elsewhere")
    # Admin maps the CI certificate's subject to the tenant, as a viewer, over the admin API.
    _, admin_key = await gw.server.tenants.create_key(t.name, Role.ADMIN)
    admin_channel = secure(gw.port, ca, ci)
    admin = admin_pb2_grpc.AdminServiceStub(admin_channel)
    mappings = await gw.server.tenants.certificate_mappings()
    assert mappings == {}
    # The subject gRPC reports for the verified certificate, as an operator reads it from an
    # unmapped call's error message.
    code_and_detail = await _unmapped_subject(gw.port, ca, ci)
    assert code_and_detail[0] == grpc.StatusCode.UNAUTHENTICATED and "ci-runner" in code_and_detail[1]
    subject = code_and_detail[1].split("'")[1]
    await admin.MapClientCertificate(
        admin_pb2.MapClientCertificateRequest(
            mapping=admin_pb2.ClientCertificateMapping(
                subject=subject, tenant=f"tenants/{t.name}", role=admin_pb2.ROLE_VIEWER
            )
        ),
        metadata=(("authorization", f"Bearer {admin_key}"),),
    )
    await admin_channel.close()
    assert await list_code(secure(gw.port, ca, ci)) == grpc.StatusCode.OK  # no API key needed
    # The mapped role holds: a viewer certificate cannot delete.
    channel = secure(gw.port, ca, ci)
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await datasets_pb2_grpc.DatasetServiceStub(channel).DeleteDataset(
            datasets_pb2.DeleteDatasetRequest(name="datasets/d-000000000000")
        )
    assert err.value.code() == grpc.StatusCode.PERMISSION_DENIED
    await channel.close()
    # An unmapped certificate still works with an API key; without a certificate no connection.
    assert await list_code(secure(gw.port, ca, stranger)) == grpc.StatusCode.UNAUTHENTICATED
    assert await list_code(secure(gw.port, ca, stranger), t.md) == grpc.StatusCode.OK
    assert await list_code(secure(gw.port, ca), t.md) == grpc.StatusCode.UNAVAILABLE
    # A certificate from another CA is refused at the handshake.
    other = ScratchCA(tmp_path / "..", "Rogue CA").issue("rogue", "ci-runner", "Acme")
    assert await list_code(secure(gw.port, ca, other), t.md) == grpc.StatusCode.UNAVAILABLE


async def _unmapped_subject(port: int, ca: ScratchCA, client) -> tuple[grpc.StatusCode, str]:
    channel = secure(port, ca, client)
    try:
        await datasets_pb2_grpc.DatasetServiceStub(channel).ListDatasets(datasets_pb2.ListDatasetsRequest(), timeout=10)
        return grpc.StatusCode.OK, ""
    except grpc.aio.AioRpcError as err:
        return err.code(), err.details() or ""
    finally:
        await channel.close()
