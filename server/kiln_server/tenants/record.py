"""A tenant, one of its API keys (whose secret is never stored, only its sha256), and the
principal a call is authenticated as."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a key (or a mapped client certificate) may do.

    ADMIN: everything a member may, plus the AdminService (tenants, keys, quotas, audit log) for
    every tenant: an operator's role. MEMBER: read and write within its tenant. VIEWER: only the
    read-only RPCs (Get*, List*, Watch*) of its tenant; anything else is PERMISSION_DENIED.
    """

    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


@dataclass(kw_only=True)
class TenantRecord:
    display_name: str
    create_time: int  # ms since the epoch


@dataclass(kw_only=True)
class ApiKeyRecord:
    tenant: str
    key_id: str  # shown to operators; the secret was shown once, at creation
    create_time: int
    role: Role = Role.MEMBER  # keys made before roles existed act as members
    expire_time: int = 0  # ms since the epoch; 0: never expires
    last_used_time: int = 0  # ms; updated at most once a minute per key (LAST_USED_RESOLUTION_S)

    def expired(self, now_ms: int) -> bool:
        return bool(self.expire_time) and now_ms >= self.expire_time


@dataclass(frozen=True)
class Principal:
    """Who a call acts as: set by the auth interceptor, read by authorization and the audit log."""

    tenant: str
    role: Role
    key_id: str = ""  # empty when authenticated by a client certificate
    cert_subject: str = ""  # the client certificate's subject, for mutual TLS

    @property
    def who(self) -> str:
        return f"key:{self.key_id}" if self.key_id else f"cert:{self.cert_subject}"
