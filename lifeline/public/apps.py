"""App configuration for lifeline.public."""

from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "lifeline.public"
    label = "public"
