"""Webhook URLs of the telegram channel."""

from django.urls import path

from lifeline.channels.telegram import views

app_name = "telegram"
urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
]
