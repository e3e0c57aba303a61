"""Console URLs of lifeline.reports: the dashboard and its exports."""

from django.urls import path

from lifeline.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/<slug:table>.<slug:fmt>", views.export, name="export"),
]
