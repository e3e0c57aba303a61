"""The encrypted field types: every sensitive column is stored AES-GCM sealed, bound to its row.

A value is sealed with associated data naming its table, column and row (the row's `row_key`,
a random UUID: an auto-increment id is unknown before INSERT). A value copied into another
column, or swapped with another row's, does not open. Values are opened lazily, on first
access, because only the model instance knows its row key. One that the configured keys cannot
open reads as an `Unreadable` marker: it shows "cannot be read with the current keys" and, if
the row is saved, the stored ciphertext is written back unchanged, so nothing is destroyed.

Values written before row binding (issue 9) are bound to their column only; they stay readable
and each app's migration re-seals them bound to their rows.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext

from lifeline.core import crypto

logger = logging.getLogger(__name__)

ROW_KEY = "row_key"
# Prefix of a row-bound ciphertext. A key id never holds ":" (the ring is "id:key"), so no
# column-bound value written before starts with it.
_ROW_BOUND = "r:"


def unreadable_text() -> str:
    return gettext("cannot be read with the current keys")


class Unreadable:
    """Marks a value the configured keys cannot open; `token` is the ciphertext as stored."""

    token: Any
    unreadable = True


class UnreadableText(str, Unreadable):
    """An unreadable text value: reads as the notice, in the active language."""

    def __new__(cls, token: str) -> UnreadableText:
        value = super().__new__(cls, unreadable_text())
        value.token = token
        return value


class UnreadableDict(dict[str, Any], Unreadable):
    """An unreadable JSON object: empty, so code that walks it finds nothing."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def __str__(self) -> str:
        return unreadable_text()


class UnreadableList(list[Any], Unreadable):
    """An unreadable JSON list: empty, so code that walks it finds nothing."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def __str__(self) -> str:
        return unreadable_text()


class UnreadableBytes(bytes, Unreadable):
    """An unreadable file: no bytes."""

    def __new__(cls, token: bytes) -> UnreadableBytes:
        value = super().__new__(cls, b"")
        value.token = token
        return value


class _Stored:
    """A ciphertext as read from the database, not opened yet (or to be written unchanged).

    Only a model instance opens it, since only the instance knows its row key: values() and
    values_list() over an encrypted column give these, and they refuse to pass for text.
    """

    __slots__ = ("token",)

    def __init__(self, token: Any) -> None:
        self.token = token

    def __repr__(self) -> str:
        return "<sealed value>"

    def __str__(self) -> str:
        raise TypeError("Encrypted values are read through model instances, not values().")


class RowKeyField(models.UUIDField):
    """The random id a row's encrypted values are bound to; every model with them has one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("default", uuid.uuid4)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)


class _SealedAttribute(DeferredAttribute):
    """Opens a stored value on first access, when the instance (and its row key) is known."""

    field: Any

    def __get__(self, instance: Any, cls: Any = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if isinstance(value, _Stored):
            value = self.field.open_stored(value.token, instance)
            instance.__dict__[self.field.attname] = value
        return value

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__[self.field.attname] = value


@contextmanager
def sealed_for_bulk_update(objs: Sequence[Any], fields: Iterable[str]) -> Iterator[None]:
    """Let `QuerySet.bulk_update` write these objects' encrypted fields bound to their rows.

    bulk_update never calls `pre_save`, so a value would reach the database sealed to its
    column only (`get_db_prep_value` knows no instance), and could be moved to another row
    unnoticed. Inside this block each encrypted value is sealed for its own row and handed to
    bulk_update as an expression it writes unchanged; the plain values come back after.
    """
    swapped: list[tuple[Any, str, Any]] = []
    for obj in objs:
        for name in fields:
            field = obj._meta.get_field(name)
            if not isinstance(field, _Sealed):
                continue
            plain = getattr(obj, field.attname)
            sealed = field.pre_save(obj, add=False)
            swapped.append((obj, field.attname, plain))
            obj.__dict__[field.attname] = models.Value(sealed, output_field=field)  # type: ignore[arg-type]
    try:
        yield
    finally:
        for obj, attname, plain in swapped:
            obj.__dict__[attname] = plain


class _Sealed:
    """What the text and binary encrypted fields share: contexts, lazy opening, row binding."""

    descriptor_class = _SealedAttribute
    attname: str
    model: Any
    empty: Any = ""
    prefix: Any = _ROW_BOUND

    def column_context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.attname}"

    def row_context(self, instance: Any) -> str | None:
        row_key = getattr(instance, ROW_KEY, None)
        if row_key is None:
            return None  # a model without a row key: the check core.W101 names it
        row = row_key.hex if isinstance(row_key, uuid.UUID) else uuid.UUID(str(row_key)).hex
        return f"{self.column_context()}#{row}"

    def open_stored(self, token: Any, instance: Any) -> Any:
        try:
            if token.startswith(self.prefix):
                context = self.row_context(instance)
                if context is None:
                    raise crypto.UndecryptableField("the row has no row key")
                return self.open_token(token[len(self.prefix) :], context)
            return self.open_token(token, self.column_context())
        except crypto.UndecryptableField as error:
            # No content in the log: which column of which row, and why.
            logger.warning(
                "%s of row %s cannot be read: %s", self.column_context(), instance.pk, error
            )
            return self.unreadable(token)

    def seal_for(self, value: Any, instance: Any) -> Any:
        context = self.row_context(instance)
        if context is None:
            return self.seal_token(value, self.column_context())
        return self.prefix + self.seal_token(value, context)

    def pre_save(self, model_instance: Any, add: bool) -> Any:
        value = model_instance.__dict__.get(self.attname, _Stored)
        if isinstance(value, _Stored):
            return value  # never opened since it was read: written back as it is
        if value is _Stored:
            value = getattr(model_instance, self.attname)
        if isinstance(value, Unreadable):
            return _Stored(value.token)  # saving a row never destroys what it could not read
        if value is None or value == self.empty:
            return value
        return _Stored(self.seal_for(value, model_instance))

    # Each field type says how its values become bytes or text, and what stands for them.
    def open_token(self, token: Any, context: str) -> Any:
        raise NotImplementedError

    def seal_token(self, value: Any, context: str) -> Any:
        raise NotImplementedError

    def unreadable(self, token: Any) -> Any:
        raise NotImplementedError

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name != "isnull":
            raise TypeError(f"Encrypted fields cannot be queried with '{lookup_name}'.")
        return super().get_lookup(lookup_name)  # type: ignore[misc]


class EncryptedTextField(_Sealed, models.TextField):
    """Text sealed with AES-GCM; the ciphertext is bound to its table, column and row.

    Values cannot be searched or compared in SQL: only `isnull` lookups are allowed.
    """

    description = "Encrypted text"

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, _Stored):
            return value.token
        if isinstance(value, Unreadable):
            return value.token
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        # Written without an instance (a migration's default, QuerySet.update): bound to the
        # column only, as before row binding.
        return crypto.encrypt(self.to_python_text(value), context=self.column_context())

    def to_python_text(self, value: Any) -> str:
        return str(value)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return value
        return _Stored(value)

    def decode_plaintext(self, plaintext: str) -> Any:
        return plaintext

    def open_token(self, token: Any, context: str) -> Any:
        return self.decode_plaintext(crypto.decrypt(token, context=context))

    def seal_token(self, value: Any, context: str) -> Any:
        return crypto.encrypt(self.to_python_text(value), context=context)

    def unreadable(self, token: Any) -> Any:
        return UnreadableText(token)


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

    def unreadable(self, token: Any) -> Any:
        return UnreadableList(token) if self.default is list else UnreadableDict(token)


class EncryptedBinaryField(_Sealed, models.BinaryField):
    """Bytes (an attachment) sealed with AES-GCM and bound to their table, column and row."""

    description = "Encrypted bytes"
    empty = None
    prefix = _ROW_BOUND.encode("ascii")

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if isinstance(value, _Stored | Unreadable):
            value = value.token
        elif value is not None:
            value = crypto.encrypt_bytes(bytes(value), context=self.column_context())
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return value
        return _Stored(bytes(value))

    def open_token(self, token: Any, context: str) -> Any:
        return crypto.decrypt_bytes(token, context=context)

    def seal_token(self, value: Any, context: str) -> Any:
        return crypto.encrypt_bytes(bytes(value), context=context)

    def unreadable(self, token: Any) -> Any:
        return UnreadableBytes(token)


def encrypted_fields(model: Any) -> list[Any]:
    return [f for f in model._meta.concrete_fields if isinstance(f, _Sealed)]


def unreadable_fields(instance: models.Model) -> list[str]:
    """The names of `instance`'s encrypted fields that the configured keys cannot open."""
    return [
        f.name
        for f in encrypted_fields(type(instance))
        if isinstance(getattr(instance, f.attname), Unreadable)
    ]


def require_readable(instance: models.Model) -> None:
    """Raise UndecryptableField if any encrypted field of `instance` cannot be opened."""
    names = unreadable_fields(instance)
    if names:
        raise crypto.UndecryptableField(
            f"{instance._meta.label_lower} {', '.join(names)} cannot be read with the current keys"
        )


def rows_bind(app_label: str, *model_names: str) -> Callable[[Any, Any], None]:
    """A migration step: give each row its own row key and re-seal its values bound to it.

    Every value is opened first (under its column binding, as written before), then sealed again
    under the new row key. A value the keys cannot open is written back as it was.
    """

    def run(apps: Any, schema_editor: Any) -> None:
        for name in model_names:
            model = apps.get_model(app_label, name)
            attnames = [f.attname for f in encrypted_fields(model)]
            pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(pks), 500):
                for row in model._default_manager.filter(pk__in=pks[start : start + 500]):
                    for attname in attnames:
                        getattr(row, attname)
                    setattr(row, ROW_KEY, uuid.uuid4())
                    row.save(update_fields=[ROW_KEY, *attnames])

    return run
