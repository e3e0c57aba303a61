"""Attachments: cleaned of metadata, size-limited, stored encrypted, downloaded by staff only."""

from __future__ import annotations

import io
from typing import Any

import piexif
import pytest
from django.db import connection
from django.urls import reverse
from PIL import Image

from lifeline.core.models import AuditEvent
from lifeline.intake import attachments
from lifeline.intake.attachments import AttachmentRefused, attachment_store, safe_filename
from lifeline.intake.cleaning import CleanedFile
from lifeline.intake.models import Attachment, Contact
from tests.factories import login_staff
from tests.intake.conftest import open_case
from tests.intake.test_cleaning import jpeg_with_gps

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


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b"\xff\xd8\xff\xe0" + b"this is no photo" * 10, "decoded"),
    ],
    ids=["empty", "fake-jpeg"],
)
def test_a_refused_file_leaves_no_row(contact: Contact, data: bytes, why: str) -> None:
    with pytest.raises(AttachmentRefused, match=why):
        attachment_store(contact=contact, filename="a.jpg", content_type="image/jpeg", data=data)
    assert not Attachment.objects.exists()


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
    monkeypatch.setattr(attachments, "clean_file", lambda *args, **kwargs: grown)
    with pytest.raises(AttachmentRefused, match="too large"):
        attachment_store(contact=contact, filename="a.png", content_type="", data=b"x" * 50)
    assert not Attachment.objects.exists()


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
