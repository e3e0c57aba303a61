"""The one way a console view runs a form: check it, call one service, show a refusal on it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from lifeline.core.exceptions import ActionRefused

R = TypeVar("R")


def form_action(
    request: HttpRequest,
    form: BaseForm,
    action: Callable[[], R],
    *,
    success: str | Callable[[R], str],
    redirect_to: Callable[[R], HttpResponse],
    template: str = "",
    context: Mapping[str, Any] | None = None,
    page: Callable[[int], HttpResponse] | None = None,
    error_field: str | None = None,
) -> HttpResponse:
    """Run `action` (one service call) if the bound `form` is valid, then flash and redirect.

    On success the message `success` (or `success(result)`) is flashed and `redirect_to(result)`
    answered. A refusal (`ActionRefused`) becomes an error on the form, on `error_field` or else
    on the form as a whole. Otherwise the page is shown again: a bound form (invalid or refused)
    answers 400, a fresh one 200. The page is `template` rendered with `{"form": form, **context}`,
    or `page(status)` where the view has its own way to render it.
    """
    if form.is_bound and form.is_valid():
        try:
            result = action()
        except ActionRefused as refused:
            form.add_error(error_field, refused.message)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect_to(result)
    status = 400 if form.is_bound else 200
    if page is not None:
        return page(status)
    return render(request, template, {"form": form, **(context or {})}, status=status)
