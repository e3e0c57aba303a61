"""Console URLs of the inbox, under /console/inbox/."""

from django.urls import path

from lifeline.intake import console_views

app_name = "inbox"
urlpatterns = [
    path("troubled/", console_views.troubled, name="troubled"),
    path("troubled/<int:pk>/retry/", console_views.retry, name="retry"),
    path("troubled/retry-all/", console_views.retry_all, name="retry_all"),
]
