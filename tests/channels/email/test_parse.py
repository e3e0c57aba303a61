"""Reading inbound mail: any charset and transfer encoding, HTML as text, files, subjects."""

from __future__ import annotations

import base64
import io
import quopri
from email.header import Header

import pytest

from lifeline.channels.email.parse import (
    guess_language,
    html_to_text,
    message_key,
    parse_mail,
    references_in,
    strip_quoted,
)
from lifeline.intake.models import Attachment
from tests.channels.email.conftest import deep_mail, raw_mail, receive

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


def test_the_inbox_key_tells_messages_apart_not_deliveries() -> None:
    first = raw_mail("a", message_id="<same@host.example.org>")
    # A template or a broken client reuses a Message-ID for a different message.
    assert message_key(first) != message_key(raw_mail("b", message_id="<same@host.example.org>"))
    # A second copy by another route: other trace fields and filter stamps, other line ends.
    relayed = (
        b"Return-Path: <ivan@example.org>\r\nDelivered-To: hotline@lifeline.test\r\n"
        b"Received: from mx2.example.net by relay.lifeline.test; Mon, 6 Jan 2025 10:00:01\r\n"
        b"\tfor <hotline@lifeline.test>\r\nX-Spam-Status: No, score=0.1\r\n"
        + first.replace(b"\r\n", b"\n")
        + b"\n\n"
    )
    assert message_key(relayed) == message_key(first)
    assert "example" not in message_key(first)
    no_id = b"From: a@b.example\r\nSubject: x\r\n\r\nhello"
    assert message_key(b"Received: from x by y\r\n" + no_id) == message_key(no_id)
    assert message_key(no_id) != message_key(no_id + b"!")
    assert message_key(b"") and message_key(b"\xff\x00 no header at all")


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
    assert contact.body.endswith(TEXT)
    stored, original = Attachment.objects.filter(contact=contact).order_by("id")
    assert (stored.filename, stored.content_type) == ("фото сына.jpg", "image/jpeg")
    # A path in the name is dropped; why the file was refused is noted for the operator.
    [refused] = contact.fields["attachments_refused"]
    assert refused["filename"] == "пас.pdf"
    assert refused["reason"]
    # The refused file is not lost: the message is kept as it came, and the operator told.
    assert "пас.pdf" in contact.body.split("\n")[0]
    assert (original.filename, bytes(original.data)) == ("original-message.eml", raw)


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="JPEG")
    return out.getvalue()


# --- Every part kept -----------------------------------------------------------------------


def _multipart(subtype: str, *parts: str, boundary: str = "part") -> str:
    """A multipart body of `parts` (each its own headers, a blank line, then its content)."""
    inner = "".join(f"--{boundary}\r\n{part}\r\n" for part in parts)
    return inner + f"--{boundary}--\r\n"


def _text_part(text: str, subtype: str = "plain") -> str:
    return f"Content-Type: text/{subtype}; charset=utf-8\r\n\r\n{text}"


def _inline_jpeg(name: str = "IMG_0001.jpeg") -> str:
    return (
        f'Content-Type: image/jpeg; name="{name}"\r\nContent-Transfer-Encoding: base64\r\n'
        f'Content-Disposition: inline; filename="{name}"\r\n\r\n'
        f"{base64.encodebytes(_jpeg()).decode()}"
    )


def test_text_around_an_inline_picture_is_all_in_the_body_in_order() -> None:
    # What Apple Mail sends when a picture is dropped between two paragraphs.
    body = _multipart(
        "mixed",
        _text_part("Вот мой брат на фото:"),
        _inline_jpeg(),
        _text_part("Его зовут Пётр, он пропал под Бахмутом."),
        _inline_jpeg("IMG_0002.jpeg"),
        _text_part("Спасибо."),
    )
    raw = raw_mail(body, content_type='multipart/mixed; boundary="part"')
    mail = parse_mail(raw)
    assert mail.text == (
        "Вот мой брат на фото:\n\nЕго зовут Пётр, он пропал под Бахмутом.\n\nСпасибо."
    )
    assert [f.filename for f in mail.files] == ["IMG_0001.jpeg", "IMG_0002.jpeg"]
    assert mail.problems == []


def test_every_part_that_is_not_body_text_becomes_a_file() -> None:
    calendar = "BEGIN:VCALENDAR\r\nSUMMARY:meeting\r\nEND:VCALENDAR"
    related = 'Content-Type: multipart/related; boundary="rel"\r\n\r\n' + _multipart(
        "related", _text_part("<p>Фото <img src=cid:x></p>", "html"), _inline_jpeg()
    ).replace("--part", "--rel")
    alternative = 'Content-Type: multipart/alternative; boundary="alt"\r\n\r\n' + _multipart(
        "alternative", _text_part("Фото"), related
    ).replace("--part", "--alt")
    body = _multipart("mixed", alternative, _text_part(calendar, "calendar"))
    raw = raw_mail(body, content_type='multipart/mixed; boundary="part"')
    mail = parse_mail(raw)
    # The plain text is the body; its HTML twin is not repeated, but the picture the HTML
    # shows and the invitation are kept as files.
    assert mail.text == "Фото"
    assert [f.content_type for f in mail.files] == ["image/jpeg", "text/calendar"]
    assert b"SUMMARY:meeting" in mail.files[1].data


def test_html_only_multipart_mail_becomes_text() -> None:
    body = _multipart("mixed", _text_part("<div>Помогите <b>найти</b> отца</div>", "html"))
    raw = raw_mail(body, content_type='multipart/mixed; boundary="part"')
    assert parse_mail(raw).text == "Помогите найти отца"


def test_a_forwarded_letter_is_kept_in_the_body() -> None:
    forwarded = (
        "Посмотрите письмо сына.\n\n"
        "---------- Forwarded message ---------\n"
        "From: Сын <son@example.org>\n\n"
        "Мама, я в плену, в лагере под Курском."
    )
    letter = (
        "From: Son <son@example.org>\r\nSubject: letter\r\n"
        'Content-Type: multipart/mixed; boundary="in"\r\n\r\n'
        + _multipart("mixed", _text_part("Мама, я жив."), _inline_jpeg()).replace("--part", "--in")
    )
    attached = "Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n" + letter
    body = _multipart("mixed", _text_part(forwarded), attached)
    mail = parse_mail(raw_mail(body, content_type='multipart/mixed; boundary="part"'))
    assert "Мама, я в плену, в лагере под Курском." in mail.text
    # A letter forwarded as an attachment is read into the body under its sender and subject,
    # and its picture is a file of its own, to be cleaned like any other.
    assert "From: Son <son@example.org>\nSubject: letter\n\nМама, я жив." in mail.text
    assert [f.filename for f in mail.files] == ["IMG_0001.jpeg"]


# --- What cannot be read --------------------------------------------------------------------


def test_an_unknown_charset_is_read_as_far_as_it_can_and_reported() -> None:
    raw = raw_mail(TEXT.encode(), content_type="text/plain; charset=x-no-such-charset")
    mail = parse_mail(raw)
    assert mail.text == TEXT
    assert mail.problems == ["charset"]


def test_broken_base64_is_reported() -> None:
    body = base64.encodebytes(TEXT.encode()).decode()[:-6] + "!!*\r\n"
    mail = parse_mail(raw_mail(body, encoding="base64"))
    assert mail.problems == ["encoding"]


def test_nesting_too_deep_to_walk_is_reported_and_the_rest_read() -> None:
    raw = deep_mail(3_000)
    mail = parse_mail(raw)
    assert mail.problems == ["structure"]
    assert (mail.sender, mail.subject) == ("ivan@example.org", "Help")
    assert "глубоко" in mail.text


def test_a_deeply_nested_mail_the_parser_takes_is_read_whole() -> None:
    mail = parse_mail(deep_mail(60))
    assert mail.problems == []
    assert "глубоко" in mail.text


def test_a_readable_mail_has_no_problems() -> None:
    assert parse_mail(raw_mail()).problems == []
