"""Opaque, tamper-evident page tokens over a newest-first sorted-set index.

A token records where the last page ended (score and the ids already returned at that score)
and a fingerprint of the query, so a token replayed against a different query or edited by
hand is INVALID_ARGUMENT rather than a silently wrong page.

Tokens are MACed with a per-deployment secret (`load_secret`: made on the first start and kept
in Redis, so every gateway of a deployment accepts the others' tokens), not a key in the source:
with a public key anyone could forge a cursor. Secrets are held per Redis key prefix, so two
deployments in one process (tests) keep theirs apart; a prefix without a loaded secret (stores
used on their own) gets a random one for the life of the process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
from dataclasses import dataclass, field

import redis.asyncio as aioredis

from kiln_server.platform.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
MAX_TOKEN_CHARS = 4096  # far above any token this module makes (a cursor holds a few ids)
_MAC_BYTES = 16
_SECRETS: dict[str, bytes] = {}  # Redis key prefix -> that deployment's page-token secret


def secret_key(prefix: str) -> str:
    return f"{prefix}:secret:page-token"


async def load_secret(redis: aioredis.Redis, prefix: str) -> None:
    """Makes this deployment's secret on its first start (SET NX: concurrent first starts agree)
    and installs it for the stores of `prefix`."""
    await redis.set(secret_key(prefix), secrets.token_hex(32), nx=True)
    stored = await redis.get(secret_key(prefix))
    if stored is None:  # deleted between the two calls: make it again
        return await load_secret(redis, prefix)
    _SECRETS[prefix] = bytes.fromhex(stored.decode())


def _secret(scope: str) -> bytes:
    return _SECRETS.setdefault(scope, secrets.token_bytes(32))


def _mac(scope: str, body: bytes) -> bytes:
    return hmac.new(_secret(scope), body, hashlib.sha256).digest()[:_MAC_BYTES]


@dataclass
class Cursor:
    score: float
    seen: list[str] = field(default_factory=list)  # ids already returned at exactly `score`


def page_size_of(requested: int) -> int:
    if requested < 0:
        raise InvalidArgument.field("page_size", f"must be >= 0, got {requested}")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


def query_fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:16]


def encode_token(cursor: Cursor, query: str, scope: str = "kiln") -> str:
    """A token for the page after `cursor` of `query` (which should name the tenant), MACed with
    the secret of deployment `scope` (its Redis key prefix)."""
    body = json.dumps({"s": cursor.score, "seen": cursor.seen, "q": query}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(_mac(scope, body) + body).decode().rstrip("=")


def decode_token(token: str, query: str, scope: str = "kiln") -> Cursor | None:
    """The cursor in `token`; None for no token; INVALID_ARGUMENT on "page_token" for anything
    that is not a token this deployment made for this query, whatever its bytes."""
    if not token:
        return None
    bad = InvalidArgument.field("page_token", "not a page token from a previous response to this query")
    if len(token) > MAX_TOKEN_CHARS:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        mac, body = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
        if not hmac.compare_digest(mac, _mac(scope, body)):
            raise bad
        data = json.loads(body)
        score, seen = float(data["s"]), [str(x) for x in data["seen"]]
        if data.get("q") != query or math.isnan(score):
            raise bad
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise bad from exc
    return Cursor(score=score, seen=seen)
