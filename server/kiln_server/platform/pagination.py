"""Opaque, tamper-evident page tokens over a newest-first sorted-set index.

A token records where the last page ended (score and the ids already returned at that score)
and a fingerprint of the query, so a token replayed against a different query or edited by
hand is INVALID_ARGUMENT rather than a silently wrong page.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass, field

from kiln_server.platform.errors import InvalidArgument

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
# Tokens are integrity-checked, not secret: the key only stops casual edits of the cursor.
_TOKEN_KEY = b"kiln-page-token-v1"


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


def encode_token(cursor: Cursor, query: str) -> str:
    body = json.dumps({"s": cursor.score, "seen": cursor.seen, "q": query}, separators=(",", ":")).encode()
    mac = hmac.new(_TOKEN_KEY, body, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(mac + body).decode().rstrip("=")


def decode_token(token: str, query: str) -> Cursor | None:
    if not token:
        return None
    bad = InvalidArgument.field("page_token", "not a page token from a previous response to this query")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        mac, body = raw[:12], raw[12:]
        if not hmac.compare_digest(mac, hmac.new(_TOKEN_KEY, body, hashlib.sha256).digest()[:12]):
            raise bad
        data = json.loads(body)
    except (ValueError, TypeError) as exc:
        raise bad from exc
    if data.get("q") != query:
        raise bad
    return Cursor(score=float(data["s"]), seen=list(data["seen"]))
