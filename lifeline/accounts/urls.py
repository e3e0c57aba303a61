"""URLs of lifeline.accounts: the login flow under /console/account/."""

from django.urls import path

from lifeline.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.me, name="me"),
    path("login/", views.login_view, name="login"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("logout/", views.logout_view, name="logout"),
]
