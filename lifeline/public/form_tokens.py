"""One random token per rendered public form, so that a reload or a second click opens no case.

The token is drawn afresh each time a form is shown and says nothing about the visitor. The
first POST carrying it opens the case; the contact's external id is a keyed digest of the
token, so the database's unique key turns every later POST with it into the same case. The
receipt's secret is derived from the token with a server key, so the same receipt can be shown
again without the secret ever being stored: whoever sent the form holds the token, and the
server alone cannot rebuild the secret from what it keeps.
"""

from __future__ import annotations

import re
import secrets

from django.utils.crypto import salted_hmac

from lifeline.core.receipts import ALPHABET, SECRET_CHARS

# How long a sent form's receipt may be shown again (a reload, a second click): time enough to
# write it down. After that the secret is shown to nobody, and a replay of the form opens nothing.
RECEIPT_SECONDS = 10 * 60

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def new_form_token() -> str:
    return secrets.token_urlsafe(32)


# The salts keep the names they had when this module lived in intake: a form opened before the
# move must still find its case and show its receipt.


def form_external_id(token: str) -> str:
    """The web contact's external id for a form sent with `token`: 128 bits, keyed, one-way."""
    return salted_hmac("intake.form_token.id", token, algorithm="sha256").hexdigest()[:32]


def form_secret(token: str) -> str:
    """The receipt secret for a form sent with `token`, grouped as receipts are shown."""
    number = int.from_bytes(
        salted_hmac("intake.form_token.secret", token, algorithm="sha256").digest(), "big"
    )
    chars = []
    for _ in range(SECRET_CHARS):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    text = "".join(chars)
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))
