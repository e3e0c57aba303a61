"""Console URLs of lifeline.outcomes, mounted at /console/outcomes/."""

from django.urls import path

from lifeline.outcomes import views

app_name = "outcomes"
urlpatterns = [
    # The panel on a case page.
    path("case/<int:case_pk>/offer/", views.offer, name="offer"),
    path("offer/<int:pk>/choose/", views.offer_choose, name="offer_choose"),
    path("case/<int:case_pk>/assistance/", views.assistance_add, name="assistance_add"),
    path("assistance/<int:pk>/status/", views.assistance_status, name="assistance_status"),
    # Handovers, one per handover case.
    path("case/<int:case_pk>/handover/", views.handover, name="handover"),
    path("case/<int:case_pk>/handover/open/", views.handover_open, name="handover_open"),
    path("case/<int:case_pk>/handover/verify/", views.handover_verify, name="handover_verify"),
    path(
        "case/<int:case_pk>/handover/schedule/", views.handover_schedule, name="handover_schedule"
    ),
    path(
        "case/<int:case_pk>/handover/complete/", views.handover_complete, name="handover_complete"
    ),
    path("handover-step/<int:pk>/", views.handover_step, name="handover_step"),
    # Exchange batches.
    path("exchanges/", views.exchange_list, name="exchanges"),
    path("exchanges/new/", views.exchange_create, name="exchange_create"),
    path("exchanges/<int:pk>/", views.exchange, name="exchange"),
    path("exchanges/<int:pk>/edit/", views.exchange_edit, name="exchange_edit"),
    path("exchanges/<int:pk>/add/", views.exchange_entry_add, name="exchange_entry_add"),
    path("exchanges/<int:pk>/action/", views.exchange_action, name="exchange_action"),
    path("exchanges/from-list/<int:list_pk>/", views.exchange_from_list, name="exchange_from_list"),
    path("entry/<int:pk>/outcome/", views.exchange_entry_outcome, name="exchange_entry_outcome"),
    # The assistance catalogue.
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:pk>/", views.catalogue_edit, name="catalogue_edit"),
    path("catalogue/<int:pk>/delete/", views.catalogue_delete, name="catalogue_delete"),
]
