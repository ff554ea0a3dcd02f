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
