"""Webhook URLs of the phone channel, under /channels/voice/."""

from django.urls import path

from lifeline.channels.phone import views

app_name = "phone"
urlpatterns = [
    path("events/", views.voice_event, name="events"),
]
