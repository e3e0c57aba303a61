"""The real URLconf plus two views that fail, to see the 500 pages (tests only)."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from lifeline.core.access import public_view
from lifeline.urls import handler403, handler404, handler500, urlpatterns


@public_view
def explode(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug")


urlpatterns = [
    path("console/explode/", explode),
    path("explode/", explode),
    path("uk/explode/", explode),
    path("en/explode/", explode),
    *urlpatterns,
]
__all__ = ["handler403", "handler404", "handler500", "urlpatterns"]
