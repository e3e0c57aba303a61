"""The voice provider's request signature (Twilio's scheme), checked without the provider's SDK.

The provider signs the full URL it called, followed by each POST parameter's name and value in
name order, with HMAC (SHA-1 unless the settings header names another) keyed by the auth token,
and sends it base64-encoded. A JSON body is signed instead through a `bodySHA256` query
parameter holding the body's SHA-256 in hex. The SDK's validator (twilio 9.x) also accepts the
URL with its port removed, or the scheme's default port added, since the provider is
inconsistent there; so do we (the token, not the address, is what authenticates).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Mapping
from urllib.parse import ParseResult, parse_qs, urlparse

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
# Sent with webhooks signed by a shared key: "key=<key id>,algorithm=<algorithm>".
SIGNATURE_SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
HMAC_SHA1 = "HMAC_SHA1"
HMAC_SHA256 = "HMAC_SHA256"

_DIGESTS = {HMAC_SHA1: "sha1", HMAC_SHA256: "sha256"}


def signature_algorithm(settings_header: str | None) -> str:
    """The algorithm the settings header names; HMAC_SHA1 when it names none."""
    for part in (settings_header or "").split(","):
        name, equals, value = part.partition("=")
        if equals and name.strip() == "algorithm" and value.strip():
            return value.strip()
    return HMAC_SHA1


def signature_compute(
    *, token: str, url: str, params: Mapping[str, str], algorithm: str = HMAC_SHA1
) -> str:
    """The base64 signature of `url` and `params` (a dict, or a QueryDict with repeated names)."""
    digest = _DIGESTS.get(algorithm.upper())
    if digest is None:
        raise ValueError(f"unsupported signature algorithm: {algorithm!r}")
    signed = url
    getlist = getattr(params, "getlist", None)
    for name in sorted(set(params)):
        values = getlist(name) if getlist else [params[name]]
        # Like the SDK: a value repeated under one name counts once, and values go in order.
        signed += "".join(name + value for value in sorted(set(values)))
    mac = hmac.new(token.encode("utf-8"), signed.encode("utf-8"), digest)
    return base64.b64encode(mac.digest()).decode("ascii")


def signature_valid(
    *,
    token: str,
    url: str,
    params: Mapping[str, str],
    signature: str,
    algorithm: str = HMAC_SHA1,
    body: bytes | None = None,
) -> bool:
    """Whether `signature` is the provider's for this request.

    Give `body` (the raw request body) for a JSON request: when the URL carries `bodySHA256`,
    the body must hash to it and the parameters are left out of the signature.
    """
    if algorithm.upper() not in _DIGESTS:
        logger.warning("voice webhook signed with an unsupported algorithm: %r", algorithm)
        return False
    parsed = urlparse(url)
    body_ok = True
    body_hash = parse_qs(parsed.query).get("bodySHA256")
    if body_hash and body is not None:
        body_ok = _same(hashlib.sha256(body).hexdigest(), body_hash[0])
        params = {}
    matches = [
        _same(signature_compute(token=token, url=u, params=params, algorithm=algorithm), signature)
        for u in (_without_port(parsed), _with_port(parsed))
    ]
    return body_ok and any(matches)


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "surrogatepass"))


def _without_port(url: ParseResult) -> str:
    if not url.port:
        return url.geturl()
    return url._replace(netloc=url.netloc.rsplit(":", 1)[0]).geturl()


def _with_port(url: ParseResult) -> str:
    if url.port:
        return url.geturl()
    port = 443 if url.scheme == "https" else 80
    return url._replace(netloc=f"{url.netloc}:{port}").geturl()
