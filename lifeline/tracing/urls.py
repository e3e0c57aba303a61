"""URLs of lifeline.tracing, mounted at /console/tracing/."""

from django.urls import path

from lifeline.tracing import views

app_name = "tracing"
urlpatterns = [
    path("", views.enquiry_queue, name="enquiries"),
    path("new/", views.enquiry_create, name="enquiry_create"),
    path("<int:pk>/", views.enquiry, name="enquiry"),
    path("<int:pk>/edit/", views.enquiry_edit, name="enquiry_edit"),
    path("<int:pk>/match/", views.enquiry_match, name="enquiry_match"),
    path("<int:pk>/verify/", views.enquirer_verify, name="enquirer_verify"),
    path("<int:pk>/disclosure/", views.disclosure_draft, name="disclosure_draft"),
    path("candidate/<int:pk>/review/", views.candidate_review, name="candidate_review"),
    path("approvals/", views.approvals, name="approvals"),
    path("disclosure/<int:pk>/approve/", views.disclosure_approve, name="disclosure_approve"),
    path("disclosure/<int:pk>/reject/", views.disclosure_reject, name="disclosure_reject"),
    path("duplicates/", views.duplicate_list, name="duplicates"),
    path("duplicates/find/", views.duplicates_find, name="duplicates_find"),
    path("duplicates/<int:pk>/merge/", views.duplicate_merge, name="duplicate_merge"),
    path("duplicates/<int:pk>/dismiss/", views.duplicate_dismiss, name="duplicate_dismiss"),
]
