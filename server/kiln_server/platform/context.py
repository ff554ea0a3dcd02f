"""Per-request values set by interceptors and read by services (contextvars, so no plumbing)."""

from __future__ import annotations

from contextvars import ContextVar

from kiln_server.platform.errors import Unauthenticated

request_id_var: ContextVar[str] = ContextVar("kiln_request_id", default="-")
tenant_var: ContextVar[str | None] = ContextVar("kiln_tenant", default=None)


def current_tenant() -> str:
    tenant = tenant_var.get()
    if tenant is None:  # only reachable if a service is registered without the auth interceptor
        raise Unauthenticated("no authenticated tenant for this call")
    return tenant


# Who the call acts as (tenants.record.Principal); None before the auth interceptor ran.
principal_var: ContextVar[object | None] = ContextVar("kiln_principal", default=None)
# The resource a unary request names (its name, tenant or model field), for the audit log.
resource_var: ContextVar[str] = ContextVar("kiln_resource", default="")
