"""The one encrypted field type: every sensitive column is stored AES-GCM sealed."""

from __future__ import annotations

import json
from typing import Any

from django.db import models

from lifeline.core import crypto


class EncryptedTextField(models.TextField):
    """Text sealed with AES-GCM; the ciphertext is bound to its table and column.

    Values cannot be searched or compared in SQL: only `isnull` lookups are allowed.
    """

    description = "Encrypted text"

    def _context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.attname}"

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(self.to_python_text(value), context=self._context())

    def to_python_text(self, value: Any) -> str:
        return str(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return self.decode_plaintext(crypto.decrypt(value, context=self._context()))

    def decode_plaintext(self, plaintext: str) -> Any:
        return plaintext

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(f"Encrypted fields cannot be queried with '{lookup_name}'.")
        return super().get_lookup(lookup_name)


class EncryptedJSONField(EncryptedTextField):
    """A JSON value (dict or list) sealed like EncryptedTextField."""

    description = "Encrypted JSON"
    # Tell django-stubs this field sets and gets JSON values, not text.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def to_python_text(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def decode_plaintext(self, plaintext: str) -> Any:
        return json.loads(plaintext)

    def to_python(self, value: Any) -> Any:
        return value


class EncryptedBinaryField(models.BinaryField):
    """Bytes (an attachment) sealed with AES-GCM and bound to their table and column."""

    description = "Encrypted bytes"

    def _context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.attname}"

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is not None:
            value = crypto.encrypt_bytes(bytes(value), context=self._context())
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return crypto.decrypt_bytes(bytes(value), context=self._context())

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(f"Encrypted fields cannot be queried with '{lookup_name}'.")
        return super().get_lookup(lookup_name)
