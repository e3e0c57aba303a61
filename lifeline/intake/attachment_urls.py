"""Console URL of attachments, under /console/attachments/."""

from django.urls import path

from lifeline.intake import attachment_views

app_name = "attachments"
urlpatterns = [
    path("<int:pk>/", attachment_views.attachment_download, name="download"),
]
