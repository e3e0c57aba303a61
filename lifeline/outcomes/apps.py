"""App configuration for lifeline.outcomes."""

from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "lifeline.outcomes"
    label = "outcomes"
    default_auto_field = "django.db.models.BigAutoField"
