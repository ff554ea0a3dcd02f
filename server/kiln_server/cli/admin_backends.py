"""The two ways `kiln admin` reaches a deployment, behind one interface:

- LocalAdmin: straight to the deployment's Redis (no gateway needed; the bootstrap path, since
  the first admin key has to come from somewhere);
- RemoteAdmin: the AdminService of a running gateway, with an admin API key (and TLS options),
  so operators need no access to Redis.

Both return plain rows (tuples of text) for the commands to print.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from kiln_server.cli.render import ms_time

if TYPE_CHECKING:
    from kiln_server.platform.config import KilnConfig
    from kiln_server.tenants.store import TenantStore

T = TypeVar("T")

ROLES = ("admin", "member", "viewer")


class AdminBackend(Protocol):
    def create_tenant(self, tenant: str, display_name: str) -> bool: ...
    def tenants(self) -> list[tuple[str, str, str, str]]: ...
    def delete_tenant(self, tenant: str) -> dict[str, int]: ...
    def create_key(self, tenant: str, role: str, ttl_s: int) -> tuple[str, str]: ...
    def keys(self, tenant: str) -> list[tuple[str, str, str, str, str]]: ...
    def revoke_key(self, tenant: str, key_id: str) -> bool: ...
    def rotate_key(self, tenant: str, key_id: str, grace_s: int) -> tuple[str, str]: ...
    def quotas(self, tenant: str) -> dict[str, float]: ...
    def set_quotas(self, tenant: str, values: dict[str, float], reset: list[str]) -> dict[str, float]: ...
    def audit(self, tenant: str, method: str, limit: int) -> list[tuple[str, ...]]: ...


class LocalAdmin:
    def __init__(self, config: KilnConfig):
        self.config = config

    def _run(self, action: Callable[[TenantStore], Awaitable[T]]) -> T:
        return asyncio.run(self._with_store(action))

    async def _with_store(self, action: Callable[[TenantStore], Awaitable[T]]) -> T:
        import redis.asyncio as aioredis

        from kiln_server.platform.app import connect_redis
        from kiln_server.platform.keys import Keys
        from kiln_server.tenants.store import TenantStore

        url, embedded = await asyncio.to_thread(connect_redis, self.config)
        client = aioredis.Redis.from_url(url)
        try:
            return await action(TenantStore(client, Keys(self.config.redis_prefix)))
        finally:
            await client.connection_pool.disconnect()
            if embedded is not None:
                await asyncio.to_thread(embedded.stop)

    def _quota_store(self, store: TenantStore):
        from kiln_server.tenants.quotas import QuotaStore

        return QuotaStore(store.redis, store.keys, self.config.quotas())

    def create_tenant(self, tenant: str, display_name: str) -> bool:
        return self._run(lambda s: s.create_tenant(tenant, display_name))

    def tenants(self) -> list[tuple[str, str, str, str]]:
        async def rows(store: TenantStore) -> list[tuple[str, str, str, str]]:
            out = []
            for tenant in await store.tenants():
                record = await store.tenant(tenant)
                n_keys = len(await store.api_keys(tenant))
                created = ms_time(record.create_time) if record else "-"
                out.append((tenant, record.display_name if record else "", str(n_keys), created))
            return out

        return self._run(rows)

    def delete_tenant(self, tenant: str) -> dict[str, int]:
        async def delete(store: TenantStore) -> dict[str, int]:
            from kiln_server.evaluations.store import EvaluationStore
            from kiln_server.jobs.store import JobStore
            from kiln_server.platform.artifacts import ArtifactStore
            from kiln_server.sweeps.store import SweepStore
            from kiln_server.tenants.purge import TenantPurge

            r, k = store.redis, store.keys
            # No Ray here: deployments' records go, their Serve applications stay until a
            # gateway's DeleteTenant (or a restart) — use --gateway to stop them too.
            purge = TenantPurge(
                store,
                [JobStore(r, k), EvaluationStore(r, k), SweepStore(r, k)],
                None,
                ArtifactStore(self.config.artifact_root),
            )
            return vars(await purge.delete(tenant))

        return self._run(delete)

    def create_key(self, tenant: str, role: str, ttl_s: int) -> tuple[str, str]:
        from kiln_server.tenants.record import Role

        return self._run(lambda s: s.create_key(tenant, Role(role), ttl_s))

    def keys(self, tenant: str) -> list[tuple[str, str, str, str, str]]:
        async def rows(store: TenantStore) -> list[tuple[str, str, str, str, str]]:
            return [
                (k.key_id, str(k.role), ms_time(k.create_time), ms_time(k.expire_time), ms_time(k.last_used_time))
                for k in await store.api_keys(tenant)
            ]

        return self._run(rows)

    def revoke_key(self, tenant: str, key_id: str) -> bool:
        return self._run(lambda s: s.revoke_key(tenant, key_id))

    def rotate_key(self, tenant: str, key_id: str, grace_s: int) -> tuple[str, str]:
        return self._run(lambda s: s.rotate_key(tenant, key_id, grace_s))

    def quotas(self, tenant: str) -> dict[str, float]:
        async def get(store: TenantStore) -> dict[str, float]:
            from kiln_server.platform.errors import NotFound

            if not await store.exists(tenant):
                raise NotFound("tenant", tenant)
            return vars(await self._quota_store(store).get(tenant))

        return self._run(get)

    def set_quotas(self, tenant: str, values: dict[str, float], reset: list[str]) -> dict[str, float]:
        async def put(store: TenantStore) -> dict[str, float]:
            from kiln_server.platform.errors import NotFound

            if not await store.exists(tenant):
                raise NotFound("tenant", tenant)
            return vars(await self._quota_store(store).set(tenant, values, tuple(reset)))

        return self._run(put)

    def audit(self, tenant: str, method: str, limit: int) -> list[tuple[str, ...]]:
        async def rows(store: TenantStore) -> list[tuple[str, ...]]:
            from kiln_server.tenants.audit import AuditLog

            entries, _ = await AuditLog(store.redis, store.keys).query(tenant=tenant, method=method, page_size=limit)
            return [(ms_time(e.time_ms), e.tenant, e.principal, e.role, e.method, e.resource, e.code) for e in entries]

        return self._run(rows)


class RemoteAdmin:
    """The AdminService of the gateway at `target`."""

    def __init__(
        self,
        target: str,
        api_key: str | None,
        ca_cert: Path | None = None,
        client_cert: Path | None = None,
        client_key: Path | None = None,
        timeout_s: float = 30.0,
    ):
        import grpc

        from kiln.v1 import admin_pb2_grpc

        if ca_cert or client_cert:
            creds = grpc.ssl_channel_credentials(
                root_certificates=ca_cert.read_bytes() if ca_cert else None,
                private_key=client_key.read_bytes() if client_key else None,
                certificate_chain=client_cert.read_bytes() if client_cert else None,
            )
            self.channel = grpc.secure_channel(target, creds)
        else:
            self.channel = grpc.insecure_channel(target)
        self.stub = admin_pb2_grpc.AdminServiceStub(self.channel)
        self.md = (("authorization", f"Bearer {api_key}"),) if api_key else ()
        self.timeout_s = timeout_s

    def _call(self, rpc: str, request: Any) -> Any:
        return getattr(self.stub, rpc)(request, metadata=self.md, timeout=self.timeout_s)

    def create_tenant(self, tenant: str, display_name: str) -> bool:
        import grpc

        from kiln.v1 import admin_pb2

        try:
            self._call("CreateTenant", admin_pb2.CreateTenantRequest(tenant_id=tenant, display_name=display_name))
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.ALREADY_EXISTS:  # type: ignore[attr-defined]
                return False
            raise
        return True

    def tenants(self) -> list[tuple[str, str, str, str]]:
        from kiln.v1 import admin_pb2

        reply = self._call("ListTenants", admin_pb2.ListTenantsRequest())
        return [
            (t.name.split("/", 1)[1], t.display_name, str(t.api_key_count), _ts(t, "create_time"))
            for t in reply.tenants
        ]

    def delete_tenant(self, tenant: str) -> dict[str, int]:
        from google.protobuf import json_format

        from kiln.v1 import admin_pb2

        reply = self._call("DeleteTenant", admin_pb2.DeleteTenantRequest(name=f"tenants/{tenant}"))
        return json_format.MessageToDict(
            reply, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )

    def create_key(self, tenant: str, role: str, ttl_s: int) -> tuple[str, str]:
        from kiln.v1 import admin_pb2

        request = admin_pb2.CreateApiKeyRequest(
            parent=f"tenants/{tenant}",
            role=admin_pb2.Role.Value(f"ROLE_{role.upper()}"),  # type: ignore[arg-type]
            ttl_seconds=ttl_s,
        )
        reply = self._call("CreateApiKey", request)
        return reply.api_key.key_id, reply.secret

    def keys(self, tenant: str) -> list[tuple[str, str, str, str, str]]:
        from kiln.v1 import admin_pb2

        reply = self._call("ListApiKeys", admin_pb2.ListApiKeysRequest(parent=f"tenants/{tenant}"))
        return [
            (
                k.key_id,
                admin_pb2.Role.Name(k.role).removeprefix("ROLE_").lower(),
                _ts(k, "create_time"),
                _ts(k, "expire_time"),
                _ts(k, "last_used_time"),
            )
            for k in reply.api_keys
        ]

    def revoke_key(self, tenant: str, key_id: str) -> bool:
        import grpc

        from kiln.v1 import admin_pb2

        try:
            self._call("RevokeApiKey", admin_pb2.RevokeApiKeyRequest(name=f"tenants/{tenant}/keys/{key_id}"))
        except grpc.RpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:  # type: ignore[attr-defined]
                return False
            raise
        return True

    def rotate_key(self, tenant: str, key_id: str, grace_s: int) -> tuple[str, str]:
        from kiln.v1 import admin_pb2

        request = admin_pb2.RotateApiKeyRequest(name=f"tenants/{tenant}/keys/{key_id}", grace_seconds=grace_s)
        reply = self._call("RotateApiKey", request)
        return reply.api_key.key_id, reply.secret

    def quotas(self, tenant: str) -> dict[str, float]:
        from kiln.v1 import admin_pb2

        return _quota_values(self._call("GetQuotas", admin_pb2.GetQuotasRequest(name=f"tenants/{tenant}")))

    def set_quotas(self, tenant: str, values: dict[str, float], reset: list[str]) -> dict[str, float]:
        from kiln.v1 import admin_pb2

        quotas = admin_pb2.Quotas()
        for name, value in values.items():
            setattr(quotas, name, value)
        request = admin_pb2.SetQuotasRequest(name=f"tenants/{tenant}", quotas=quotas, reset=reset)
        return _quota_values(self._call("SetQuotas", request))

    def audit(self, tenant: str, method: str, limit: int) -> list[tuple[str, ...]]:
        from kiln.v1 import admin_pb2

        request = admin_pb2.ListAuditEventsRequest(
            tenant=f"tenants/{tenant}" if tenant else "", method=method, page_size=limit
        )
        reply = self._call("ListAuditEvents", request)
        return [
            (
                _ts(e, "time"),
                e.tenant.removeprefix("tenants/"),
                e.principal,
                e.role,
                e.method,
                e.resource,
                e.code,
            )
            for e in reply.events
        ]


def _ts(message: Any, field: str) -> str:
    return ms_time(getattr(message, field).ToMilliseconds()) if message.HasField(field) else "-"


def _quota_values(q: Any) -> dict[str, float]:
    from kiln_server.tenants.quotas import Quotas

    return {name: getattr(q, name) for name in Quotas.names()}
