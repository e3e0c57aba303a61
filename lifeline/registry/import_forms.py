"""Forms of the console's import screens: the upload, how the file is read, its mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lifeline.registry.forms import NAME_LANGUAGES
from lifeline.registry.importing import (
    IMPORT_FIELDS,
    LIST_FIELDS,
    OPTION_DEFAULTS,
    MappingRefused,
    mapping_check,
)
from lifeline.registry.models import ImportMapping, Source, Verification
from lifeline.registry.sheets import Sheet, cell_text
from lifeline.registry.text import fold

# The encodings offered instead of the one detected: those lists of persons come in.
ENCODINGS = [
    ("", _("as detected")),
    ("utf-8", "UTF-8"),
    ("cp1251", "Windows-1251"),
    ("koi8-r", "KOI8-R"),
    ("koi8-u", "KOI8-U"),
    ("cp866", "CP866 (DOS)"),
    ("mac-cyrillic", "Mac Cyrillic"),
    ("iso-8859-5", "ISO 8859-5"),
    ("utf-16", "UTF-16"),
    ("cp1252", "Windows-1252"),
]
DELIMITERS = [
    ("", _("as detected")),
    (";", _("semicolon ;")),
    (",", _("comma ,")),
    ("tab", _("tab")),
    ("|", _("vertical bar |")),
]


def delimiter_value(choice: str) -> str:
    """The delimiter a form's choice stands for ("tab" is sent as a word)."""
    return "\t" if choice == "tab" else choice


def delimiter_choice(delimiter: str) -> str:
    return "tab" if delimiter == "\t" else delimiter


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV, XLSX or ODS, with a header row naming the columns."),
    )
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, required=False)
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITERS, required=False)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                gettext("The file is too large: at most %(limit)s MB can be read.")
                % {"limit": f"{limit / 1024 / 1024:.1f}"}
            )
        return upload


class ReadingForm(forms.Form):
    """How to read the uploaded file: its sheet (XLSX, ODS) or its encoding and delimiter (CSV)."""

    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    encoding = forms.ChoiceField(label=_("Encoding"), choices=ENCODINGS, required=False)
    delimiter = forms.ChoiceField(label=_("Delimiter"), choices=DELIMITERS, required=False)

    def __init__(self, *args: Any, sheet_names: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sheet_field: Any = self.fields["sheet"]
        sheet_field.choices = [("", _("the first")), *((n, n) for n in sheet_names)]


_NO_FIELD = [("", "—")]


class MappingForm(forms.Form):
    """Which field each of the file's columns holds, the file's options, and a name to save it
    under. `columns()` gives the mapping as `registry.imports` takes it (field -> header)."""

    source_kind = forms.ChoiceField(label=_("Kind of source"), choices=Source.Kind.choices)
    source_reliability = forms.ChoiceField(
        label=_("Reliability of the source"), choices=Source.Reliability.choices
    )
    source_title = forms.CharField(
        label=_("Title of the source"),
        required=False,
        max_length=200,
        help_text=_("Empty: the file's name. A column mapped to “source” names it per row."),
    )
    verification = forms.ChoiceField(
        label=_("Verification of the status events"), choices=Verification.choices
    )
    name_language = forms.ChoiceField(
        label=_("Language of the names"), required=False, choices=NAME_LANGUAGES
    )
    save_as = forms.CharField(
        label=_("Save this mapping as"),
        required=False,
        max_length=100,
        help_text=_("A name to pick it by next time; the same name replaces it."),
    )

    def __init__(self, *args: Any, header: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.header = header
        choices = _NO_FIELD + [(name, label) for name, label in IMPORT_FIELDS.items()]
        for at, name in enumerate(header):
            self.fields[f"col_{at}"] = forms.ChoiceField(
                label=name or gettext("column %(n)s") % {"n": at + 1},
                choices=choices,
                required=False,
            )

    @staticmethod
    def initial_for(header: list[str], mapping: ImportMapping | None) -> dict[str, Any]:
        """The form's values for a saved mapping (or the defaults): each column's field."""
        options = {**OPTION_DEFAULTS, **(mapping.options if mapping else {})}
        initial: dict[str, Any] = {k: options.get(k, "") for k in OPTION_DEFAULTS}
        if mapping is None:
            return initial
        index = {fold(name): at for at, name in reversed(list(enumerate(header)))}
        for field, given in mapping.columns.items():
            for column in given if isinstance(given, list | tuple) else [given]:
                at = index.get(fold(str(column)))
                if at is not None:
                    initial[f"col_{at}"] = field
        return initial

    def column_fields(self) -> list[tuple[int, forms.BoundField]]:
        return [(at, self[f"col_{at}"]) for at in range(len(self.header))]

    def columns(self) -> dict[str, Any]:
        chosen: dict[str, Any] = {}
        for at, name in enumerate(self.header):
            field = self.cleaned_data.get(f"col_{at}")
            if not field:
                continue
            if field in LIST_FIELDS:
                chosen.setdefault(field, []).append(name)
            else:
                chosen.setdefault(field, name)
        return chosen

    def options(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in OPTION_DEFAULTS}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        seen: dict[str, int] = {}
        for at in range(len(self.header)):
            field = cleaned.get(f"col_{at}")
            if not field or field in LIST_FIELDS:
                continue
            if field in seen:
                self.add_error(
                    f"col_{at}",
                    gettext("%(field)s is already read from column %(n)s.")
                    % {"field": str(IMPORT_FIELDS[field]).capitalize(), "n": seen[field] + 1},
                )
            else:
                seen[field] = at
            if not self.header[at].strip():
                self.add_error(
                    f"col_{at}", gettext("A column without a name in the header cannot be read.")
                )
        if not self.errors:
            try:
                mapping_check(self.columns(), self.header)
            except MappingRefused as refused:
                raise forms.ValidationError(refused.message) from refused
        return cleaned


def sheet_columns(sheet: Sheet, shown: int) -> list[list[str]]:
    """Each column's first `shown` cells as they will be read, column by column."""
    rows = sheet.rows[:shown]
    return [
        [cell_text(row.cells[at]) if at < len(row.cells) else "" for row in rows]
        for at in range(len(sheet.header))
    ]
