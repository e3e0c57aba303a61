"""Any bytes through any public form: never a server error, and a whole write or none at all.

The bodies are built from raw bytes, so they carry what a browser never sends but an attacker
can: invalid UTF-8, encoded lone surrogates (ED A0 80), NULs, control characters, and far too
much. Every form of the public site is tried in every language, the reply form both with a
receipt shown and without.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, quote_from_bytes

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.invariants import (
    FUZZ,
    assert_every_item_can_finish,
    assert_nothing_half_written,
    not_filed,
    process_everything,
)
from tests.public.helpers import open_case, unlock

pytestmark = pytest.mark.django_db

FORMS = ["/write/surrender/", "/write/family/", "/write/other/", "/status/"]
POST_ONLY = {"/status/reply/": ["message"], "/status/leave/": []}
_NAME = re.compile(r'<(?:input|textarea|select)[^>]*\bname="([^"]+)"')
_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"')

raw_values = st.one_of(
    st.binary(max_size=60),
    st.text(st.characters(codec="utf-8"), max_size=60).map(str.encode),
    st.sampled_from([b"\x00", b"\xed\xa0\x80", b"a\xed\xb0\x80b", b"\xc0\x80", b"\xff\xfe", b""]),
    st.sampled_from([b"mother", b"LF-0000-0000", b"AAAA-BBBB-CCCC-DDDD", b"1995"]),
    st.integers(1, 12_000).map(lambda n: b"x" * n),
)


def _fields(client: Client, prefix: str, path: str) -> tuple[list[str], dict[str, str]]:
    """The names of the form's fields, and its hidden values (a form token, if it has one)."""
    if path in POST_ONLY:
        return POST_ONLY[path], {}
    html = client.get(prefix + path).content.decode()
    hidden = dict(_HIDDEN.findall(html))
    return sorted(set(_NAME.findall(html)) - set(hidden)), hidden


def _body(values: dict[str, bytes], hidden: dict[str, str]) -> bytes:
    pairs = [f"{quote(k)}={quote(v)}" for k, v in hidden.items()]
    pairs += [f"{k}={quote_from_bytes(v)}" for k, v in values.items()]
    return "&".join(pairs).encode("ascii")


def test_any_bytes_through_any_public_form(client: Client) -> None:
    _, receipt = open_case()
    unlock(client, receipt)
    found: list[str] = []

    @FUZZ
    @given(
        data=st.data(),
        prefix=st.sampled_from(["", "/uk", "/en"]),
        path=st.sampled_from(FORMS + list(POST_ONLY)),
        raw=st.booleans(),
    )
    def submit(data: Any, prefix: str, path: str, raw: bool) -> None:
        names, hidden = _fields(client, prefix, path)
        if raw:  # not even a form body
            body = data.draw(st.binary(max_size=200), label="body")
        else:
            body = _body({n: data.draw(raw_values, label=n) for n in names}, hidden)
        response = client.post(
            prefix + path, data=body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code < 500, response.status_code
        assert_nothing_half_written()
        process_everything()
        assert_every_item_can_finish()
        found[:] = not_filed()

    submit()
    assert not found, found
