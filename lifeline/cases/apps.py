"""App configuration for lifeline.cases."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "lifeline.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"
