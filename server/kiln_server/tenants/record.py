"""A tenant, and one of its API keys (whose secret is never stored, only its sha256)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(kw_only=True)
class TenantRecord:
    display_name: str
    create_time: int  # ms since the epoch


@dataclass(kw_only=True)
class ApiKeyRecord:
    tenant: str
    key_id: str  # shown to operators; the secret was shown once, at creation
    create_time: int
