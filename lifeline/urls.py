"""Root URLconf: public pages (translated, prefixed /uk/ and /en/; Russian unprefixed), console."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

from lifeline.core import views as core_views

urlpatterns = [
    # Health: /healthz/live (the process answers), /healthz/ready (database and field keys);
    # /healthz is readiness too, as it was before the split.
    path("healthz", core_views.health_ready, name="healthz"),
    path("healthz/live", core_views.health_live, name="health_live"),
    path("healthz/ready", core_views.health_ready, name="health_ready"),
    path("console/", include("lifeline.cases.urls")),
    path("console/registry/", include("lifeline.registry.urls")),
    path("console/tracing/", include("lifeline.tracing.urls")),
    path("console/account/", include("lifeline.accounts.urls")),
    path("console/inbox/", include("lifeline.intake.console_urls")),
    path("console/attachments/", include("lifeline.intake.attachments.urls")),
    path("console/calls/", include("lifeline.cases.calls.urls")),
    path("console/outcomes/", include("lifeline.outcomes.urls")),
    path("console/reports/", include("lifeline.reports.urls")),
    path("console/organisation/", include("lifeline.organisation.urls")),
    path("console/retention/", include("lifeline.retention.urls")),
    path("console/audit/", include("lifeline.core.audit_urls")),
    path("channels/", include("lifeline.channels.urls")),
]
urlpatterns += i18n_patterns(
    path("", include("lifeline.public.urls")),
    prefix_default_language=False,
)

# The console's error pages keep its navigation; the public site's speak the visitor's language.
handler403 = "lifeline.core.errors.forbidden"
handler404 = "lifeline.core.errors.not_found"
handler500 = "lifeline.core.errors.server_error"
