"""Console URLs of "log a call", under /console/calls/."""

from django.urls import path

from lifeline.cases.calls import views

app_name = "calls"
urlpatterns = [
    path("new/", views.call_log, name="log"),
]
