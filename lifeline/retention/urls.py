"""Console URLs of the retention policy (under /console/retention/)."""

from django.urls import path

from lifeline.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.policy, name="policy"),
]
