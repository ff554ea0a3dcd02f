"""AdminService: tenants, API keys, certificate mappings, quotas and the audit log over gRPC.

The auth interceptor lets only admin principals reach it (platform/authz.py); this servicer
converts, calls TenantStore / QuotaStore / AuditLog / TenantPurge, and converts back.
"""

from __future__ import annotations

import re

from kiln.v1 import admin_pb2, admin_pb2_grpc
from kiln_server.feedback.submission import AlreadyExists
from kiln_server.platform.errors import FieldViolation, InvalidArgument, NotFound
from kiln_server.platform.timestamps import ts
from kiln_server.tenants.audit import AuditEntry, AuditLog
from kiln_server.tenants.purge import TenantPurge
from kiln_server.tenants.quotas import Quotas, QuotaStore
from kiln_server.tenants.record import ApiKeyRecord, Role
from kiln_server.tenants.store import TenantStore, check_tenant_id

_ROLE_IN: dict[int, Role] = {
    admin_pb2.ROLE_UNSPECIFIED: Role.MEMBER,
    admin_pb2.ROLE_ADMIN: Role.ADMIN,
    admin_pb2.ROLE_MEMBER: Role.MEMBER,
    admin_pb2.ROLE_VIEWER: Role.VIEWER,
}
_ROLE_OUT = {Role.ADMIN: admin_pb2.ROLE_ADMIN, Role.MEMBER: admin_pb2.ROLE_MEMBER, Role.VIEWER: admin_pb2.ROLE_VIEWER}
_KEY_NAME = re.compile(r"^tenants/([a-z0-9][a-z0-9-]{0,62})/keys/([0-9a-f]{8})$")
MAX_METHOD_FILTER = 256


def tenant_of(name: str, field: str = "name") -> str:
    """The id in "tenants/{id}"; INVALID_ARGUMENT naming `field` otherwise."""
    head, _, tenant = name.partition("/")
    if head != "tenants":
        raise InvalidArgument.field(field, f"must look like 'tenants/<id>', got {name!r}")
    check_tenant_id(tenant, field)
    return tenant


def key_of(name: str, field: str = "name") -> tuple[str, str]:
    match = _KEY_NAME.match(name)
    if not match:
        raise InvalidArgument.field(field, f"must look like 'tenants/<id>/keys/<key id>', got {name!r}")
    return match.group(1), match.group(2)


def role_of(value: int, field: str) -> Role:
    if value not in _ROLE_IN:
        raise InvalidArgument.field(field, f"unknown Role value {value}")
    return _ROLE_IN[value]


def api_key_proto(record: ApiKeyRecord) -> admin_pb2.ApiKey:
    return admin_pb2.ApiKey(
        name=f"tenants/{record.tenant}/keys/{record.key_id}",
        key_id=record.key_id,
        role=_ROLE_OUT[record.role],
        create_time=ts(record.create_time),
        expire_time=ts(record.expire_time),
        last_used_time=ts(record.last_used_time),
    )


def quotas_proto(tenant: str, q: Quotas) -> admin_pb2.Quotas:
    return admin_pb2.Quotas(tenant=f"tenants/{tenant}", **{n: getattr(q, n) for n in Quotas.names()})


def audit_proto(e: AuditEntry) -> admin_pb2.AuditEvent:
    return admin_pb2.AuditEvent(
        id=e.id,
        time=ts(e.time_ms),
        tenant=f"tenants/{e.tenant}" if e.tenant else "",
        principal=e.principal,
        role=e.role,
        method=e.method,
        resource=e.resource,
        code=e.code,
        request_id=e.request_id,
        peer=e.peer,
    )


class AdminService(admin_pb2_grpc.AdminServiceServicer):
    def __init__(self, tenants: TenantStore, quotas: QuotaStore, audit: AuditLog, purge: TenantPurge):
        self.tenants = tenants
        self.quotas = quotas
        self.audit = audit
        self.purge = purge

    async def _existing(self, name: str, field: str = "name") -> str:
        tenant = tenant_of(name, field)
        if not await self.tenants.exists(tenant):
            raise NotFound("tenant", name)
        return tenant

    async def _tenant_proto(self, tenant: str) -> admin_pb2.Tenant:
        record = await self.tenants.tenant(tenant)
        keys = await self.tenants.api_keys(tenant)
        return admin_pb2.Tenant(
            name=f"tenants/{tenant}",
            display_name=record.display_name if record else tenant,
            create_time=ts(record.create_time) if record else None,
            api_key_count=len(keys),
        )

    async def CreateTenant(self, request, context):
        check_tenant_id(request.tenant_id, "tenant_id")
        if not await self.tenants.create_tenant(request.tenant_id, request.display_name):
            raise AlreadyExists("tenant", f"tenants/{request.tenant_id}", "tenant already exists", "tenant_id")
        return await self._tenant_proto(request.tenant_id)

    async def ListTenants(self, request, context):
        return admin_pb2.ListTenantsResponse(
            tenants=[await self._tenant_proto(t) for t in await self.tenants.tenants()]
        )

    async def DeleteTenant(self, request, context):
        tenant = tenant_of(request.name)
        result = await self.purge.delete(tenant)
        return admin_pb2.DeleteTenantResponse(**vars(result))

    async def CreateApiKey(self, request, context):
        tenant = await self._existing(request.parent, "parent")
        role = role_of(request.role, "role")
        key_id, secret = await self.tenants.create_key(tenant, role, request.ttl_seconds)
        record = await self.tenants.api_key(tenant, key_id)
        assert record is not None
        return admin_pb2.CreateApiKeyResponse(api_key=api_key_proto(record), secret=secret)

    async def ListApiKeys(self, request, context):
        tenant = await self._existing(request.parent, "parent")
        return admin_pb2.ListApiKeysResponse(api_keys=[api_key_proto(k) for k in await self.tenants.api_keys(tenant)])

    async def RevokeApiKey(self, request, context):
        tenant, key_id = key_of(request.name)
        record = await self.tenants.api_key(tenant, key_id)
        if record is None or not await self.tenants.revoke_key(tenant, key_id):
            raise NotFound("api key", request.name)
        return api_key_proto(record)

    async def RotateApiKey(self, request, context):
        tenant, key_id = key_of(request.name)
        new_id, secret = await self.tenants.rotate_key(tenant, key_id, request.grace_seconds)
        record = await self.tenants.api_key(tenant, new_id)
        assert record is not None
        return admin_pb2.CreateApiKeyResponse(api_key=api_key_proto(record), secret=secret)

    async def MapClientCertificate(self, request, context):
        m = request.mapping
        tenant = await self._existing(m.tenant, "mapping.tenant")
        if not m.subject:
            raise InvalidArgument.field("mapping.subject", "required")
        role = role_of(m.role, "mapping.role")
        await self.tenants.map_certificate(m.subject, tenant, role)
        return admin_pb2.ClientCertificateMapping(subject=m.subject, tenant=f"tenants/{tenant}", role=_ROLE_OUT[role])

    async def UnmapClientCertificate(self, request, context):
        if not request.subject:
            raise InvalidArgument.field("subject", "required")
        if not await self.tenants.unmap_certificate(request.subject):
            raise NotFound("client certificate mapping", request.subject)
        return admin_pb2.UnmapClientCertificateResponse()

    async def GetQuotas(self, request, context):
        tenant = await self._existing(request.name)
        return quotas_proto(tenant, await self.quotas.get(tenant))

    async def SetQuotas(self, request, context):
        tenant = await self._existing(request.name)
        values = {n: getattr(request.quotas, n) for n in Quotas.names() if request.quotas.HasField(n)}
        v = []
        for i, name in enumerate(request.reset):
            if name not in Quotas.names():
                v.append(FieldViolation(f"reset[{i}]", f"not a quota: {name!r} (one of {', '.join(Quotas.names())})"))
            elif name in values:
                v.append(FieldViolation(f"reset[{i}]", f"{name} is also set in quotas"))
        if v:
            raise InvalidArgument(v)
        Quotas.check(values)
        return quotas_proto(tenant, await self.quotas.set(tenant, values, tuple(request.reset)))

    async def ListAuditEvents(self, request, context):
        tenant = tenant_of(request.tenant, "tenant") if request.tenant else ""
        if len(request.method) > MAX_METHOD_FILTER:
            raise InvalidArgument.field("method", f"at most {MAX_METHOD_FILTER} characters")
        start = request.start_time.ToMilliseconds() if request.HasField("start_time") else 0
        end = request.end_time.ToMilliseconds() if request.HasField("end_time") else 0
        entries, token = await self.audit.query(
            tenant=tenant,
            method=request.method,
            start_ms=start,
            end_ms=end,
            page_size=request.page_size,
            page_token=request.page_token,
        )
        return admin_pb2.ListAuditEventsResponse(events=[audit_proto(e) for e in entries], next_page_token=token)
