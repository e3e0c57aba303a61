"""Console URLs of the organisation's settings (under /console/organisation/)."""

from django.urls import path

from lifeline.organisation import views

app_name = "organisation"
urlpatterns = [
    path("", views.edit, name="edit"),
]
