"""Console URL of attachments, under /console/attachments/."""

from django.urls import path

from lifeline.intake.attachments import views

app_name = "attachments"
urlpatterns = [
    path("<int:pk>/", views.attachment_download, name="download"),
]
