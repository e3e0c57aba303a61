"""URLs of lifeline.registry, mounted at /console/registry/."""

from django.urls import path

from lifeline.registry import list_views, views

app_name = "registry"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.person_create, name="person_create"),
    path("<int:pk>/", views.person_detail, name="person"),
    path("<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("<int:pk>/names/add/", views.name_form_add, name="name_form_add"),
    path("<int:pk>/status/add/", views.status_event_add, name="status_event_add"),
    path("<int:pk>/capture-card.pdf", views.capture_card_pdf, name="capture_card"),
    path("exports/", views.exports, name="exports"),
    path("exports/new/", views.export_draft, name="export_draft"),
    path("exports/schema/", views.export_schema, name="export_schema"),
    path("exports/<int:pk>/approve/", views.export_approve, name="export_approve"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
    # Matching a whole list, nothing written to the registry (docs/lists.md).
    path("lists/", list_views.list_index, name="lists"),
    path("lists/<int:pk>/", list_views.list_detail, name="list"),
    path("lists/<int:pk>/rows/<int:line>/", list_views.list_row_decide, name="list_row_decide"),
    path("lists/<int:pk>/download/", list_views.list_download, name="list_download"),
    path("lists/<int:pk>/delete/", list_views.list_delete, name="list_delete"),
]
