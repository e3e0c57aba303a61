"""Console URLs of the phone channel, under /console/calls/."""

from django.urls import path

from lifeline.intake.channels.phone import views

app_name = "calls"
urlpatterns = [
    path("new/", views.call_log, name="log"),
]
