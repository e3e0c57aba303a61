"""URLs of lifeline.registry, mounted at /console/registry/."""

from django.urls import path

from lifeline.registry import import_views, list_views, views

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
    # Importing persons from a file (docs/import.md, "Screens").
    path("imports/", import_views.import_list, name="imports"),
    path("imports/new/", import_views.import_upload, name="import_upload"),
    path("imports/upload/<int:upload_id>/", import_views.import_mapping, name="import_mapping"),
    path(
        "imports/upload/<int:upload_id>/discard/",
        import_views.import_upload_discard,
        name="import_upload_discard",
    ),
    path("imports/jobs/<int:job_id>/", import_views.import_job, name="import_job"),
    path("imports/<int:batch_id>/", import_views.import_batch, name="import_batch"),
    path("imports/<int:batch_id>/rows/", import_views.import_rows, name="import_rows"),
    path(
        "imports/<int:batch_id>/rows/<int:line>/decide/",
        import_views.import_row_decide,
        name="import_row_decide",
    ),
    path("imports/<int:batch_id>/apply/", import_views.import_apply, name="import_apply"),
    path("imports/<int:batch_id>/undo/", import_views.import_undo, name="import_undo"),
    path("imports/<int:batch_id>/discard/", import_views.import_discard, name="import_discard"),
    path("imports/<int:batch_id>/rematch/", import_views.import_rematch, name="import_rematch"),
    path(
        "imports/<int:batch_id>/bad-rows.<str:kind>",
        import_views.import_bad_rows,
        name="import_bad_rows",
    ),
    # Matching a whole list, nothing written to the registry (docs/lists.md).
    path("lists/", list_views.list_index, name="lists"),
    path("lists/jobs/<int:job_id>/", list_views.list_job, name="list_job"),
    path("lists/<int:pk>/", list_views.list_detail, name="list"),
    path("lists/<int:pk>/rows/<int:line>/", list_views.list_row_decide, name="list_row_decide"),
    path("lists/<int:pk>/download/", list_views.list_download, name="list_download"),
    path("lists/<int:pk>/delete/", list_views.list_delete, name="list_delete"),
]
