"""App configuration for lifeline.registry."""

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "lifeline.registry"
    label = "registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from lifeline.registry import checks  # noqa: F401  (registers the system checks)
