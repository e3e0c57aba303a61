"""App configuration for lifeline.tracing."""

from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "lifeline.tracing"
    label = "tracing"
    default_auto_field = "django.db.models.BigAutoField"
