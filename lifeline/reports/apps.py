"""App configuration for lifeline.reports."""

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "lifeline.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"
