"""Webhook URL of the WhatsApp channel."""

from django.urls import path

from lifeline.channels.whatsapp import views

app_name = "whatsapp"
urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
]
