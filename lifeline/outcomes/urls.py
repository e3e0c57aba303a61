"""Console URLs of lifeline.outcomes."""

from django.urls import path  # noqa: F401 (patterns are being added)

app_name = "outcomes"
urlpatterns: list[object] = []
