"""Reading inbound mail: any charset and transfer encoding, HTML as text, files, subjects."""

from __future__ import annotations

import base64
import io
import quopri
from email.header import Header

import pytest

from lifeline.intake.channels.email.parse import (
    guess_language,
    html_to_text,
    message_key,
    parse_mail,
    references_in,
    strip_quoted,
)
from lifeline.intake.models import Attachment
from tests.intake.channels.email.conftest import raw_mail, receive

TEXT = "Здравствуйте. Я хочу сдаться, что мне делать?"


def test_koi8_r_body_and_encoded_subject() -> None:
    subject = Header("Сдача в плен", "koi8-r").encode()
    raw = raw_mail(
        TEXT.encode("koi8-r"), subject=subject, content_type="text/plain; charset=koi8-r"
    )
    mail = parse_mail(raw)
    assert (mail.text, mail.subject) == (TEXT, "Сдача в плен")
    assert mail.sender == "ivan@example.org"


def test_windows_1251_quoted_printable() -> None:
    subject = Header("Ищу сына", "windows-1251", header_name="Subject").encode()
    body = quopri.encodestring(TEXT.encode("windows-1251"))
    raw = raw_mail(
        body,
        subject=subject,
        content_type='text/plain; charset="windows-1251"',
        encoding="quoted-printable",
    )
    mail = parse_mail(raw)
    assert (mail.text, mail.subject) == (TEXT, "Ищу сына")


def test_utf8_base64_and_ukrainian() -> None:
    text = "Шукаю брата, він зник у березні."
    raw = raw_mail(base64.encodebytes(text.encode()), encoding="base64")
    mail = parse_mail(raw)
    assert mail.text == text
    assert guess_language(mail.text) == "uk"
    assert (guess_language(TEXT), guess_language("Hello")) == ("ru", "en")


def test_an_undeclared_charset_is_read_as_utf8_or_windows_1251() -> None:
    raw = raw_mail(TEXT.encode("windows-1251"), content_type="text/plain")
    assert parse_mail(raw).text == TEXT


def test_html_only_mail_becomes_text_without_tags_or_scripts() -> None:
    html = (
        "<html><head><title>t</title><style>p { color: red }</style></head><body>"
        "<script>alert('x')</script><p>Мой сын <b>Пётр</b>\n пропал</p>"
        "<p>в мае&nbsp;&amp; не пишет</p><ul><li>Киев</li></ul>"
        "<img src=x onerror=alert(1)></body></html>"
    )
    raw = raw_mail(html.encode(), content_type="text/html; charset=utf-8")
    text = parse_mail(raw).text
    assert text == "Мой сын Пётр пропал\n\nв мае & не пишет\n\n- Киев"
    assert html_to_text("<b>a</b><script>b</script>c") == "ac"


def test_plain_text_is_preferred_to_its_html_twin() -> None:
    boundary = "b1"
    body = (
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nПростой текст\r\n"
        f"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML</p>\r\n"
        f"--{boundary}--\r\n"
    )
    raw = raw_mail(body, content_type=f'multipart/alternative; boundary="{boundary}"')
    mail = parse_mail(raw)
    assert (mail.text, mail.files) == ("Простой текст", [])


def test_quoted_history_and_a_quoted_secret_are_dropped() -> None:
    text = (
        "Спасибо, жду ответа.\n\n"
        '10.01.2025, 12:00, "Lifeline" <hotline@lifeline.test>:\n'
        "> Ваш секретный код ABCD-EFGH-JKMN-PQRS.\n>\n"
    )
    assert strip_quoted(text) == "Спасибо, жду ответа."
    assert strip_quoted("мой код ABCD-EFGH-JKMN-PQRS") == "мой код ••••-••••-••••-••••"
    top_posted = "Ответ\n\n-----Original Message-----\nFrom: x\nСтарый текст"
    assert strip_quoted(top_posted) == "Ответ"


def test_references_in_a_subject() -> None:
    subject = "Re: Ваше обращение [LF-7K3Q-9D2M] и lf 7k3q 9d2m, LF-AAAA-BBBB"
    assert references_in(subject) == ["LF-7K3Q-9D2M", "LF-AAAA-BBBB"]


def test_the_inbox_key_is_the_hashed_message_id() -> None:
    first = raw_mail("a", message_id="<same@host.example.org>")
    again = raw_mail("b", message_id="<same@host.example.org>")
    assert message_key(first) == message_key(again)
    assert "example" not in message_key(first)
    no_id = b"From: a@b.example\r\n\r\nhello"
    assert message_key(no_id).startswith("raw-")
    assert message_key(no_id) != message_key(no_id + b"!")


@pytest.mark.django_db
def test_attachments_are_stored_and_a_refused_one_is_noted(settings: object) -> None:
    setattr(settings, "ATTACHMENT_MAX_BYTES", 5_000)  # noqa: B010
    photo = _jpeg()
    big = b"%PDF-1.4\n" + b"0" * 6_000
    name = Header("фото сына.jpg", "utf-8").encode()
    boundary = "mix"
    body = (
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{TEXT}\r\n"
        f"--{boundary}\r\nContent-Type: image/jpeg\r\nContent-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment; filename="{name}"\r\n\r\n'
        f"{base64.b64encode(photo).decode()}\r\n"
        f"--{boundary}\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: attachment; filename*=utf-8''..%2F%D0%BF%D0%B0%D1%81.pdf\r\n\r\n"
        f"{base64.encodebytes(big).decode()}\r\n"
        f"--{boundary}--\r\n"
    )
    raw = raw_mail(body, content_type=f'multipart/mixed; boundary="{boundary}"')
    contact = receive(raw)
    assert contact.body == TEXT
    stored = Attachment.objects.get(contact=contact)
    assert (stored.filename, stored.content_type) == ("фото сына.jpg", "image/jpeg")
    # A path in the name is dropped; why the file was refused is noted for the operator.
    [refused] = contact.fields["attachments_refused"]
    assert refused["filename"] == "пас.pdf"
    assert refused["reason"]


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="JPEG")
    return out.getvalue()
