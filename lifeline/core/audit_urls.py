"""URLs of the audit log's console screen."""

from django.urls import path

from lifeline.core import audit_views

app_name = "audit"
urlpatterns = [
    path("", audit_views.audit_log, name="log"),
    path("export.csv", audit_views.audit_export, name="export"),
    path("verify/", audit_views.audit_verify_request, name="verify"),
]
