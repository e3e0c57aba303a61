"""App configuration for lifeline.core."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "lifeline.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Loaded once the models are: the field-key checks, and the canaries pinned on migrate.
        from lifeline.core import checks, keys  # noqa: F401

        post_migrate.connect(keys.pin_after_migrate, sender=self)
