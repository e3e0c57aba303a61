"""Console URLs of the organisation's settings (under /console/organisation/)."""

from django.urls import path

from lifeline.organisation import views

app_name = "organisation"
urlpatterns = [
    path("", views.edit, name="edit"),
    path("guidance/", views.guidance_index, name="guidance"),
    path("guidance/<str:language>/", views.guidance_edit, name="guidance_edit"),
]
