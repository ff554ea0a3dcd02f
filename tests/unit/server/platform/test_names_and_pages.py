"""Resource names and page tokens (pure)."""

from __future__ import annotations

import pytest

from kiln_server.platform import names
from kiln_server.platform.errors import InvalidArgument
from kiln_server.platform.pagination import (
    DEFAULT_PAGE_SIZE,
    MAX_PAGE_SIZE,
    Cursor,
    decode_token,
    encode_token,
    page_size_of,
)


def test_new_ids_parse_back_from_their_names():
    rid = names.new_id("jobs")
    assert rid.startswith("j-") and names.parse(names.name_of("jobs", rid), "jobs") == rid


@pytest.mark.parametrize("name", ["datasets/d-1", "jobs/", "jobs/UPPER", "jobs/a/b", "j-1", ""])
def test_a_malformed_name_is_invalid_argument_naming_the_field(name):
    with pytest.raises(InvalidArgument) as err:
        names.parse(name, "jobs", "job.name")
    assert err.value.violations[0].field == "job.name"


def test_page_sizes():
    assert page_size_of(0) == DEFAULT_PAGE_SIZE
    assert page_size_of(10**6) == MAX_PAGE_SIZE
    with pytest.raises(InvalidArgument):
        page_size_of(-1)


def test_a_token_reads_back_only_for_its_own_query():
    token = encode_token(Cursor(12.0, ["a", "b"]), "q1")
    assert decode_token(token, "q1") == Cursor(12.0, ["a", "b"])
    assert decode_token("", "q1") is None
    for bad_query, bad_token in (("q2", token), ("q1", token[:-2] + "AA"), ("q1", "not-a-token")):
        with pytest.raises(InvalidArgument) as err:
            decode_token(bad_token, bad_query)
        assert err.value.violations[0].field == "page_token"


def test_forged_and_foreign_tokens_are_invalid_argument_never_internal():
    import base64
    import hashlib
    import hmac
    import json

    body = json.dumps({"s": 1.0, "seen": [], "q": "q1"}).encode()
    # A token MACed with the key earlier versions kept in the source no longer reads.
    old_key = b"kiln-page-token-v1"
    forged = base64.urlsafe_b64encode(hmac.new(old_key, body, hashlib.sha256).digest()[:16] + body).decode()
    token = encode_token(Cursor(1.0, []), "q1", "deploy-a")
    for bad, scope in ((forged, "kiln"), (token, "deploy-b"), ("A" * 100_000, "kiln"), ("\u00e9t\u00e9", "kiln")):
        with pytest.raises(InvalidArgument) as err:
            decode_token(bad, "q1", scope)
        assert err.value.violations[0].field == "page_token"
    assert decode_token(token, "q1", "deploy-a") == Cursor(1.0, [])


async def test_the_secret_is_made_once_per_deployment_and_kept_in_redis(redis_client):
    import uuid

    from kiln_server.platform import pagination

    prefix = f"p-{uuid.uuid4().hex[:8]}"
    await pagination.load_secret(redis_client, prefix)
    token = encode_token(Cursor(3.0, ["x"]), "q", prefix)
    stored = await redis_client.get(pagination.secret_key(prefix))
    assert len(stored) == 64
    pagination._SECRETS.pop(prefix)  # a restart: the same secret comes back from Redis
    await pagination.load_secret(redis_client, prefix)
    assert decode_token(token, "q", prefix) == Cursor(3.0, ["x"])
