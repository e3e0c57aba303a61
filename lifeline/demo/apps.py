"""App configuration for lifeline.demo: synthetic data and the `lifeline demo` command."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "lifeline.demo"
    label = "demo"
