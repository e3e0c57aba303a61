"""App configuration for lifeline.accounts."""

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lifeline.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"
