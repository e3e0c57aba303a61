"""App configuration for lifeline.retention."""

from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "lifeline.retention"
    label = "retention"
    default_auto_field = "django.db.models.BigAutoField"
