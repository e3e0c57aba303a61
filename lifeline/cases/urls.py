"""URLs of lifeline.cases: the console's home is the queue."""

from django.urls import path

from lifeline.cases import template_views, views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    # `key` is the case's id or its reference; the page redirects a reference to the id.
    path("case/<str:key>/", views.detail, name="detail"),
    path("case/<int:pk>/reply/", views.reply, name="reply"),
    path("case/<int:pk>/reply/fixed/", views.reply_fixed, name="reply_fixed"),
    # WhatsApp's approved templates, the only replies it takes 24 hours after the last message.
    path("case/<int:pk>/reply/template/", views.reply_template, name="reply_template"),
    # Replies held for a second person's approval (family enquiries).
    path("approvals/", views.approvals, name="approvals"),
    path("reply/<int:draft>/approve/", views.reply_approve, name="reply_approve"),
    path("reply/<int:draft>/reject/", views.reply_reject, name="reply_reject"),
    path("case/<int:pk>/note/", views.note, name="note"),
    path("case/<int:pk>/status/", views.transition, name="transition"),
    path("case/<int:pk>/assign/", views.assign, name="assign"),
    path("case/<int:pk>/priority/", views.priority, name="priority"),
    path("case/<int:pk>/template/", views.template_insert, name="template_insert"),
    path("case/<int:pk>/number/", views.caller_number, name="caller_number"),
    path("case/<int:pk>/call-back/", views.call_back, name="call_back"),
    path("case/<int:pk>/presence/", views.presence, name="presence"),
    # Reply templates, kept by supervisors.
    path("reply-templates/", template_views.template_list, name="templates"),
    path("reply-templates/new/", template_views.template_edit, name="template_new"),
    path("reply-templates/<int:pk>/", template_views.template_edit, name="template_edit"),
    path(
        "reply-templates/<int:pk>/delete/", template_views.template_delete, name="template_delete"
    ),
]
