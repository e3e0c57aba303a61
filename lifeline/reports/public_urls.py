"""Public URLs of lifeline.reports (the statistics page), served in every language."""

from django.urls import path

from lifeline.reports import public_views

app_name = "statistics"
urlpatterns = [
    path("", public_views.index, name="index"),
]
