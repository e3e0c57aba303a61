"""Providers' webhooks, under /channels/: each channel's own URLs, never language-prefixed."""

from django.urls import include, path

urlpatterns = [
    path("telegram/", include("lifeline.channels.telegram.urls")),
    path("voice/", include("lifeline.channels.phone.urls")),
    path("whatsapp/", include("lifeline.channels.whatsapp.urls")),
]
