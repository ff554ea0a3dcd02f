"""API keys: generation and hashing. Lookups live in store/tenants.py, enforcement in interceptors."""

from __future__ import annotations

import hashlib
import secrets


def new_api_key() -> tuple[str, str]:
    """A key id (safe to log) and the secret "kiln_<id>_<random>" the client sends."""
    key_id = secrets.token_hex(4)
    return key_id, f"kiln_{key_id}_{secrets.token_urlsafe(32)}"


def hash_key(secret: str) -> str:
    # A plain sha256 is enough here: the secret has 256 bits of entropy, so there is nothing
    # for a slow password hash to protect against, and the lookup sits on every request.
    return hashlib.sha256(secret.encode()).hexdigest()


def bearer_token(metadata: tuple | list | None) -> str | None:
    for key, value in metadata or ():
        if key == "authorization":
            scheme, _, token = str(value).partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None
