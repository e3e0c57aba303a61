"""App configuration for lifeline.intake."""

from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "lifeline.intake"
    label = "intake"
    default_auto_field = "django.db.models.BigAutoField"
