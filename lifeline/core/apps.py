"""App configuration for lifeline.core."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lifeline.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"
