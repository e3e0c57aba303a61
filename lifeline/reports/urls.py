"""Console URLs of lifeline.reports."""

from django.urls import path  # noqa: F401 (patterns are being added)

app_name = "reports"
urlpatterns: list[object] = []
