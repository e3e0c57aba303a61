"""Template filters of the console's forms."""

from __future__ import annotations

from django import forms, template

register = template.Library()


@register.filter
def any_required(form: forms.BaseForm) -> bool:
    """Whether a visible field of `form` must be filled in (the form then shows the legend)."""
    return any(field.field.required for field in form.visible_fields())
