"""Metadata cleaning by real file type: plain functions on synthetic files, no database."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib
from typing import Any

import piexif
import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter

from lifeline.intake.attachments.cleaning import (
    NONE,
    STRIPPED,
    UNCHECKED,
    CleaningRefused,
    TooLarge,
    clean_file,
    is_dangerous,
    sniff,
)

SECRET = "Synthetic Author"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def gps_exif(orientation: int = 1) -> bytes:
    """EXIF as a phone writes it: where, with what, when."""
    return piexif.dump(
        {
            "0th": {
                piexif.ImageIFD.Make: b"SyntheticPhone",
                piexif.ImageIFD.Model: b"Model 7",
                piexif.ImageIFD.Artist: SECRET.encode(),
                piexif.ImageIFD.Orientation: orientation,
            },
            "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2024:03:01 10:15:00"},
            "GPS": {
                piexif.GPSIFD.GPSLatitudeRef: b"N",
                piexif.GPSIFD.GPSLatitude: ((50, 1), (27, 1), (1234, 100)),
                piexif.GPSIFD.GPSLongitudeRef: b"E",
                piexif.GPSIFD.GPSLongitude: ((30, 1), (31, 1), (4321, 100)),
            },
        }
    )


def image_bytes(fmt: str, size: tuple[int, int] = (20, 10), **options: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, fmt, **options)
    return out.getvalue()


@functools.cache
def png_bomb(width: int, height: int) -> bytes:
    """A one-colour black-and-white PNG of `width` x `height`, compressed to a few kilobytes.

    Written with zlib row by row, so making it never holds the picture in memory.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    rows = bytes(1 + (width + 7) // 8) * 1000  # each a filter byte, then one bit a pixel
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(rows) for _ in range(height // 1000))
    pixels += packer.compress(rows[: len(rows) // 1000 * (height % 1000)]) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def jpeg_with_gps(size: tuple[int, int] = (20, 10), orientation: int = 1) -> bytes:
    return image_bytes("JPEG", size, exif=gps_exif(orientation))


def zip_bytes(members: list[tuple[str, bytes]], stored: frozenset[str] = frozenset()) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, body in members:
            kind = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name, (2024, 3, 1, 10, 15, 0)), body, kind)
    return out.getvalue()


CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    f"<dc:creator>{SECRET}</dc:creator><cp:lastModifiedBy>{SECRET}</cp:lastModifiedBy>"
    "</cp:coreProperties>"
).encode()
APP_XML = (
    '<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats.org/'
    'officeDocument/2006/extended-properties"><Company>Synthetic Company</Company></Properties>'
).encode()
DOCUMENT_XML = (
    b'<?xml version="1.0"?><w:document xmlns:w="urn:w"><w:body>Text</w:body></w:document>'
)


def docx_bytes(extra: list[tuple[str, bytes]] | None = None) -> bytes:
    return zip_bytes(
        [
            ("[Content_Types].xml", b'<?xml version="1.0"?><Types/>'),
            ("_rels/.rels", b'<?xml version="1.0"?><Relationships/>'),
            ("word/document.xml", DOCUMENT_XML),
            ("docProps/core.xml", CORE_XML),
            ("docProps/app.xml", APP_XML),
            *(extra or []),
        ]
    )


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- sniffing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (image_bytes("PNG"), "image/png"),
        (image_bytes("GIF"), "image/gif"),
        (image_bytes("WEBP"), "image/webp"),
        (image_bytes("TIFF"), "image/tiff"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        (b"OggS\x00\x02" + bytes(40), "audio/ogg"),
        (b"\x00\x00\x00\x18ftypheic" + bytes(16), "image/heic"),
        (b"\x00\x00\x00\x18ftypisom" + bytes(16), "video/mp4"),
        ("Привет, это обычный текст.\n".encode(), "text/plain"),
        ("Привет в cp1251\r\n".encode("cp1251"), "text/plain"),
        (b"<!DOCTYPE html><script>alert(1)</script>", "text/html"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (b"I mention %PDF- in a note", "text/plain"),
        (bytes(range(256)), "application/octet-stream"),
    ],
)
def test_the_type_comes_from_the_bytes(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


def test_a_declared_name_does_not_change_the_type() -> None:
    cleaned = clean_file(image_bytes("PNG"), "holiday.jpg")
    assert cleaned.content_type == "image/png"
    assert Image.open(io.BytesIO(cleaned.data)).format == "PNG"


# --- images ---------------------------------------------------------------------------------


def test_jpeg_loses_gps_camera_and_times_and_keeps_its_pixels() -> None:
    original = jpeg_with_gps(size=(64, 48))
    assert piexif.load(original)["GPS"]  # the fixture really carries a position

    cleaned = clean_file(original, "photo.jpg")

    assert (cleaned.content_type, cleaned.cleaning) == ("image/jpeg", STRIPPED)
    image = Image.open(io.BytesIO(cleaned.data))
    assert image.size == (64, 48)
    assert not image.getexif()
    assert "exif" not in image.info
    assert b"SyntheticPhone" not in cleaned.data and SECRET.encode() not in cleaned.data
    red, _green, _blue = image.convert("RGB").getpixel((10, 10))  # type: ignore[misc]
    assert red > 150  # still the red picture


def test_exif_orientation_is_applied_before_it_is_dropped() -> None:
    cleaned = clean_file(jpeg_with_gps(size=(20, 10), orientation=6), "sideways.jpg")
    image = Image.open(io.BytesIO(cleaned.data))
    assert image.size == (10, 20)
    assert image.getexif().get(piexif.ImageIFD.Orientation) is None


def test_png_text_chunks_are_dropped() -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", SECRET)
    info.add_itxt("Location", "50.4501 N, 30.5234 E — Київ")
    info.add_text("Comment", "compressed secret", zip=True)
    original = image_bytes("PNG", pnginfo=info, exif=gps_exif())
    assert b"tEXt" in original and b"iTXt" in original

    cleaned = clean_file(original, "screen.png")

    assert cleaned.cleaning == STRIPPED
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", SECRET.encode(), b"50.4501"):
        assert chunk not in cleaned.data
    image = Image.open(io.BytesIO(cleaned.data))
    assert image.size == (20, 10) and not getattr(image, "text", {})


@pytest.mark.parametrize("fmt", ["WEBP", "TIFF", "AVIF"])
def test_other_photo_formats_lose_their_exif(fmt: str) -> None:
    cleaned = clean_file(image_bytes(fmt, exif=gps_exif(orientation=6)), "photo")
    image = Image.open(io.BytesIO(cleaned.data))
    assert cleaned.cleaning == STRIPPED
    assert image.size == (10, 20)
    exif = image.getexif()
    assert not exif.get_ifd(0x8825)  # GPS
    assert piexif.ImageIFD.Make not in exif and piexif.ImageIFD.Artist not in exif


def test_avif_becomes_a_jpeg() -> None:
    cleaned = clean_file(image_bytes("AVIF"), "photo.avif")
    assert cleaned.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(cleaned.data)).format == "JPEG"


def test_an_animated_gif_keeps_its_frames_and_loses_its_comment() -> None:
    frames = [Image.new("RGB", (8, 8), (i * 60, 0, 0)) for i in range(4)]
    out = io.BytesIO()
    frames[0].save(
        out, "GIF", save_all=True, append_images=frames[1:], duration=120, loop=0, comment=b"Kyiv"
    )

    cleaned = clean_file(out.getvalue(), "cat.gif")

    image = Image.open(io.BytesIO(cleaned.data))
    assert getattr(image, "n_frames", 1) == 4 and image.info["duration"] == 120
    assert b"Kyiv" not in cleaned.data


def test_a_multi_page_tiff_keeps_every_page() -> None:
    pages = [Image.new("L", (30, 40), shade) for shade in (0, 128, 255)]
    out = io.BytesIO()
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], description=SECRET)

    cleaned = clean_file(out.getvalue(), "scan.tif")

    assert getattr(Image.open(io.BytesIO(cleaned.data)), "n_frames", 1) == 3
    assert SECRET.encode() not in cleaned.data


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe0" + b"not a picture at all" * 20,
        jpeg_with_gps()[:200],  # cut off in the middle
        b"\x89PNG\r\n\x1a\n" + bytes(100),
    ],
    ids=["garbage", "truncated", "png-header-only"],
)
def test_an_image_that_does_not_decode_is_refused(data: bytes) -> None:
    with pytest.raises(CleaningRefused, match=r"the image cannot be decoded"):
        clean_file(data, "photo.jpg")


def test_a_decompression_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = image_bytes("PNG", size=(100, 100))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow itself refuses past 2000
    with pytest.raises(TooLarge, match=r"the image is too large to decode"):
        clean_file(data, "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 6000)  # Pillow only warns: we refuse
    with (
        pytest.warns(Image.DecompressionBombWarning),
        pytest.raises(TooLarge, match=r"the image is too large to decode"),
    ):
        clean_file(data, "bomb.png")


def test_a_20000_pixel_square_bomb_is_refused_from_its_header() -> None:
    bomb = png_bomb(20_000, 20_000)  # 400 megapixels: 400 MB decoded, a few KB sent
    assert len(bomb) < 100_000
    with pytest.raises(TooLarge, match=r"the image is too large to decode"):
        clean_file(bomb, "bomb.png")


def test_a_picture_under_pillows_limit_but_over_ours_is_refused_undecoded() -> None:
    # 88 megapixels passed Pillow's own limit (89): cleaning it took the worker to 1.3 GB.
    picture = png_bomb(9_400, 9_400)
    with pytest.raises(TooLarge, match=r"the image is too large to decode"):
        clean_file(picture, "scan.png")


def test_the_pixel_limit_counts_pictures_inside_documents_too() -> None:
    document = docx_bytes([("word/media/image1.png", png_bomb(2_000, 2_000))])
    with pytest.raises(TooLarge, match=r"the image is too large to decode"):
        clean_file(document, "letter.docx", max_pixels=1_000_000)
    assert clean_file(document, "letter.docx").cleaning == STRIPPED


def test_a_heic_photo_pillow_cannot_read_is_kept_unchecked() -> None:
    data = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64)
    cleaned = clean_file(data, "IMG_0001.HEIC")
    assert (cleaned.data, cleaned.content_type, cleaned.cleaning) == (
        data,
        "image/heic",
        UNCHECKED,
    )


# --- PDF ------------------------------------------------------------------------------------

XMP = f"""<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq>
<rdf:li>{SECRET}</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>""".encode()


def pdf_bytes(pages: int = 3, password: str | None = None) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    writer.add_metadata(
        {
            "/Author": SECRET,
            "/Creator": "Synthetic Writer 1.0",
            "/Producer": "Synthetic PDF Library",
            "/CreationDate": "D:20240301101500+02'00'",
            "/Title": "Letter",
        }
    )
    writer.xmp_metadata = XMP
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_loses_its_information_dictionary_and_xmp() -> None:
    original = pdf_bytes(pages=3)
    assert SECRET.encode() in original

    cleaned = clean_file(original, "letter.pdf")

    assert (cleaned.content_type, cleaned.cleaning) == ("application/pdf", STRIPPED)
    reader = PdfReader(io.BytesIO(cleaned.data))
    assert len(reader.pages) == 3
    assert not reader.metadata  # no /Author, /Creator, /Producer, dates
    assert reader.xmp_metadata is None
    for text in (SECRET, "Synthetic Writer", "Synthetic PDF Library", "D:2024"):
        assert text.encode() not in cleaned.data


def test_comment_authors_go_but_form_field_names_stay() -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    comment = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/T"): TextStringObject(SECRET),
            NameObject("/Contents"): TextStringObject("see page 2"),
        }
    )
    field = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/T"): TextStringObject("surname_field"),
        }
    )
    page[NameObject("/Annots")] = ArrayObject(
        [writer._add_object(comment), writer._add_object(field)]
    )
    out = io.BytesIO()
    writer.write(out)

    cleaned = clean_file(out.getvalue(), "form.pdf")

    assert SECRET.encode() not in cleaned.data
    page_read: Any = PdfReader(io.BytesIO(cleaned.data)).pages[0]
    annotations = [a.get_object() for a in page_read["/Annots"]]
    assert [a.get("/T") for a in annotations] == [None, "surname_field"]
    assert annotations[0]["/Contents"] == "see page 2"


def test_page_and_image_xmp_go_too() -> None:
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)
    xmp = DecodedStreamObject()
    xmp.set_data(XMP)
    image = DecodedStreamObject()
    image.set_data(b"\x00" * 3)
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Metadata"): writer._add_object(xmp),
        }
    )
    page[NameObject("/Metadata")] = writer._add_object(xmp)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im1"): writer._add_object(image)})}
    )
    out = io.BytesIO()
    writer.write(out)
    assert SECRET.encode() in out.getvalue()

    cleaned = clean_file(out.getvalue(), "scan.pdf")

    assert cleaned.cleaning == STRIPPED
    assert SECRET.encode() not in cleaned.data
    resources: Any = PdfReader(io.BytesIO(cleaned.data)).pages[0]["/Resources"]
    assert "/Im1" in resources["/XObject"]


@pytest.mark.parametrize(
    "data",
    [pdf_bytes(password="secret"), b"%PDF-1.4\n" + b"\x00broken" * 50],
    ids=["encrypted", "broken"],
)
def test_a_pdf_pypdf_cannot_read_is_kept_unchecked(data: bytes) -> None:
    cleaned = clean_file(data, "letter.pdf")
    assert (cleaned.data, cleaned.content_type, cleaned.cleaning) == (
        data,
        "application/pdf",
        UNCHECKED,
    )


# --- office documents -----------------------------------------------------------------------


def test_docx_loses_its_author_and_company_and_keeps_its_text() -> None:
    original = docx_bytes()

    cleaned = clean_file(original, "letter.docx")

    assert cleaned.content_type.endswith("wordprocessingml.document")
    assert cleaned.cleaning == STRIPPED
    before, after = members(original), members(cleaned.data)
    assert list(after) == list(before)
    assert SECRET.encode() not in after["docProps/core.xml"]
    assert b"Synthetic Company" not in after["docProps/app.xml"]
    assert after["docProps/core.xml"].startswith(b"<?xml")
    for name in ("[Content_Types].xml", "_rels/.rels", "word/document.xml"):
        assert after[name] == before[name]
    with zipfile.ZipFile(io.BytesIO(cleaned.data)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_photo_inside_a_docx_is_cleaned_too() -> None:
    cleaned = clean_file(docx_bytes([("word/media/image1.jpeg", jpeg_with_gps())]), "a.docx")

    photo = members(cleaned.data)["word/media/image1.jpeg"]
    assert not Image.open(io.BytesIO(photo)).getexif()
    assert b"SyntheticPhone" not in cleaned.data
    assert cleaned.cleaning == STRIPPED


def test_a_broken_photo_inside_a_docx_marks_it_unchecked() -> None:
    broken = b"\xff\xd8\xff\xe0" + b"garbage" * 10
    cleaned = clean_file(docx_bytes([("word/media/image1.jpeg", broken)]), "a.docx")
    assert cleaned.cleaning == UNCHECKED
    assert members(cleaned.data)["word/media/image1.jpeg"] == broken


def test_odt_loses_its_meta_and_keeps_mimetype_first_and_stored() -> None:
    meta = (
        '<?xml version="1.0"?><office:document-meta xmlns:office="urn:oasis:names:tc:'
        'opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:'
        f'1.0"><office:meta><meta:initial-creator>{SECRET}</meta:initial-creator>'
        "</office:meta></office:document-meta>"
    ).encode()
    original = zip_bytes(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b'<?xml version="1.0"?><office:document-content/>'),
            ("meta.xml", meta),
            ("META-INF/manifest.xml", b'<?xml version="1.0"?><manifest/>'),
        ],
        stored=frozenset({"mimetype"}),
    )

    cleaned = clean_file(original, "letter.odt")

    assert cleaned.content_type == "application/vnd.oasis.opendocument.text"
    assert cleaned.cleaning == STRIPPED
    assert SECRET.encode() not in cleaned.data
    with zipfile.ZipFile(io.BytesIO(cleaned.data)) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert b"office:meta" in archive.read("meta.xml")
    assert cleaned.data[30:38] == b"mimetype"  # where readers look for it


def test_a_zip_bomb_is_refused() -> None:
    bomb = docx_bytes([("word/padding.bin", bytes(2_000_000))])
    assert len(bomb) < 10_000
    with pytest.raises(TooLarge, match=r"the document unpacks too large"):
        clean_file(bomb, "bomb.docx", max_unpacked_bytes=1_000_000)


def test_a_plain_zip_is_kept_unchecked() -> None:
    data = zip_bytes([("notes/secret.txt", b"hello")])
    cleaned = clean_file(data, "archive.zip")
    assert (cleaned.data, cleaned.content_type, cleaned.cleaning) == (
        data,
        "application/zip",
        UNCHECKED,
    )


# --- everything else ------------------------------------------------------------------------


def test_plain_text_needs_no_cleaning() -> None:
    data = "Шукаю брата, Іван Петренко\n".encode()
    assert clean_file(data, "note.txt") == type(clean_file(data, "x"))(data, "text/plain", NONE)
    assert clean_file(b"name;age\nIvan;40\n", "list.csv").content_type == "text/csv"


@pytest.mark.parametrize(
    "data",
    [bytes(range(256)) * 4, b"OggS\x00\x02" + bytes(200), b"<svg onload=alert(1)>"],
    ids=["unknown", "voice", "svg"],
)
def test_anything_else_is_kept_as_it_came_unchecked(data: bytes) -> None:
    cleaned = clean_file(data, "file")
    assert (cleaned.data, cleaned.cleaning) == (data, UNCHECKED)


# --- files that run code when opened ----------------------------------------------------------

LNK = b"L\x00\x00\x00\x01\x14\x02\x00" + bytes(68)
PROGRAM = b"MZ\x90\x00\x03" + bytes(59) + b"This program cannot be run in DOS mode"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PROGRAM, "application/x-msdownload"),
        (b"\x7fELF\x02\x01\x01" + bytes(64), "application/x-executable"),
        (LNK, "application/x-ms-shortcut"),
        (zip_bytes([("META-INF/MANIFEST.MF", b"Main-Class: A\n")]), "application/java-archive"),
        (b"#!/bin/sh\nrm -rf ~\n", "text/x-shellscript"),
        (b'<hta:application id="x"/><script>new ActiveXObject("x")</script>', "text/html"),
        (b"<b>hi</b><script>alert(1)</script>", "text/html"),
        (b"I saw <script> in the notes", "text/plain"),  # not markup: it starts with no tag
    ],
    ids=["exe", "elf", "lnk", "jar", "shebang", "hta", "bare-script", "text"],
)
def test_programs_and_scripts_are_recognised_by_their_bytes(data: bytes, kind: str) -> None:
    assert sniff(data) == kind


@pytest.mark.parametrize(
    "filename",
    [
        "invoice.hta",
        "run.bat",
        "run.cmd",
        "letter.js",
        "page.html",
        "page.htm",
        "page.xhtml",
        "picture.svg",
        "macro.vbs",
        "script.ps1",
        "setup.exe",
        "screensaver.scr",
        "app.jar",
        "shortcut.lnk",
        "job.wsf",
        "disk.iso",
        "budget.xlsm",
        "photo.jpg.exe",
        "LETTER.JS",
        "letter.js. ",
    ],
)
def test_a_script_or_program_is_dangerous_by_its_name(filename: str) -> None:
    assert is_dangerous(filename, "text/plain")


@pytest.mark.parametrize(
    "kind",
    [
        "text/html",
        "image/svg+xml",
        "application/xml",
        "text/x-shellscript",
        "application/x-msdownload",
        "application/x-executable",
        "application/x-ms-shortcut",
        "application/java-archive",
    ],
)
def test_a_script_or_program_is_dangerous_by_its_bytes_whatever_its_name(kind: str) -> None:
    assert is_dangerous("holiday.jpg", kind)


@pytest.mark.parametrize(
    ("filename", "kind"),
    [
        ("IMG_0042.jpg", "image/jpeg"),
        ("note.txt", "text/plain"),
        ("list.csv", "text/csv"),
        ("letter.pdf", "application/pdf"),
        ("letter.docx", DOCX_TYPE),
        ("voice.ogg", "audio/ogg"),
        ("no extension", "application/octet-stream"),
        ("js", "text/plain"),
    ],
)
def test_ordinary_files_are_not_dangerous(filename: str, kind: str) -> None:
    assert not is_dangerous(filename, kind)
