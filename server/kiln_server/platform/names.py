"""Resource names ("jobs/{id}") and the ids inside them."""

from __future__ import annotations

import re
import secrets

from kiln_server.platform.errors import InvalidArgument

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_PREFIX = {
    "jobs": "j",
    "datasets": "d",
    "models": "m",
    "evaluations": "e",
    "samples": "s",
    "feedback": "f",
    "sweeps": "w",
}


def new_id(collection: str) -> str:
    return f"{_PREFIX[collection]}-{secrets.token_hex(6)}"


def parse(name: str, collection: str, field: str = "name") -> str:
    """The id in "collection/id"; INVALID_ARGUMENT naming `field` when it is malformed."""
    head, _, rid = name.partition("/")
    if head != collection or not _ID.match(rid):
        raise InvalidArgument.field(field, f"must look like '{collection}/<id>', got {name!r}")
    return rid


def name_of(collection: str, rid: str) -> str:
    return f"{collection}/{rid}"
