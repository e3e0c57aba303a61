"""App configuration for lifeline.organisation."""

from django.apps import AppConfig


class OrganisationConfig(AppConfig):
    name = "lifeline.organisation"
    label = "organisation"
    default_auto_field = "django.db.models.BigAutoField"
