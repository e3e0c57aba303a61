"""Forms of the registry console: they check input; services do the writing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lifeline.registry.importing import IMPORT_FIELDS
from lifeline.registry.models import (
    ImportMapping,
    ListMatch,
    ListMatchRow,
    NameForm,
    Person,
    PersonStatus,
    RegistryExport,
    Source,
    Verification,
    partial_date_errors,
)
from lifeline.registry.selectors import PersonSearch

MIN_BIRTH_YEAR = 1900
NAME_LANGUAGES = [
    ("", _("unknown")),
    ("ru", _("Russian")),
    ("uk", _("Ukrainian")),
    ("en", _("English")),
    ("de", _("German")),
    ("fr", _("French")),
    ("other", _("other")),
]


def _this_year() -> int:
    return timezone.now().year


# Earlier dates are typing mistakes, and the first years of the calendar cannot be converted
# between time zones.
EARLIEST_YEAR = 1900


def past_date(value: date | None) -> date | None:
    """A date that has happened, from EARLIEST_YEAR on; ValidationError otherwise."""
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(_("The date is in the future."))
    if value is not None and value.year < EARLIEST_YEAR:
        raise forms.ValidationError(_("Give a date from %(year)d on.") % {"year": EARLIEST_YEAR})
    return value


class PersonSearchForm(forms.Form):
    surname = forms.CharField(label=_("Surname"), required=False, max_length=100)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), required=False, max_length=100)
    birth_year = forms.IntegerField(
        label=_("Year of birth"), required=False, min_value=MIN_BIRTH_YEAR, max_value=2100
    )
    unit = forms.CharField(label=_("Unit"), required=False, max_length=100)
    service_number = forms.CharField(label=_("Service number"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any"))] + PersonStatus.choices
    )

    def criteria(self) -> PersonSearch:
        data = self.cleaned_data
        return PersonSearch(
            surname=data["surname"].strip(),
            given_name=data["given_name"].strip(),
            patronymic=data["patronymic"].strip(),
            birth_year=data["birth_year"],
            unit=data["unit"].strip(),
            service_number=data["service_number"].strip(),
            status=data["status"],
        )


class PersonForm(forms.Form):
    """A person's own record; his status changes come only through status events."""

    surname = forms.CharField(label=_("Surname"), max_length=100)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), required=False, max_length=100)
    name_language = forms.ChoiceField(
        label=_("Language of the name"), required=False, choices=NAME_LANGUAGES
    )
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=Person.Sex.choices)
    birth_year = forms.IntegerField(
        label=_("Year of birth"), required=False, min_value=MIN_BIRTH_YEAR, max_value=2100
    )
    birth_month = forms.IntegerField(
        label=_("Month of birth"), required=False, min_value=1, max_value=12
    )
    birth_day = forms.IntegerField(
        label=_("Day of birth"), required=False, min_value=1, max_value=31
    )
    place_of_birth = forms.CharField(label=_("Place of birth"), required=False, max_length=200)
    father_name = forms.CharField(label=_("Father's first name"), required=False, max_length=100)
    mother_maiden_name = forms.CharField(
        label=_("Mother's maiden name"), required=False, max_length=100
    )
    rank = forms.CharField(label=_("Rank"), required=False, max_length=100)
    service_number = forms.CharField(label=_("Service number"), required=False, max_length=50)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=100)
    power = forms.CharField(label=_("Power depended on"), required=False, max_length=100)
    health = forms.CharField(label=_("Health"), required=False, widget=forms.Textarea)
    place_of_detention = forms.CharField(
        label=_("Place of detention"), required=False, widget=forms.Textarea
    )
    grave_location = forms.CharField(
        label=_("Grave location"), required=False, widget=forms.Textarea
    )
    inform_family = forms.ChoiceField(
        label=_("Inform the family (capture card)"), choices=Person.InformFamily.choices
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def clean_birth_year(self) -> int | None:
        year: int | None = self.cleaned_data.get("birth_year")
        if year is not None and year > _this_year():
            raise forms.ValidationError(_("The year is in the future."))
        return year

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors.keys() & {"birth_year", "birth_month", "birth_day"}:
            errors = partial_date_errors(
                data.get("birth_year"), data.get("birth_month"), data.get("birth_day")
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return data

    @staticmethod
    def initial_for(person: Person) -> dict[str, Any]:
        initial = {name: getattr(person, name) for name in PERSON_FORM_FIELDS}
        primary = next((f for f in person.name_forms.all() if f.is_primary), None)
        initial["name_language"] = primary.language if primary else ""
        return initial


PERSON_FORM_FIELDS = [name for name in PersonForm.base_fields if name != "name_language"]


class _SourcesByKind(ModelChoiceIterator):
    """The sources as one <optgroup> per kind, in the order of Source.Kind, by title within."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        kinds = dict(Source.Kind.choices)
        groups: dict[str, list[Any]] = {kind: [] for kind in kinds}
        for source in self.queryset:
            groups.setdefault(source.kind, []).append(self.choice(source))
        for kind, choices in groups.items():
            if choices:
                yield kinds.get(kind, kind), sorted(choices, key=lambda c: str(c[1]).casefold())


class SourceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A source picked from a list grouped by its kind. Only what is shown is grouped: what is
    submitted is checked against the queryset, as by any ModelChoiceField."""

    iterator = _SourcesByKind


class NameFormForm(forms.Form):
    surname = forms.CharField(label=_("Surname"), max_length=100)
    given_name = forms.CharField(label=_("Given name"), required=False, max_length=100)
    patronymic = forms.CharField(label=_("Patronymic"), required=False, max_length=100)
    script = forms.ChoiceField(
        label=_("Script"),
        required=False,
        choices=[("", _("detect from the letters"))] + NameForm.Script.choices,
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=NAME_LANGUAGES)
    transliteration = forms.CharField(
        label=_("Transliteration system"),
        required=False,
        max_length=20,
        help_text=_("for a Latin spelling, e.g. icao (passport), bgn, gost, de"),
    )
    source = SourceField(label=_("Source"), required=False, queryset=Source.objects.none())
    make_primary = forms.BooleanField(label=_("Make this the primary name"), required=False)

    def __init__(self, *args: Any, sources: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources  # type: ignore[attr-defined]


class StatusEventForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=PersonStatus.choices)
    occurred_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("leave empty when unknown"),
    )
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=500,
        help_text=_(
            "where it happened: the place of capture, the camp he is held in or transferred "
            "to (his place of detention follows), the hospital, the place of release, "
            "repatriation, escape or death"
        ),
    )
    grave_location = forms.CharField(
        label=_("Grave location"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("for a death, where he is buried, if known; kept encrypted on his record"),
    )
    verification = forms.ChoiceField(label=_("Verification"), choices=Verification.choices)
    source = SourceField(label=_("Existing source"), required=False, queryset=Source.objects.none())
    new_source_title = forms.CharField(
        label=_("Or a new source: title"), required=False, max_length=200
    )
    new_source_kind = forms.ChoiceField(
        label=_("New source: kind"), required=False, choices=[("", "—"), *Source.Kind.choices]
    )
    new_source_reliability = forms.ChoiceField(
        label=_("New source: reliability"),
        required=False,
        choices=[("", "—"), *Source.Reliability.choices],
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea)

    def __init__(self, *args: Any, sources: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources  # type: ignore[attr-defined]

    def clean_occurred_on(self) -> Any:
        return past_date(self.cleaned_data.get("occurred_on"))

    def clean_grave_location(self) -> str:
        return str(self.cleaned_data.get("grave_location") or "").strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("grave_location") and data.get("status") != PersonStatus.DEAD:
            self.add_error("grave_location", _("A grave location is recorded with a death."))
        title = (data.get("new_source_title") or "").strip()
        if data.get("source") and title:
            raise forms.ValidationError(
                _("Pick an existing source or describe a new one, not both.")
            )
        if not data.get("source") and not title:
            raise forms.ValidationError(_("Pick an existing source or describe a new one."))
        if title:
            for field in ("new_source_kind", "new_source_reliability"):
                if not data.get(field):
                    self.add_error(field, _("Needed for a new source."))
        return data

    def new_source(self) -> dict[str, Any] | None:
        data = self.cleaned_data
        if data.get("source"):
            return None
        return {
            "title": data["new_source_title"].strip(),
            "kind": data["new_source_kind"],
            "reliability": data["new_source_reliability"],
        }


class ExportDraftForm(forms.Form):
    since = forms.DateField(
        label=_("Changes since"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("from the start of this day until now"),
    )
    format = forms.ChoiceField(
        label=_("Format"), choices=RegistryExport.Format.choices, initial="csv"
    )

    def clean_since(self) -> Any:
        return past_date(self.cleaned_data.get("since"))


# --- Matching a whole list (registry.lists) -------------------------------------------------

# The columns a list is most often read by, when no saved mapping fits: each names a column by
# its header. The other fields of a mapping are read by saved mappings only.
LIST_COLUMN_FIELDS = (
    "full_name",
    "surname",
    "given_name",
    "patronymic",
    "other_names",
    "birth_date",
    "place_of_birth",
    "rank",
    "service_number",
    "unit",
)


class ListUploadForm(forms.Form):
    """A list to match: the file, what it is, and how to read it (a saved mapping, or the
    columns named here)."""

    file = forms.FileField(label=_("File (CSV, XLSX or ODS)"))
    kind = forms.ChoiceField(label=_("What the list is"), choices=ListMatch.Kind.choices)
    mapping = forms.ModelChoiceField(
        label=_("Saved mapping"),
        queryset=ImportMapping.objects.none(),
        required=False,
        empty_label=_("none: the columns below"),
    )
    sheet = forms.CharField(
        label=_("Sheet"), required=False, max_length=100, help_text=_("XLSX/ODS: the first")
    )

    def __init__(self, *args: Any, mappings: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["mapping"].queryset = mappings  # type: ignore[attr-defined]
        for name in LIST_COLUMN_FIELDS:
            label = IMPORT_FIELDS[name]
            self.fields[name] = forms.CharField(
                label=str(label)[:1].upper() + str(label)[1:],
                required=False,
                max_length=200,
                help_text=_("the column's header") if name == "full_name" else "",
            )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is too large: at most %(limit)s MB can be read.")
                % {"limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)}
            )
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("mapping") and not (data.get("full_name") or data.get("surname")):
            raise forms.ValidationError(
                _("Choose a saved mapping, or name the column of the full name or the surname.")
            )
        return data

    def columns(self) -> dict[str, Any] | None:
        """The columns named here, or None to read by the saved mapping."""
        if self.cleaned_data.get("mapping"):
            return None
        columns: dict[str, Any] = {
            name: self.cleaned_data[name].strip()
            for name in LIST_COLUMN_FIELDS
            if self.cleaned_data.get(name, "").strip()
        }
        if "other_names" in columns:
            columns["other_names"] = [columns["other_names"]]
        return columns


class ListDecideForm(forms.Form):
    decision = forms.ChoiceField(choices=ListMatchRow.Decision.choices, required=False)
    person = forms.IntegerField(required=False, min_value=1)
    band = forms.ChoiceField(choices=[("", ""), *ListMatchRow.Band.choices], required=False)
    page = forms.IntegerField(required=False, min_value=1)
