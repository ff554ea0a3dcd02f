"""Which role may call which RPC. Read-only RPCs are recognised by name (Get*, List*, Watch*,
the API's naming convention, which buf lint keeps); everything else changes state."""

from __future__ import annotations

from kiln_server.platform.errors import PermissionDenied
from kiln_server.tenants.record import Principal, Role

ADMIN_SERVICE = "/kiln.v1.AdminService/"
_READ_PREFIXES = ("Get", "List", "Watch")


def rpc_name(method: str) -> str:
    """ "/kiln.v1.JobService/CreateJob" -> "CreateJob"."""
    return method.rsplit("/", 1)[-1]


def is_read_only(method: str) -> bool:
    return rpc_name(method).startswith(_READ_PREFIXES)


def authorize(principal: Principal, method: str) -> None:
    """PERMISSION_DENIED unless `principal`'s role may call `method`."""
    if method.startswith(ADMIN_SERVICE):
        if principal.role != Role.ADMIN:
            raise PermissionDenied(f"{rpc_name(method)} needs the admin role; this {principal.who} is {principal.role}")
        return
    if principal.role == Role.VIEWER and not is_read_only(method):
        raise PermissionDenied(
            f"{rpc_name(method)} changes state; this {principal.who} has the viewer role (read-only calls only)"
        )
