"""The voice provider's request signature, checked against the provider's published examples."""

from __future__ import annotations

import hashlib

import pytest
from django.http import QueryDict

from lifeline.channels.phone.signature import (
    HMAC_SHA1,
    HMAC_SHA256,
    signature_algorithm,
    signature_compute,
    signature_valid,
)

# Twilio's security documentation, "Validating Signatures from Twilio".
TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

# A JSON body, signed through its hash in the URL (the example in the provider's SDK tests).
BODY = b'{"property": "value", "boolean": true}'
BODY_HASH = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
BODY_SIGNATURE = "a9nBmqA0ju/hNViExpshrM61xv4="


def valid(**changes: object) -> bool:
    request: dict[str, object] = {
        "token": TOKEN,
        "url": URL,
        "params": PARAMS,
        "signature": SIGNATURE,
    }
    return signature_valid(**{**request, **changes})  # type: ignore[arg-type]


def test_the_documented_example_signs_as_documented() -> None:
    assert signature_compute(token=TOKEN, url=URL, params=PARAMS) == SIGNATURE
    assert valid()


def test_parameters_sign_in_name_order_whatever_order_they_came_in() -> None:
    assert valid(params=dict(reversed(PARAMS.items())))


@pytest.mark.parametrize(
    "change",
    [
        {"token": "54321"},
        {"url": "https://mycompany.com/myapp.php?foo=1&bar=3"},
        {"url": "http://mycompany.com/myapp.php?foo=1&bar=2"},
        {"params": {**PARAMS, "Digits": "1235"}},
        {"params": {**PARAMS, "Extra": ""}},
        {"params": {k: v for k, v in PARAMS.items() if k != "To"}},
        {"signature": SIGNATURE.lower()},
        {"signature": ""},
        {"signature": "0/KCTR6DLpKmkAf8muzZqo1nDgQ"},
    ],
)
def test_any_change_to_what_was_signed_is_refused(change: dict[str, object]) -> None:
    assert not valid(**change)


@pytest.mark.parametrize("signature", ["подпись", "\udcff", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=\x00"])
def test_a_signature_that_is_not_base64_is_refused_not_an_error(signature: str) -> None:
    assert not valid(signature=signature)


def test_the_url_is_accepted_with_or_without_its_port() -> None:
    # The provider signs with or without the port, inconsistently; its own SDK accepts both.
    with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
    signed_with_port = signature_compute(token=TOKEN, url=with_port, params=PARAMS)
    assert valid(signature=signed_with_port)
    assert valid(url=with_port)
    assert valid(url="https://mycompany.com:8443/myapp.php?foo=1&bar=2")
    assert not valid(url="https://mycompany.com.example.org/myapp.php?foo=1&bar=2")


def test_repeated_parameters_all_count() -> None:
    query = QueryDict("To=%2B1&From=%2B2&To=%2B3")
    signed = signature_compute(token=TOKEN, url=URL, params=query)
    # Each name once, its values in order: To+1To+3 after From+2.
    assert signed == signature_compute(token=TOKEN, url=URL, params={"From": "+2", "To": "+1To+3"})
    assert signature_valid(token=TOKEN, url=URL, params=query, signature=signed)
    assert not signature_valid(
        token=TOKEN, url=URL, params=QueryDict("To=%2B1&From=%2B2"), signature=signed
    )


def test_sha256_when_the_settings_header_names_it() -> None:
    signed = signature_compute(token=TOKEN, url=URL, params=PARAMS, algorithm=HMAC_SHA256)
    assert signed != SIGNATURE and len(signed) == 44
    assert valid(signature=signed, algorithm=HMAC_SHA256)
    assert valid(signature=signed, algorithm="hmac_sha256")
    assert not valid(signature=signed, algorithm=HMAC_SHA1)
    assert not valid(algorithm=HMAC_SHA256)


def test_an_algorithm_we_do_not_know_is_refused(caplog: pytest.LogCaptureFixture) -> None:
    assert not valid(algorithm="HMAC_MD5")
    assert "unsupported algorithm" in caplog.text
    with pytest.raises(ValueError, match="HMAC_MD5"):
        signature_compute(token=TOKEN, url=URL, params=PARAMS, algorithm="HMAC_MD5")


@pytest.mark.parametrize(
    ("header", "algorithm"),
    [
        (None, HMAC_SHA1),
        ("", HMAC_SHA1),
        ("key=webhooks_sharedkey_1", HMAC_SHA1),
        ("key=k1,algorithm=HMAC_SHA256", HMAC_SHA256),
        (" algorithm = HMAC_SHA256 , key=k1", HMAC_SHA256),
        ("key=k1,algorithm=", HMAC_SHA1),
        ("key=k1,algorithm=HMAC_MD5", "HMAC_MD5"),
    ],
)
def test_the_settings_header_names_the_algorithm(header: str | None, algorithm: str) -> None:
    assert signature_algorithm(header) == algorithm


def test_a_json_body_is_signed_through_its_hash_in_the_url() -> None:
    assert hashlib.sha256(BODY).hexdigest() == BODY_HASH
    url = f"{URL}&bodySHA256={BODY_HASH}"
    assert signature_compute(token=TOKEN, url=url, params={}) == BODY_SIGNATURE
    assert signature_valid(token=TOKEN, url=url, params={}, signature=BODY_SIGNATURE, body=BODY)


def test_a_json_body_that_does_not_hash_to_the_signed_hash_is_refused() -> None:
    url = f"{URL}&bodySHA256={BODY_HASH}"
    tampered = BODY.replace(b"true", b"false")
    assert not signature_valid(
        token=TOKEN, url=url, params={}, signature=BODY_SIGNATURE, body=tampered
    )
