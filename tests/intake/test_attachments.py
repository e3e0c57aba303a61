"""Attachments: cleaned of metadata, size-limited, stored encrypted, downloaded by staff only."""

from __future__ import annotations

import base64
import io
from typing import Any

import piexif
import pytest
from django.db import connection
from django.urls import reverse
from PIL import Image

from lifeline.core.models import AuditEvent
from lifeline.intake.attachments import store as attachments
from lifeline.intake.attachments.cleaning import CleanedFile
from lifeline.intake.attachments.store import AttachmentRefused, attachment_store, safe_filename
from lifeline.intake.models import Attachment, Contact
from tests.channels.email.conftest import raw_mail, receive
from tests.factories import login_staff
from tests.intake.test_cleaning import image_bytes, jpeg_with_gps, png_bomb, zip_bytes
from tests.public.helpers import open_case

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
MAKE, MODEL = piexif.ImageIFD.Make, piexif.ImageIFD.Model


@pytest.fixture
def contact() -> Contact:
    case, _receipt = open_case(body="Фото дома, где видели брата")
    return case.contacts.get()


def raw_column(attachment: Attachment, column: str) -> bytes:
    """The column as the database holds it, without the field's decryption."""
    table = connection.ops.quote_name(Attachment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [attachment.pk])  # noqa: S608
        value = cursor.fetchone()[0]
    return bytes(value) if isinstance(value, bytes | memoryview) else str(value).encode()


def test_a_photo_is_stored_without_its_gps_position_and_encrypted(contact: Contact) -> None:
    original = jpeg_with_gps(size=(64, 48))
    exif = piexif.load(original)
    assert exif["GPS"][piexif.GPSIFD.GPSLatitude] and exif["0th"][MAKE] == b"SyntheticPhone"

    stored = attachment_store(
        contact=contact, filename="IMG_0042.jpg", content_type="image/jpeg", data=original
    )

    attachment = Attachment.objects.get(pk=stored.pk)
    data = bytes(attachment.data)
    assert (attachment.content_type, attachment.cleaning) == ("image/jpeg", "stripped")
    assert attachment.size == len(data)
    cleaned = piexif.load(data)
    assert not cleaned["GPS"]
    assert MAKE not in cleaned["0th"] and MODEL not in cleaned["0th"]
    assert piexif.ExifIFD.DateTimeOriginal not in cleaned["Exif"]
    image = Image.open(io.BytesIO(data))
    exif_now = image.getexif()
    assert not exif_now.get_ifd(GPS_IFD) and MAKE not in exif_now and MODEL not in exif_now
    assert image.size == (64, 48)
    image.load()  # still a picture

    raw = raw_column(attachment, "data")
    assert not raw.startswith(b"\xff\xd8\xff")
    assert b"\xff\xd8\xff\xe0" not in raw and b"JFIF" not in raw
    assert data not in raw and b"SyntheticPhone" not in raw
    assert b"IMG_0042" not in raw_column(attachment, "filename")


def test_the_type_stored_is_the_real_one(contact: Contact) -> None:
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    attachment = attachment_store(
        contact=contact, filename="report.pdf", content_type="application/pdf", data=png.getvalue()
    )
    assert attachment.content_type == "image/png"


def test_an_unknown_binary_is_stored_as_it_came_unchecked(contact: Contact) -> None:
    data = bytes(range(256)) * 8
    attachment = attachment_store(
        contact=contact, filename="voice.amr", content_type="audio/amr", data=data
    )
    attachment.refresh_from_db()
    assert bytes(attachment.data) == data
    assert (attachment.content_type, attachment.cleaning) == (
        "application/octet-stream",
        "unchecked",
    )


def test_an_empty_file_is_refused_and_leaves_no_row(contact: Contact) -> None:
    with pytest.raises(AttachmentRefused, match="empty"):
        attachment_store(contact=contact, filename="a.jpg", content_type="image/jpeg", data=b"")
    assert not Attachment.objects.exists()


def test_a_picture_that_does_not_decode_is_kept_as_it_came_and_flagged(
    client: Any, carol: Any, contact: Contact
) -> None:
    damaged = b"\xff\xd8\xff\xe0" + b"this is no photo" * 10
    stored = attachment_store(
        contact=contact, filename="son.jpg", content_type="image/jpeg", data=damaged
    )
    assert (bytes(stored.data), stored.cleaning) == (damaged, "undecodable")
    login_staff(client, carol)
    html = client.get(reverse("cases:detail", args=[contact.case_id])).content.decode()
    assert "not cleaned: it does not open as the file it claims to be" in html


def test_a_file_over_the_limit_is_refused(contact: Contact, settings: Any) -> None:
    settings.ATTACHMENT_MAX_BYTES = 100
    with pytest.raises(AttachmentRefused, match="too large"):
        attachment_store(
            contact=contact, filename="a.txt", content_type="text/plain", data=b"x" * 101
        )
    assert not Attachment.objects.exists()


def test_the_cleaned_file_is_checked_against_the_limit_again(
    contact: Contact, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 100
    grown = CleanedFile(b"y" * 101, "image/png", "stripped")
    monkeypatch.setattr(attachments, "clean_bounded", lambda *args, **kwargs: grown)
    with pytest.raises(AttachmentRefused, match="too large"):
        attachment_store(contact=contact, filename="a.png", content_type="", data=b"x" * 50)
    assert not Attachment.objects.exists()


# --- what cleaning may cost -----------------------------------------------------------------


def test_a_decompression_bomb_is_kept_as_it_came_and_flagged(contact: Contact) -> None:
    bomb = png_bomb(20_000, 20_000)

    attachment = attachment_store(
        contact=contact, filename="photo.png", content_type="image/png", data=bomb
    )

    attachment.refresh_from_db()
    assert bytes(attachment.data) == bomb  # nothing that was accepted is lost
    assert (attachment.content_type, attachment.cleaning) == ("image/png", "too-large")
    assert bomb not in raw_column(attachment, "data")  # stored encrypted all the same


def test_a_9400_pixel_square_picture_is_not_decoded(contact: Contact) -> None:
    # The picture that took the worker from 265 MB to 1.36 GB: 470 KB sent, 88 megapixels.
    attachment = attachment_store(
        contact=contact, filename="scan.png", content_type="image/png", data=png_bomb(9_400, 9_400)
    )
    assert attachment.cleaning == "too-large"


def test_the_pixel_limit_is_a_setting(contact: Contact, settings: Any) -> None:
    settings.ATTACHMENT_MAX_PIXELS = 1_000
    photo = jpeg_with_gps(size=(100, 100))
    attachment = attachment_store(
        contact=contact, filename="a.jpg", content_type="image/jpeg", data=photo
    )
    assert (bytes(attachment.data), attachment.cleaning) == (photo, "too-large")


def test_an_office_document_that_unpacks_too_large_is_kept_and_flagged(
    contact: Contact, settings: Any
) -> None:
    settings.ATTACHMENT_MAX_BYTES = 100_000  # unpacked, five times that
    bomb = zip_bytes(
        [("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>" + bytes(600_000))]
    )
    attachment = attachment_store(
        contact=contact, filename="letter.docx", content_type="", data=bomb
    )
    assert (bytes(attachment.data), attachment.cleaning) == (bomb, "too-large")


@pytest.mark.parametrize(
    ("budget", "reason"),
    [
        ({"ATTACHMENT_CLEANING_MEMORY_BYTES": 1024 * 1024}, "out-of-memory"),
        ({"ATTACHMENT_CLEANING_SECONDS": 0.05}, "out-of-time"),
    ],
    ids=["memory", "time"],
)
def test_a_file_whose_cleaning_runs_out_of_budget_is_kept_and_flagged(
    contact: Contact, settings: Any, budget: dict[str, Any], reason: str
) -> None:
    for name, value in budget.items():
        setattr(settings, name, value)
    photo = image_bytes("PNG", size=(4000, 4000))

    attachment = attachment_store(
        contact=contact, filename="scan.png", content_type="image/png", data=photo
    )

    assert (bytes(attachment.data), attachment.cleaning) == (photo, reason)


@pytest.mark.django_db(transaction=True)
def test_a_mail_carrying_a_bomb_is_filed_with_the_bomb_kept() -> None:
    bomb = png_bomb(20_000, 20_000)
    boundary = "mix"
    body = (
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nФото брата\r\n"
        f"--{boundary}\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment; filename="brat.png"\r\n\r\n'
        f"{base64.encodebytes(bomb).decode()}\r\n"
        f"--{boundary}--\r\n"
    )

    contact = receive(raw_mail(body, content_type=f'multipart/mixed; boundary="{boundary}"'))

    [kept] = Attachment.objects.filter(contact=contact)
    assert (kept.filename, kept.cleaning, bytes(kept.data)) == ("brat.png", "too-large", bomb)
    assert "attachments_refused" not in contact.fields


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\Олена\\Desktop\\лист.docx", "лист.docx"),
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("a\x00b\nc\td.txt", "abcd.txt"),
        ("", "attachment"),
        ("..", "attachment"),
        ("x" * 300 + ".jpg", "x" * 255),
    ],
)
def test_filenames_keep_only_a_safe_base_name(given: str, kept: str) -> None:
    assert safe_filename(given) == kept


# --- the download and the case page ---------------------------------------------------------


@pytest.fixture
def stored(contact: Contact) -> Attachment:
    return attachment_store(
        contact=contact, filename="IMG_0042.jpg", content_type="image/jpeg", data=jpeg_with_gps()
    )


def test_a_supervisor_downloads_the_file_as_an_attachment(
    client: Any, carol: Any, stored: Attachment
) -> None:
    login_staff(client, carol)

    response = client.get(reverse("attachments:download", args=[stored.pk]))

    assert response.status_code == 200
    assert response.content == bytes(stored.data)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="IMG_0042.jpg"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="attachment.view")
    assert (event.actor, event.object_id) == (carol, str(stored.pk))
    assert event.detail == {"contact": stored.contact_id, "case": stored.contact.case_id}
    assert "IMG_0042" not in str(event.detail)


def test_markup_is_served_as_opaque_bytes(client: Any, carol: Any, contact: Contact) -> None:
    html = attachment_store(
        contact=contact,
        filename="письмо.html",
        content_type="text/html",
        data=b"<!DOCTYPE html><script>alert(1)</script>",
    )
    login_staff(client, carol)

    response = client.get(reverse("attachments:download", args=[html.pk]))

    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]


@pytest.mark.parametrize("username", ["dave", "mallory"])
def test_users_who_cannot_read_cases_are_refused(
    client: Any, request: pytest.FixtureRequest, stored: Attachment, username: str
) -> None:
    login_staff(client, request.getfixturevalue(username))
    response = client.get(reverse("attachments:download", args=[stored.pk]))
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="attachment.view").exists()


def test_a_missing_attachment_is_404(client: Any, carol: Any) -> None:
    login_staff(client, carol)
    assert client.get(reverse("attachments:download", args=[999999])).status_code == 404


def test_the_case_page_lists_attachments_and_warns_of_unchecked_ones(
    client: Any, carol: Any, contact: Contact, stored: Attachment
) -> None:
    attachment_store(
        contact=contact, filename="voice.ogg", content_type="audio/ogg", data=b"OggS" + bytes(300)
    )
    login_staff(client, carol)

    html = client.get(reverse("cases:detail", args=[contact.case_id])).content.decode()

    assert "IMG_0042.jpg" in html and "voice.ogg" in html
    assert reverse("attachments:download", args=[stored.pk]) in html
    assert html.count("metadata not checked — open with care") == 1
    assert "304\xa0bytes" in html


def test_the_case_page_says_why_a_file_was_not_cleaned(
    client: Any, carol: Any, contact: Contact
) -> None:
    attachment_store(
        contact=contact, filename="brat.png", content_type="", data=png_bomb(20_000, 20_000)
    )
    login_staff(client, carol)

    html = client.get(reverse("cases:detail", args=[contact.case_id])).content.decode()

    assert "brat.png" in html
    assert "not cleaned: too large to decode safely; kept as it came — open with care" in html


# --- files that run code when opened -----------------------------------------------------------

PROGRAM = b"MZ\x90\x00\x03" + bytes(59) + b"This program cannot be run in DOS mode"
SCRIPTS = [
    ("invoice.hta", b'<hta:application/><script>new ActiveXObject("WScript.Shell")</script>'),
    ("run.bat", b"@echo off\r\ndel /q %USERPROFILE%\\Documents\r\n"),
    ("run.cmd", b"@echo off\r\nstart calc\r\n"),
    ("letter.js", b'var shell = new ActiveXObject("WScript.Shell");\n'),
    ("letter.html", b"<!DOCTYPE html><script>alert(1)</script>"),
    ("map.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("page.xhtml", b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"/>'),
    ("macro.vbs", b'CreateObject("WScript.Shell").Run "calc"\r\n'),
    ("script.ps1", b"Invoke-WebRequest http://example.invalid/x\n"),
    ("job.wsf", b'<job><script language="JScript">WScript.Echo(1)</script></job>'),
    ("setup.exe", PROGRAM),
    ("photos.scr", PROGRAM),
    ("app.jar", zip_bytes([("META-INF/MANIFEST.MF", b"Main-Class: A\n")])),
    ("shortcut.lnk", b"L\x00\x00\x00\x01\x14\x02\x00" + bytes(68)),
    # The bytes give them away whatever their name says:
    ("note.txt", b"<b>read me</b><script>alert(1)</script>"),
    ("IMG_0042.jpg", PROGRAM),
]


@pytest.mark.parametrize(("filename", "data"), SCRIPTS, ids=[name for name, _ in SCRIPTS])
def test_a_script_is_flagged_and_downloaded_under_a_neutral_name(
    client: Any, carol: Any, contact: Contact, filename: str, data: bytes
) -> None:
    stored = attachment_store(contact=contact, filename=filename, content_type="", data=data)
    login_staff(client, carol)

    page = client.get(reverse("cases:detail", args=[contact.case_id])).content.decode()
    response = client.get(reverse("attachments:download", args=[stored.pk]))

    assert "can run code when opened — saved with a safe extension; open with care" in page
    assert response.content == data
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    saved_as = disposition.split('filename="', 1)[1].rstrip('"')
    assert saved_as.startswith(filename)
    assert saved_as.rsplit(".", 1)[1] in ("txt", "bin")


def test_ordinary_files_keep_their_name_and_carry_no_script_warning(
    client: Any, carol: Any, contact: Contact, stored: Attachment
) -> None:
    note = attachment_store(
        contact=contact, filename="note.txt", content_type="", data="Шукаю брата\n".encode()
    )
    login_staff(client, carol)

    page = client.get(reverse("cases:detail", args=[contact.case_id])).content.decode()
    response = client.get(reverse("attachments:download", args=[note.pk]))

    assert "can run code when opened" not in page
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"] == 'attachment; filename="note.txt"'
