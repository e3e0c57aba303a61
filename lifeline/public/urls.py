"""URLs of the public site; lifeline/urls.py serves them in Russian unprefixed, /uk/ and /en/."""

from django.urls import path

from lifeline.cases.models import CaseKind
from lifeline.public import statistics, views

app_name = "public"
urlpatterns = [
    path("", views.start, name="start"),
    path("write/surrender/", views.write, {"kind": CaseKind.SURRENDER}, name="surrender"),
    path("write/family/", views.write, {"kind": CaseKind.FAMILY_ENQUIRY}, name="family"),
    path("write/other/", views.write, {"kind": CaseKind.OTHER}, name="other"),
    path("write/receipt/", views.receipt, name="receipt"),
    path("status/", views.status, name="status"),
    path("status/reply/", views.reply, name="reply"),
    path("status/leave/", views.leave, name="leave"),
    path("statistics/", statistics.index, name="statistics"),
]
