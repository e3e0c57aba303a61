"""Public URLs of lifeline.reports (the statistics page), served in every language."""

from django.urls import path  # noqa: F401 (patterns are being added)

app_name = "statistics"
urlpatterns: list[object] = []
