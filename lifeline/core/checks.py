"""System checks for the field keys: a malformed key ring, a wrong key, a model left unbound.

Imported by CoreConfig.ready(), when the models are loaded.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import DatabaseError

from lifeline.core import crypto, lookup
from lifeline.core.fields import ROW_KEY, RowKeyField, encrypted_fields
from lifeline.core.keys import field_keys_problem


@checks.register(checks.Tags.security)
def check_field_key_ring(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every command refuses a malformed LIFELINE_FIELD_KEYS (or lookup key ring) in one line."""
    try:
        crypto.key_ids()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="core.E101")]
    try:
        lookup.lookup_hash(b"")
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="core.E103")]
    return []


@checks.register(checks.Tags.security)
def check_audit_signing_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """A malformed checkpoint signing key is refused at start, not at the first checkpoint."""
    from lifeline.core.checkpoints import signing_key

    try:
        signing_key()
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="core.E103")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def check_field_key_canaries(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """`check --deploy` asks the database whether the configured keys opened its canaries.

    Database checks usually run only with --database; this one is what --deploy is for, so it
    asks the default database itself. A database not reachable or not migrated yet is reported
    as information, not a failure: migrate pins the keys.
    """
    try:
        problem = field_keys_problem()
    except DatabaseError:
        return [checks.Info("The field keys were not checked: no database.", id="core.I102")]
    if problem is not None:
        return [
            checks.Error(f"The field keys cannot read this database: {problem}.", id="core.E102")
        ]
    return []


@checks.register(checks.Tags.models)
def check_row_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Each model with encrypted fields has a row key, or its values are not bound to its rows."""
    return [
        checks.Warning(
            f"{model._meta.label} has encrypted fields but no `{ROW_KEY} = RowKeyField()`; its "
            "values are bound to their columns only.",
            obj=model,
            id="core.W101",
        )
        for model in apps.get_models()
        if encrypted_fields(model) and not isinstance(_field_or_none(model, ROW_KEY), RowKeyField)
    ]


def _field_or_none(model: Any, name: str) -> Any:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
