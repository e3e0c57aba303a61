"""URLs of lifeline.accounts under /console/account/: login, enrolment, own account, staff."""

from django.urls import path

from lifeline.accounts import staff_views, views

app_name = "accounts"
urlpatterns = [
    path("", views.me, name="me"),
    path("time-zone/", views.time_zone, name="time_zone"),
    path("login/", views.login_view, name="login"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("enrol/<str:token>/", views.enrol, name="enrol"),
    path("logout/", views.logout_view, name="logout"),
    path("staff/", staff_views.staff_list, name="staff"),
    path("staff/invite/", staff_views.staff_invite, name="staff_invite"),
    path("staff/<int:pk>/", staff_views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/roles/", staff_views.staff_roles, name="staff_roles"),
    path("staff/<int:pk>/deactivate/", staff_views.staff_deactivate, name="staff_deactivate"),
    path("staff/<int:pk>/reactivate/", staff_views.staff_reactivate, name="staff_reactivate"),
    path("staff/<int:pk>/reset/", staff_views.staff_reset, name="staff_reset"),
]
