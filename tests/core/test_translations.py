"""The public site and the console are complete in Russian and Ukrainian: no English slips through.

Two checks. The catalogue check extracts the strings of the sources (as `makemessages` would,
into a temporary directory) and requires each to have a translation in ru and uk that is
neither empty nor fuzzy, and compiled into the .mo: first the public sources (PUBLIC_SOURCES),
then every console source (CONSOLE_SOURCES: all of lifeline's templates and Python but
STAYS_ENGLISH). To list what is missing after adding strings:

    make untranslated

The page check renders
every public page (and the bot's texts) in ru and uk, records every string looked up while
doing so, wherever it is defined (a status label of the registry on the statistics page), and
requires each to come back translated; it also looks for any English source sentence of the
project left in the page.
"""

from __future__ import annotations

import gettext as gnu_gettext
import html
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

import lifeline
from lifeline.cases.models import Case, CaseKind
from lifeline.channels.telegram import texts as bot
from lifeline.core.access import Role
from lifeline.core.errors import server_error
from lifeline.demo.builder import demo_load
from lifeline.outcomes.models import AssistanceType, ExchangeBatch, Handover
from lifeline.registry.models import Person
from lifeline.tracing.models import Enquiry
from tests.core.test_url_access import ROUTES
from tests.factories import create_user, login_staff
from tests.public.test_pages import public_pages

ROOT = Path(lifeline.__file__).parent
LOCALE = ROOT / "locale"
CHECKED = ("ru", "uk")
# Names that stay as they are in every language, and Django's own "…" after a truncated text.
SAME_EVERYWHERE = {"Telegram", "WhatsApp", "e-mail", "%(truncated_text)s…"}

# What a visitor (web, bot or e-mail) can be shown. Globs, so that new public files count.
PUBLIC_SOURCES = (
    "templates/public/**/*.html",
    "templates/core/*.html",
    "templates/reports/public*.html",
    "templates/reports/public/**/*.html",
    "templates/reports/_count.html",
    "core/views.py",
    "core/middleware.py",
    "public/*.py",
    "channels/telegram/texts.py",
    "channels/email/adapter.py",
)
# What a staff user can be shown: everything of lifeline's that marks strings for translation,
# less STAYS_ENGLISH. Globs, so that new files count without being listed.
CONSOLE_SOURCES = ("templates/**/*.html", "**/*.py")
# What is meant to stay English, and why:
# - migrations freeze copies of model labels; the models' own strings are the ones checked;
# - management commands and cli.py speak to the server's operator on a terminal (their help,
#   output and errors), as do log messages, which are never marked for translation anyway;
# - lifeline/matching is plain Python without Django and shows nothing itself.
STAYS_ENGLISH = (
    "**/migrations/*.py",
    "**/management/**/*.py",
    "cli.py",
    "matching/**/*.py",
)
# The keywords `makemessages` gives xgettext for the "django" domain.
KEYWORDS = (
    "gettext_noop",
    "gettext_lazy",
    "ngettext_lazy:1,2",
    "pgettext:1c,2",
    "npgettext:1c,2,3",
    "pgettext_lazy:1c,2",
    "npgettext_lazy:1c,2,3",
)


@dataclass
class Message:
    msgid: str
    context: str | None = None
    plural: str | None = None
    msgstr: list[str] = field(default_factory=list)
    flags: set[str] = field(default_factory=set)
    where: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str | None, str]:
        return self.context, self.msgid

    def __str__(self) -> str:
        context = f"[{self.context}] " if self.context else ""
        return f"{context}{self.msgid!r} ({', '.join(self.where[:2]) or '?'})"


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
_PO_LINE = re.compile(r'(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), text.strip()[1:-1])


def read_po(text: str) -> list[Message]:
    """The entries of a .po or .pot file, header and obsolete entries left out."""
    entries: list[Message] = []
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, str] = {}
        flags: set[str] = set()
        where: list[str] = []
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            elif line.startswith("#:"):
                where += line[2:].split()
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and current:
                fields[current] += _unquote(line)
            elif match := _PO_LINE.match(line):
                current = match[1]
                fields[current] = _unquote(match[2])
        if fields.get("msgid"):
            strings = [value for name, value in sorted(fields.items()) if name.startswith("msgstr")]
            entries.append(
                Message(
                    msgid=fields["msgid"],
                    context=fields.get("msgctxt"),
                    plural=fields.get("msgid_plural"),
                    msgstr=strings,
                    flags=flags,
                    where=where,
                )
            )
    return entries


def extract(paths: Iterable[Path], root: Path = ROOT) -> list[Message]:
    """The translatable strings of `paths`, as `makemessages` extracts them, into a temp dir."""
    xgettext = shutil.which("xgettext")
    assert xgettext, "GNU gettext is needed to check translations (apt install gettext)"
    with tempfile.TemporaryDirectory() as tmp:
        names = []
        for path in paths:
            name = str(path.relative_to(root))
            if path.suffix == ".html":
                name += ".py"
                target = Path(tmp, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(templatize(path.read_text(), origin=str(path)))
            else:
                target = Path(tmp, name)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            names.append(name)
        if not names:
            return []
        command = [xgettext, "--language=Python", "--from-code=UTF-8", "--output=-"]
        command += [f"--keyword={keyword}" for keyword in KEYWORDS]
        done = subprocess.run(  # noqa: S603
            [*command, *names], cwd=tmp, capture_output=True, text=True, check=True
        )
    messages = read_po(done.stdout)
    for message in messages:
        message.where = [re.sub(r"\.html\.py:", ".html:", where) for where in message.where]
    return messages


def sources(
    patterns: Iterable[str], root: Path = ROOT, leave_out: Iterable[str] = ()
) -> list[Path]:
    found = {path for pattern in patterns for path in root.glob(pattern) if path.is_file()}
    found -= {path for pattern in leave_out for path in root.glob(pattern)}
    return sorted(found)


def console_sources(root: Path = ROOT) -> list[Path]:
    return sources(CONSOLE_SOURCES, root, leave_out=STAYS_ENGLISH)


def untranslated(
    messages: Iterable[Message], catalogue: list[Message], compiled: Any = None
) -> list[str]:
    """What is missing, empty or fuzzy in `catalogue` (or, when given, its compiled .mo)."""
    entries = {entry.key: entry for entry in catalogue}
    problems = []
    for message in messages:
        entry = entries.get(message.key)
        if entry is None:
            problems.append(f"missing: {message}")
        elif "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {message}")
        elif not entry.msgstr or not all(entry.msgstr):
            problems.append(f"empty: {message}")
        elif compiled is not None and not _compiled_as(compiled, entry):
            problems.append(f"not compiled (run compilemessages): {message}")
    return problems


def _compiled_as(compiled: gnu_gettext.GNUTranslations, entry: Message) -> bool:
    if entry.plural is None:
        if entry.context is None:
            return compiled.gettext(entry.msgid) == entry.msgstr[0]
        return compiled.pgettext(entry.context, entry.msgid) == entry.msgstr[0]
    for n in (1, 2, 5, 21):
        if entry.context is None:
            found = compiled.ngettext(entry.msgid, entry.plural, n)
        else:
            found = compiled.npgettext(entry.context, entry.msgid, entry.plural, n)
        if found not in entry.msgstr:
            return False
    return True


def catalogue(language: str) -> list[Message]:
    return read_po((LOCALE / language / "LC_MESSAGES" / "django.po").read_text())


def compiled(language: str) -> gnu_gettext.GNUTranslations:
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as mo:
        return gnu_gettext.GNUTranslations(mo)


_PLACEHOLDER = re.compile(r"%\([^)]*\)[sdif]|%[sdif]|\n")


@cache
def english_sentences() -> tuple[str, ...]:
    """Every source string of the project with two words or more, cut at its placeholders."""
    everything = sources(["**/*.py", "**/*.html"])
    everything = [path for path in everything if "migrations" not in path.parts]
    found = set()
    for message in extract(everything):
        for text in [message.msgid, message.plural or ""]:
            for part in _PLACEHOLDER.split(text):
                part = part.strip(" .,:;…")
                if len([word for word in part.split() if re.search("[A-Za-z]", word)]) >= 2:
                    found.add(part)
    return tuple(sorted(found, key=len, reverse=True))


@dataclass
class Lookups:
    """Strings looked up in ru or uk that came back untranslated, recorded by `record`."""

    languages: tuple[str, ...] = CHECKED
    untranslated: set[str] = field(default_factory=set)
    count: int = 0

    def record(self, context: str | None, message: str, found: str) -> None:
        if translation.get_language() not in self.languages:
            return
        self.count += 1
        if found == message and re.search("[A-Za-z]", message) and message not in SAME_EVERYWHERE:
            self.untranslated.add(f"[{context}] {message!r}" if context else repr(message))


@contextmanager
def untranslated_lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lookups]:
    """Watch every gettext, pgettext, ngettext and npgettext call (templates and lazy too)."""
    lookups = Lookups()
    trans = translation._trans  # what django.utils.translation.gettext & co. call
    real = {name: getattr(trans, name) for name in ("gettext", "pgettext", "ngettext", "npgettext")}

    def gettext(message: str) -> str:
        found = real["gettext"](message)
        lookups.record(None, message, found)
        return found

    def pgettext(context: str, message: str) -> str:
        found = real["pgettext"](context, message)
        lookups.record(context, message, found)
        return found

    def ngettext(singular: str, plural: str, number: int) -> str:
        found = real["ngettext"](singular, plural, number)
        lookups.record(None, singular, singular if found == plural else found)
        return found

    def npgettext(context: str, singular: str, plural: str, number: int) -> str:
        found = real["npgettext"](context, singular, plural, number)
        lookups.record(context, singular, singular if found == plural else found)
        return found

    with monkeypatch.context() as patch:
        for function in (gettext, pgettext, ngettext, npgettext):
            patch.setattr(trans, function.__name__, function)
        yield lookups


def english_left_in(page: str, sentences: Iterable[str]) -> list[str]:
    """The English sentences found in `page` (HTML or plain text), whitespace ignored."""
    text = " ".join(html.unescape(page).split())
    return [sentence for sentence in sentences if " ".join(sentence.split()) in text]


# The catalogue check


@pytest.mark.parametrize("language", CHECKED)
def test_every_public_string_is_translated(language: str) -> None:
    messages = extract(sources(PUBLIC_SOURCES))
    assert len(messages) > 100, "the public sources were not found"
    problems = untranslated(messages, catalogue(language), compiled(language))
    assert not problems, f"{language}: {len(problems)} public strings:\n" + "\n".join(problems)


@pytest.mark.parametrize("language", CHECKED)
def test_every_console_string_is_translated(language: str) -> None:
    messages = extract(console_sources())
    assert len(messages) > 1000, "the console sources were not found"
    problems = untranslated(messages, catalogue(language), compiled(language))
    assert not problems, f"{language}: {len(problems)} console strings:\n" + "\n".join(problems)


def test_the_console_sources_leave_out_only_what_stays_english() -> None:
    checked = set(console_sources())
    assert set(sources(PUBLIC_SOURCES)) <= checked
    assert ROOT / "templates/console/base.html" in checked
    assert ROOT / "registry/explain.py" in checked
    assert ROOT / "outcomes/models.py" in checked  # the seeded assistance catalogue
    left_out = set(sources(["**/*.py", "**/*.html"])) - checked
    assert left_out, "nothing is left out"
    for path in left_out:
        parts = path.relative_to(ROOT).parts
        assert {"migrations", "management", "matching"} & set(parts) or parts == ("cli.py",)


def test_the_public_sources_cover_every_public_template() -> None:
    public = set(sources(["templates/public/*.html", "templates/core/*.html"]))
    assert public <= set(sources(PUBLIC_SOURCES))
    assert ROOT / "templates/public/status_case.html" in public


# The page check


def _public_pages_in(prefix: str, alice: Any) -> Iterator[tuple[str, str]]:
    for name, response in public_pages(prefix, alice):
        yield name, response.content.decode()
    client = Client()
    for route in ROUTES:
        if route.access == ("public", None) and not route.converters:
            response = client.get(f"{prefix}/{route.route}")
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                yield f"GET {route.name}", response.content.decode()
    with translation.override(prefix.strip("/") or "ru"):
        yield "database unavailable", render_to_string("core/unavailable.html")
    yield "server error", server_error(RequestFactory().get(f"{prefix}/status/")).content.decode()


def _bot_texts(language: str) -> Iterator[tuple[str, str]]:
    text, keyboard = bot.menu(language)
    yield "bot menu", text
    for row in keyboard["inline_keyboard"]:
        yield "bot menu buttons", " | ".join(button["text"] for button in row)
    yield "bot receipt", bot.receipt(language, "LF-7K3Q-9D2M")
    for kind in bot.KINDS:
        yield f"bot prompt {kind}", bot.prompt(language, kind)
    yield "bot passed on", bot.passed_on(language)
    yield "bot case exists", bot.case_exists(language, "LF-7K3Q-9D2M")
    yield "bot files refused", bot.files_refused(language)


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["", "/uk"])
def test_public_pages_show_no_english_in_russian_or_ukrainian(
    prefix: str, alice: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    language = prefix.strip("/") or "ru"
    sentences = english_sentences()
    with untranslated_lookups(monkeypatch) as lookups:
        shown = [*_public_pages_in(prefix, alice), *_bot_texts(language)]
    assert len(shown) >= 20 and lookups.count > 200
    untranslated = "\n".join(sorted(lookups.untranslated))
    assert not untranslated, f"untranslated in {language}:\n{untranslated}"
    problems = [
        f"{name}: {found!r}" for name, page in shown for found in english_left_in(page, sentences)
    ]
    assert not problems, f"English on {language} pages:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_public_pages_in_english_show_no_russian(alice: Any) -> None:
    for name, page in [*_public_pages_in("/en", alice), *_bot_texts("en")]:
        # What visitors and operators wrote is shown as written (the tests write Russian).
        written = r'<p class="body">.*?</p>|<dd>.*?</dd>|<textarea.*?</textarea>|value="[^"]*"'
        page = re.sub(written, "", page, flags=re.S)
        for own_name in bot.LANGUAGE_NAMES.values():  # each language is named in itself
            page = page.replace(own_name, "")
        cyrillic = re.findall(r"\w*[А-Яа-яЁёІіЇїЄєҐґ]\w*", page)
        assert not cyrillic, f"{name}: {cyrillic[:5]}"


# The console's pages, on the demo's data


def _console_pages(client: Client) -> Iterator[tuple[str, str]]:
    """Every console page without parameters, and the pages of a few of each kind of record."""
    for route in ROUTES:
        if route.access and route.access[0] == "staff" and not route.converters:
            response = client.get(f"/{route.route}")
            if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
                yield route.name, response.content.decode()
    pages = [
        *(reverse("cases:detail", args=[pk]) for pk in _one_case_of_each_kind()),
        *(reverse("tracing:enquiry", args=[e.pk]) for e in Enquiry.objects.all()[:4]),
        *(reverse("outcomes:handover", args=[h.case_id]) for h in Handover.objects.all()[:4]),
        *(reverse("outcomes:exchange", args=[b.pk]) for b in ExchangeBatch.objects.all()),
        *(reverse("outcomes:catalogue_edit", args=[t.pk]) for t in AssistanceType.objects.all()),
        *(reverse("registry:person", args=[p.pk]) for p in Person.objects.all()[:4]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, response.content.decode()


def _one_case_of_each_kind() -> list[int]:
    return [Case.objects.filter(kind=kind).values_list("pk", flat=True)[0] for kind in CaseKind]


@pytest.fixture
def demo(settings: Any, tmp_path: Path, db: Any) -> None:
    settings.DATA_DIR = tmp_path
    demo_load(persons=150, cases=40, seed=3)


@pytest.mark.parametrize("language", CHECKED)
def test_console_pages_show_no_english_in_russian_or_ukrainian(
    language: str, demo: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = Client()
    login_staff(client, create_user("polyglot", roles=list(Role.ALL), console_language=language))
    sentences = english_sentences()
    with untranslated_lookups(monkeypatch) as lookups:
        shown = list(_console_pages(client))
    assert len(shown) >= 30 and lookups.count > 1000
    untranslated = "\n".join(sorted(lookups.untranslated))
    assert not untranslated, f"untranslated on the {language} console:\n{untranslated}"
    problems = [
        f"{name}: {found!r}" for name, page in shown for found in english_left_in(page, sentences)
    ]
    assert not problems, f"English on {language} console pages:\n" + "\n".join(problems)


# The checks can fail


def test_the_catalogue_check_reports_a_string_without_translation(tmp_path: Path) -> None:
    page = tmp_path / "templates" / "public" / "new.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        '{% load i18n %}<p>{% translate "A sentence nobody has translated yet" %}</p>'
        '<button>{% translate "Send" %}</button>'
    )
    messages = extract(sources(PUBLIC_SOURCES, root=tmp_path), root=tmp_path)
    assert [m.msgid for m in messages] == ["A sentence nobody has translated yet", "Send"]
    for language in CHECKED:
        problems = untranslated(messages, catalogue(language), compiled(language))
        assert problems == [
            "missing: 'A sentence nobody has translated yet' (templates/public/new.html:1)"
        ]


def test_the_console_check_reports_a_new_console_string_without_translation(
    tmp_path: Path,
) -> None:
    template = tmp_path / "templates" / "console" / "cases" / "new.html"
    template.parent.mkdir(parents=True)
    template.write_text('{% load i18n %}<h2>{% translate "Queue" %}</h2>')
    service = tmp_path / "cases" / "services.py"
    command = tmp_path / "cases" / "management" / "commands" / "tidy.py"
    command.parent.mkdir(parents=True)
    service.write_text(
        "from django.utils.translation import gettext as _, ngettext\n"
        '_("A refusal nobody has translated yet")\n'
        'ngettext("%(n)d case was reopened", "%(n)d cases were reopened", n)\n'
    )
    command.write_text('from django.utils.translation import gettext as _\n_("Tidied.")\n')

    messages = extract(console_sources(root=tmp_path), root=tmp_path)

    assert sorted(m.msgid for m in messages) == [
        "%(n)d case was reopened",
        "A refusal nobody has translated yet",
        "Queue",
    ]
    for language in CHECKED:
        assert untranslated(messages, catalogue(language), compiled(language)) == [
            "missing: 'A refusal nobody has translated yet' (cases/services.py:2)",
            "missing: '%(n)d case was reopened' (cases/services.py:3)",
        ]


def test_the_catalogue_check_reports_fuzzy_empty_and_uncompiled_entries() -> None:
    po = read_po(
        "\n".join(
            [
                'msgid ""\nmsgstr ""\n"Language: ru\\n"\n',
                '#, fuzzy\nmsgid "Send"\nmsgstr "Отправить"\n',
                'msgctxt "telegram"\nmsgid "Something else"\nmsgstr ""\n',
                'msgid "One day"\nmsgid_plural "%(n)d days"\nmsgstr[0] "Один день"\nmsgstr[1] ""\n',
                'msgid "Show"\nmsgstr "Не то, что в .mo"\n',
            ]
        )
    )
    messages = [
        Message("Send"),
        Message("Something else", context="telegram"),
        Message("One day", plural="%(n)d days"),
        Message("Show"),
    ]
    assert untranslated(messages, po, compiled("ru")) == [
        "fuzzy: 'Send' (?)",
        "empty: [telegram] 'Something else' (?)",
        "empty: 'One day' (?)",
        "not compiled (run compilemessages): 'Show' (?)",
    ]


def test_the_page_check_reports_a_string_looked_up_without_translation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with untranslated_lookups(monkeypatch) as lookups, translation.override("uk"):
        translation.gettext("Send")
        str(translation.pgettext_lazy("public", "A label nobody has translated"))
        translation.ngettext("%(n)d thing nobody translated", "%(n)d things", 3)
        with translation.override("en"):
            translation.gettext("English pages are not checked")
    assert lookups.untranslated == {
        "[public] 'A label nobody has translated'",
        "'%(n)d thing nobody translated'",
    }


def test_the_page_check_reports_english_left_in_a_page() -> None:
    sentences = ("Your message has been sent", "Check for a reply")
    page = "<h1>Проверить ответ</h1><p class=notice>Your message has\n been sent.</p>"
    assert english_left_in(page, sentences) == ["Your message has been sent"]
    assert english_left_in("<h1>Проверить ответ</h1>", sentences) == []
    assert "Your message has been sent" in english_sentences()
    assert "For your safety this page locks itself after" in english_sentences()
