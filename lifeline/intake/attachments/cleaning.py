"""Strip metadata from a file, chosen by its real type: pure functions, no Django.

A photo can carry the GPS position it was taken at, a document its author's name. Files
come from people in danger, so what we can clean we clean before anything is stored, and
what we cannot is marked so staff are warned before they open it.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageCms, ImageOps, ImageSequence
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, PdfObject

STRIPPED = "stripped"  # the metadata the type can carry was removed
NONE = "none"  # the type carries no metadata
UNCHECKED = "unchecked"  # a type we cannot clean: stored as it came
# Kept as it came, not cleaned, because cleaning it would cost more than we allow:
TOO_LARGE = "too-large"  # more pixels, frames or unpacked bytes than the limits
OUT_OF_MEMORY = "out-of-memory"  # the cleaning process ran out of its memory budget
OUT_OF_TIME = "out-of-time"  # the cleaning process ran out of its time budget
CRASHED = "crashed"  # the cleaning process died (a decoder fed hostile bytes)
UNDECODABLE = "undecodable"  # not the picture or document it claims to be (damaged, or a fake)
NOT_CLEANED = frozenset({TOO_LARGE, OUT_OF_MEMORY, OUT_OF_TIME, CRASHED, UNDECODABLE})

OCTET_STREAM = "application/octet-stream"
JPEG, PNG, GIF, WEBP, TIFF = "image/jpeg", "image/png", "image/gif", "image/webp", "image/tiff"
HEIC, AVIF = "image/heic", "image/avif"
PDF = "application/pdf"
ZIP = "application/zip"
TEXT, CSV = "text/plain", "text/csv"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF_PREFIX = "application/vnd.oasis.opendocument."
OPC = "application/vnd.openxmlformats-package"  # another OPC package (XPS, Visio)

# Pillow format and save options per type. HEIC and AVIF become JPEG: every viewer opens it.
_IMAGE_OUTPUT: dict[str, tuple[str, str, dict[str, Any]]] = {
    JPEG: (JPEG, "JPEG", {"quality": 90}),
    PNG: (PNG, "PNG", {}),
    GIF: (GIF, "GIF", {}),
    WEBP: (WEBP, "WEBP", {"quality": 90}),
    TIFF: (TIFF, "TIFF", {"compression": "tiff_lzw"}),
    HEIC: (JPEG, "JPEG", {"quality": 90}),
    AVIF: (JPEG, "JPEG", {"quality": 90}),
}
_MULTI_FRAME = {GIF, WEBP, TIFF}  # animations and multi-page scans keep every frame
MAX_FRAMES = 1000
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_FTYP_BRANDS = {b"qt  ": "video/quicktime", b"M4A ": "audio/mp4", b"3gp4": "video/3gpp"}
# Common types we cannot clean, named rather than left as application/octet-stream.
_UNCLEANED_MAGIC = (
    (b"OggS", "audio/ogg"),  # Telegram voice messages
    (b"ID3", "audio/mpeg"),
    (b"\x1aE\xdf\xa3", "video/webm"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # .doc, .xls
    (b"\x1f\x8b", "application/gzip"),
    (b"Rar!", "application/vnd.rar"),
    (b"7z\xbc\xaf\x27\x1c", "application/x-7z-compressed"),
    (b"MZ", "application/x-msdownload"),  # Windows programs and libraries (.exe, .dll, .scr)
    (b"\x7fELF", "application/x-executable"),
    (b"L\x00\x00\x00\x01\x14\x02\x00", "application/x-ms-shortcut"),  # .lnk
)
HTML, SVG, XML, SHELL = "text/html", "image/svg+xml", "application/xml", "text/x-shellscript"
JAR, APK = "application/java-archive", "application/vnd.android.package-archive"

# Files that run code when opened, whatever they claim to be. A type counts when the bytes
# say it (sniffed), an extension when the name says it: Windows opens a file by its name, so
# a script named .js is dangerous even when its bytes look like plain text.
DANGEROUS_TYPES = frozenset(
    {
        HTML,
        SVG,
        XML,  # XSLT and XHTML run script in a browser
        "application/xhtml+xml",
        SHELL,
        JAR,
        APK,
        "application/x-msdownload",
        "application/x-executable",
        "application/x-ms-shortcut",
    }
)
DANGEROUS_EXTENSIONS = frozenset(
    (
        # markup a browser renders, with its scripts
        "htm html xhtml xht shtml mht mhtml hta svg svgz xml xsl xslt "
        # Windows Script Host, batch files, PowerShell, shortcuts and installers
        "js jse mjs vbs vbe wsf wsh wsc ws sct bat cmd com exe scr pif cpl msc msi msp mst "
        "dll ocx lnk url website scf inf reg ps1 psm1 psd1 ps1xml psc1 application appref-ms "
        "gadget chm hlp settingcontent-ms library-ms search-ms diagcab appx msix appinstaller "
        # disk images that smuggle programs past "downloaded from the internet" warnings
        "iso img vhd vhdx "
        # other platforms' programs and scripts
        "jar jnlp apk app dmg pkg deb rpm sh bash zsh csh ksh command py pyw pl rb php "
        # office documents with macros
        "docm dotm xlsm xltm xlam pptm potm ppsm ppam sldm"
    ).split()
)

MAX_MEMBERS = 10_000  # of an office document's zip
DEFAULT_MAX_UNPACKED = 50 * 1024 * 1024
# A 50-megapixel phone photo is cleaned; a picture of more is refused from its header, before
# a single pixel is decoded. Pillow's own limit (89 megapixels) lets a 9,400 x 9,400 PNG of
# 470 KB through, and cleaning that took 1.1 GB.
DEFAULT_MAX_PIXELS = 50_000_000
_EPOCH = (1980, 1, 1, 0, 0, 0)  # zip member times say when (and in which zone) someone worked

_OOXML_CORE = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
    b'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
_OOXML_APP = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
    b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
)
_OOXML_CUSTOM = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-'
    b'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
)
_ODF_META = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'office:version="1.2"><office:meta/></office:document-meta>'
)
_EMPTY_METADATA = {
    "docProps/core.xml": _OOXML_CORE,
    "docProps/app.xml": _OOXML_APP,
    "docProps/custom.xml": _OOXML_CUSTOM,
    "meta.xml": _ODF_META,
}
_PDF_METADATA_KEYS = ("/Metadata", "/PieceInfo")
# Bytes no text file holds (tab, line breaks, form feed and escape are allowed).
_CONTROL_BYTES = bytes([*range(9), *range(14, 27), *range(28, 32), 0x7F])


@dataclass(frozen=True)
class CleanedFile:
    data: bytes
    content_type: str  # the sniffed type of `data`, never the one the sender declared
    cleaning: str  # STRIPPED, NONE or UNCHECKED


class CleaningRefused(ValueError):
    """The file is not what its bytes claim (an undecodable image) or unpacks too large."""


class TooLarge(CleaningRefused):
    """A decompression bomb: more pixels, frames or unpacked bytes than we will hold."""


def clean_file(
    data: bytes,
    filename: str,
    *,
    max_unpacked_bytes: int = DEFAULT_MAX_UNPACKED,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> CleanedFile:
    """Return `data` without its metadata, typed by its magic bytes.

    `filename` only names a text file's flavour (.csv); it never decides how to clean.
    Raises CleaningRefused for an image that does not decode, TooLarge for a picture of more
    than `max_pixels` or an office document that unpacks beyond `max_unpacked_bytes`.
    MemoryError is let through, so a caller with a memory budget can tell it apart.
    """
    kind = sniff(data)
    if kind in _IMAGE_OUTPUT:
        return clean_image(data, kind, max_pixels=max_pixels)
    if kind == PDF:
        return clean_pdf(data)
    if _is_package(kind):
        budget = _Budget(max_unpacked_bytes, max_pixels=max_pixels)
        return clean_package(data, kind, budget=budget)
    if kind == TEXT:
        return CleanedFile(data, CSV if filename.lower().endswith(".csv") else TEXT, NONE)
    return CleanedFile(data, kind, UNCHECKED)


def needs_decoding(kind: str) -> bool:
    """Whether cleaning a file of this type decodes it (and so can cost more than its size)."""
    return kind in _IMAGE_OUTPUT or kind == PDF or _is_package(kind)


def is_dangerous(filename: str, content_type: str) -> bool:
    """Whether the file can run code when opened: by its real type or by its name."""
    if content_type in DANGEROUS_TYPES:
        return True
    name = filename.lower().rstrip(" .")
    return "." in name and name.rsplit(".", 1)[1] in DANGEROUS_EXTENSIONS


def sniff(data: bytes) -> str:
    """The MIME type of `data` from its first bytes (zip archives: from their members)."""
    head = data[:32]
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return TIFF
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AVIF_BRANDS:
            return AVIF
        if brand in _HEIF_BRANDS:
            return HEIC
        return _FTYP_BRANDS.get(brand, "video/mp4")
    for magic, kind in _UNCLEANED_MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(data)
    pdf_header = data.find(b"%PDF-", 0, 1024)  # readers accept some junk before the header
    if pdf_header == 0 or (pdf_header > 0 and not _looks_like_text(data)):
        return PDF
    if _looks_like_text(data):
        return _sniff_text(data)
    return OCTET_STREAM


def _sniff_zip(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.getinfo("mimetype").file_size < 100:
                declared = archive.read("mimetype").decode("ascii", "replace").strip()
                if declared.startswith(ODF_PREFIX):
                    return declared
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return ZIP
    if "META-INF/MANIFEST.MF" in names:
        return APK if "AndroidManifest.xml" in names else JAR
    if "[Content_Types].xml" in names:
        for part, kind in (
            ("word/document.xml", DOCX),
            ("xl/workbook.xml", XLSX),
            ("ppt/presentation.xml", PPTX),
        ):
            if part in names:
                return kind
        return OPC
    return ZIP


def _looks_like_text(data: bytes) -> bool:
    # Any 8-bit encoding (UTF-8, cp1251, KOI8-R) passes; binary formats are full of these bytes.
    return len(data.translate(None, _CONTROL_BYTES)) == len(data)


def _sniff_text(data: bytes) -> str:
    start = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return HTML
    if start.startswith(b"<svg") or (start.startswith(b"<?xml") and b"<svg" in start):
        return SVG
    if start.startswith(b"<?xml"):
        return XML
    if start.startswith(b"#!"):
        return SHELL
    # Browsers render markup that starts with any tag, and an HTA needs no <html> at all.
    if start.startswith(b"<") and (b"<script" in start or b"<hta:" in start):
        return HTML
    return TEXT


# --- Images ---------------------------------------------------------------------------------


def clean_image(data: bytes, kind: str, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> CleanedFile:
    """Re-encode an image from its pixels alone, turned upright as its EXIF orientation says.

    EXIF (GPS, camera, times), XMP, IPTC, comments and PNG text chunks are not carried over;
    a colour profile is applied (converted to sRGB) rather than kept, as it can name a device.
    Raises TooLarge, from the header alone, for more than `max_pixels` in all frames.
    """
    out_type, out_format, options = _IMAGE_OUTPUT[kind]
    try:
        with Image.open(io.BytesIO(data)) as image:
            loop = image.info.get("loop")
            upright = _upright_frames(image, multi=kind in _MULTI_FRAME, max_pixels=max_pixels)
            frames = [_pixels_only(frame, out_format) for frame in upright]
            out = io.BytesIO()
            frames[0].save(out, out_format, **options, **_sequence_options(frames, loop))
    except Image.DecompressionBombError as exc:
        raise TooLarge("the image is too large to decode") from exc
    except (CleaningRefused, MemoryError):
        raise
    except Image.UnidentifiedImageError as exc:
        if kind == HEIC:  # Pillow without a HEIF decoder: a real photo we cannot clean
            return CleanedFile(data, HEIC, UNCHECKED)
        raise CleaningRefused("the image cannot be decoded") from exc
    except Exception as exc:  # a decoder fed hostile bytes can fail in any way
        raise CleaningRefused("the image cannot be decoded") from exc
    return CleanedFile(out.getvalue(), out_type, STRIPPED)


def _upright_frames(image: Image.Image, *, multi: bool, max_pixels: int) -> Iterator[Image.Image]:
    """Each frame decoded and turned upright, its size checked before it is decoded."""
    frames: Iterable[Image.Image] = ImageSequence.Iterator(image) if multi else [image]
    pixels_left = min(max_pixels, Image.MAX_IMAGE_PIXELS or sys.maxsize)
    for index, frame in enumerate(frames):
        pixels_left -= frame.width * frame.height
        if index >= MAX_FRAMES or pixels_left < 0:
            raise TooLarge("the image is too large to decode")
        if not multi:  # turned in place: a large photo is held once, not twice
            frame.load()
            try:
                ImageOps.exif_transpose(frame, in_place=True)
            except MemoryError:
                raise
            except Exception:  # noqa: S110 - a broken EXIF block must not stop the cleaning
                pass
            yield frame
            continue
        try:  # a sequence reuses one image for every frame: each must be a copy
            yield ImageOps.exif_transpose(frame)
        except MemoryError:
            raise
        except Exception:
            yield frame.copy()


def _pixels_only(frame: Image.Image, out_format: str) -> Image.Image:
    """A new image holding `frame`'s pixels, its palette, transparency and timing, no more."""
    frame = _in_srgb(frame)
    if out_format == "JPEG" and frame.mode not in ("RGB", "L"):
        frame = frame.convert("RGB")
    clean = Image.new(frame.mode, frame.size)  # a fresh image: nothing but what is copied
    clean.paste(frame, (0, 0))
    if frame.mode in ("P", "PA") and frame.palette is not None:
        clean.putpalette(frame.palette.palette, frame.palette.mode)
    for key in ("transparency", "duration", "disposal"):
        if key in frame.info and not (key == "transparency" and out_format == "JPEG"):
            clean.info[key] = frame.info[key]
    return clean


def _in_srgb(frame: Image.Image) -> Image.Image:
    profile = frame.info.get("icc_profile")
    if not profile or frame.mode not in ("RGB", "RGBA", "CMYK"):
        return frame
    try:
        converted = ImageCms.profileToProfile(
            frame,
            ImageCms.ImageCmsProfile(io.BytesIO(profile)),
            ImageCms.createProfile("sRGB"),
            outputMode="RGBA" if frame.mode == "RGBA" else "RGB",
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return frame  # the profile is dropped all the same; colours may shift a little
    return converted if converted is not None else frame


def _sequence_options(frames: list[Image.Image], loop: Any) -> dict[str, Any]:
    if len(frames) == 1:
        return {}
    options: dict[str, Any] = {"save_all": True, "append_images": frames[1:]}
    durations = [frame.info.get("duration") for frame in frames]
    if all(isinstance(d, int | float) for d in durations):
        options["duration"] = durations
    if loop is not None:
        options["loop"] = loop
    return options


# --- PDF ------------------------------------------------------------------------------------


def clean_pdf(data: bytes) -> CleanedFile:
    """Copy a PDF without its document information (author, creator, producer, dates) or XMP.

    Pages, images and forms lose their own XMP too, and comments their author. A PDF pypdf
    cannot read (encrypted, broken) is returned as it came, marked unchecked.
    """
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            return CleanedFile(data, PDF, UNCHECKED)
        # Scrub the reader's objects, then copy what the root still reaches: what was
        # dropped is not copied at all, rather than left behind unreferenced.
        _drop_keys(reader.root_object, _PDF_METADATA_KEYS)
        for page in reader.pages:  # a PageObject is a copy: scrub the object it came from
            _drop_keys(page.indirect_reference, _PDF_METADATA_KEYS)
            _drop_annotation_authors(page.get("/Annots"))
            _drop_xobject_metadata(page.get("/Resources"))
        writer = PdfWriter()
        writer.clone_reader_document_root(reader)  # the root only: no /Info, no /ID
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except MemoryError:
        raise
    except Exception:  # pypdf on hostile input can fail in any way; the file stays as it was
        return CleanedFile(data, PDF, UNCHECKED)
    return CleanedFile(out.getvalue(), PDF, STRIPPED)


def _resolved(obj: Any) -> Any:
    return obj.get_object() if isinstance(obj, PdfObject) else obj


def _drop_keys(obj: Any, keys: tuple[str, ...]) -> None:
    obj = _resolved(obj)
    if isinstance(obj, DictionaryObject):
        for key in keys:
            obj.pop(key, None)


def _drop_annotation_authors(annotations: Any) -> None:
    """A comment's /T is its author; a form field's /T is its name and must stay."""
    annotations = _resolved(annotations)
    if not isinstance(annotations, ArrayObject):
        return
    for ref in annotations:
        annotation = _resolved(ref)
        if isinstance(annotation, DictionaryObject) and annotation.get("/Subtype") != "/Widget":
            _drop_keys(annotation, ("/T", "/M", "/CreationDate", *_PDF_METADATA_KEYS))


def _drop_xobject_metadata(resources: Any) -> None:
    """Images and forms carry their own XMP; forms hold resources of their own."""
    pending, seen = [resources], set()
    while pending:
        current = _resolved(pending.pop())
        if not isinstance(current, DictionaryObject) or id(current) in seen:
            continue
        seen.add(id(current))
        xobjects = _resolved(current.get("/XObject"))
        if not isinstance(xobjects, DictionaryObject):
            continue
        for ref in xobjects.values():
            xobject = _resolved(ref)
            _drop_keys(xobject, _PDF_METADATA_KEYS)
            if isinstance(xobject, DictionaryObject):
                pending.append(xobject.get("/Resources"))


# --- Office documents (Office Open XML, OpenDocument) ---------------------------------------


class _Budget:
    """How many unpacked bytes are left for one file, nested documents included."""

    def __init__(self, limit: int, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        self.left = limit
        self.max_pixels = max_pixels  # of each picture inside

    def take(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise TooLarge("the document unpacks too large")


def _is_package(kind: str) -> bool:
    return kind in (DOCX, XLSX, PPTX, OPC) or kind.startswith(ODF_PREFIX)


def clean_package(data: bytes, kind: str, *, budget: _Budget, depth: int = 0) -> CleanedFile:
    """Rewrite an office document's zip with empty metadata parts and cleaned pictures.

    docProps/core.xml, app.xml, custom.xml (OOXML) and meta.xml (OpenDocument) are replaced
    by empty ones; pictures and embedded documents are cleaned like files of their own, and
    member times are reset. Raises TooLarge when it unpacks beyond `budget`.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as source:
            members = source.infolist()
            if len(members) > MAX_MEMBERS:
                raise TooLarge("the document has too many parts")
            budget.take(sum(m.file_size for m in members))
            names = [m.filename for m in members]
            if len(set(names)) != len(names) or any(m.flag_bits & 0x1 for m in members):
                return CleanedFile(data, kind, UNCHECKED)  # duplicate or encrypted parts
            out = io.BytesIO()
            checked = True
            with zipfile.ZipFile(out, "w") as target:
                for member in members:
                    body, ok = _clean_member(member.filename, source.read(member), budget, depth)
                    checked = checked and ok
                    target.writestr(_fresh_info(member), body)
    except (CleaningRefused, MemoryError):
        raise
    except Exception:  # a broken zip: stored as it came
        return CleanedFile(data, kind, UNCHECKED)
    return CleanedFile(out.getvalue(), kind, STRIPPED if checked else UNCHECKED)


def _clean_member(name: str, body: bytes, budget: _Budget, depth: int) -> tuple[bytes, bool]:
    """The member's cleaned bytes, and False if it needed cleaning that could not be done."""
    if name in _EMPTY_METADATA:
        return _EMPTY_METADATA[name], True
    if name.endswith((".xml", ".rels", "/")) or name == "mimetype":
        return body, True
    kind = sniff(body)
    try:
        if kind in _IMAGE_OUTPUT and _IMAGE_OUTPUT[kind][0] == kind:
            cleaned = clean_image(body, kind, max_pixels=budget.max_pixels)
        elif kind == PDF:
            cleaned = clean_pdf(body)
        elif _is_package(kind) and depth < 2:
            cleaned = clean_package(body, kind, budget=budget, depth=depth + 1)
        else:  # a HEIC photo cannot stay HEIC once cleaned; documents nest only so deep
            return body, kind not in _IMAGE_OUTPUT and not _is_package(kind)
    except TooLarge:
        raise
    except CleaningRefused:
        return body, False
    return cleaned.data, cleaned.cleaning != UNCHECKED


def _fresh_info(member: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A member header without the original times, comments and extra fields."""
    info = zipfile.ZipInfo(member.filename, date_time=_EPOCH)
    stored = member.filename == "mimetype" or member.compress_type == zipfile.ZIP_STORED
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = (0o40755 << 16) | 0x10 if member.is_dir() else 0o644 << 16
    return info
