"""Cleaning a reporter's file before it is kept: recognised by its bytes, metadata removed.

A photo tells more than it shows: the camera's make, model and serial number, where it
was taken (GPS), when, with which software, whose copyright; a PDF names its author, the
program and the moments it was written, and keeps earlier versions and attachments
inside. Any of these can identify the reporter. So a file is taken only when we can parse
it, and then rebuilt from its content alone:

- the kind is read from the file's first bytes, never its name or the platform's word:
  JPEG, PNG, WebP and PDF; anything else is refused, naming what is accepted (we cannot
  clean what we cannot parse);
- an image is turned upright by its EXIF orientation and re-encoded from its pixels
  alone: no EXIF (camera, GPS, dates), no XMP, no IPTC, no colour profile, no comments
  or text chunks, nothing after the image's end; an animation keeps its first frame;
- a PDF is rewritten as one new revision without its document information (author,
  title, program, dates), its XMP metadata (document and pages), attachments,
  JavaScript, private application data, the names on its comments, and the earlier
  versions an incremental save keeps;
- the result is opened again and checked; a file that does not come out clean is
  refused, not kept half-cleaned.

What remains is the content: what a picture shows (a face, a badge, a screen with a
name), the text and images inside a PDF (an embedded photo keeps its own EXIF; a
scanned letter shows its letterhead). The reporter is told what was removed, by kind
(:func:`clean` returns the catalogue's ``evidence.removed.*`` words).
"""

from __future__ import annotations

import base64
import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO
from typing import Final

from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import DictionaryObject, NameObject

from intermediary.core.evidence import Evidence
from intermediary.errors import InvalidInput

__all__ = ["ACCEPTED", "Cleaned", "clean", "kind_of"]

# Pillow logs every EXIF tag it reads or writes at DEBUG, values and all (the artist's
# name, the GPS position); pypdf may quote a document's objects in its warnings. What we
# remove must not reach the service's logs instead: only their errors are let through.
logging.getLogger("PIL").setLevel(logging.ERROR)
logging.getLogger("pypdf").setLevel(logging.ERROR)

#: what a reporter is told is accepted
ACCEPTED: Final = "JPEG, PNG, WebP, PDF"
#: the most pixels an image may have (a small file can unpack into gigabytes)
_MAX_PIXELS: Final = 50_000_000
_FORMATS: Final = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}

# EXIF tags by what they tell (0th IFD, Exif IFD); 274 (orientation) is applied
_CAMERA: Final = {271, 272, 42033, 42034, 42035, 42036, 42037}
_DATE: Final = {306, 36867, 36868, 36880, 36881, 36882}
_SOFTWARE: Final = {305, 11}
_AUTHOR: Final = {315, 33432, 42032}
_DESCRIPTION: Final = {270, 37510, 0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F}
_STRUCTURE: Final = {274, 0x8769, 0x8825, 0xA005, 282, 283, 296, 513, 514, 531}
_EXIF_IFD: Final = 0x8769
_GPS_IFD: Final = 0x8825
# PDF document information keys by what they tell
_PDF_INFO: Final = {
    "/Title": "title",
    "/Author": "author",
    "/Subject": "description",
    "/Keywords": "description",
    "/Creator": "software",
    "/Producer": "software",
    "/CreationDate": "date",
    "/ModDate": "date",
}


@dataclass(frozen=True)
class Cleaned:
    """A file as it will be kept: its kind, its bytes, what was removed from it."""

    kind: str
    data: bytes
    removed: tuple[str, ...]

    @property
    def evidence(self) -> Evidence:
        """The file as the core records it."""
        return Evidence(
            kind=self.kind,
            size=len(self.data),
            removed=self.removed,
            content=base64.b64encode(self.data).decode("ascii"),
        )


def kind_of(data: bytes) -> str | None:
    """The kind of a file by its first bytes: ``jpeg``, ``png``, ``webp``, ``pdf`` or
    ``None``."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if b"%PDF-" in data[:1024]:  # a PDF may start with up to 1 KiB of anything
        return "pdf"
    return None


def clean(data: bytes, limit: int) -> Cleaned:
    """``data`` without its metadata, or a refusal a reporter can act on: too large,
    not a kind we can clean, or not readable as the kind it claims to be."""
    if len(data) > limit:
        raise InvalidInput("evidence.too_large", size=_mb(len(data)), limit=_mb(limit))
    kind = kind_of(data)
    if kind is None:
        raise InvalidInput("evidence.unknown_type", accepted=ACCEPTED)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            cleaned = _pdf(data) if kind == "pdf" else _image(data, kind)
    except InvalidInput:
        raise
    except (OSError, ValueError, SyntaxError, KeyError, TypeError, IndexError, AttributeError):
        raise InvalidInput("evidence.unreadable", kind=kind.upper()) from None
    except (PyPdfError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise InvalidInput("evidence.unreadable", kind=kind.upper()) from None
    except RecursionError:  # a PDF whose objects refer to themselves without end
        raise InvalidInput("evidence.unreadable", kind=kind.upper()) from None
    if len(cleaned.data) > limit:
        raise InvalidInput("evidence.too_large", size=_mb(len(cleaned.data)), limit=_mb(limit))
    return cleaned


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


# --- images -----------------------------------------------------------------------------


def _image(data: bytes, kind: str) -> Cleaned:
    fmt = _FORMATS[kind]
    with Image.open(BytesIO(data), formats=[fmt]) as image:
        width, height = image.size
        if width * height > _MAX_PIXELS:
            raise Image.DecompressionBombError("too many pixels")
        removed = _image_metadata(image)
        if getattr(image, "n_frames", 1) > 1:
            removed.append("frames")
        image.load()
        upright = ImageOps.exif_transpose(image) or image
        target = _mode_for(upright, kind)
        pixels = upright if upright.mode == target else upright.convert(target)
        # a new image from the pixels alone: nothing of the original's info travels
        fresh = Image.frombytes(target, pixels.size, pixels.tobytes())
    out = BytesIO()
    options: dict[str, object] = {"quality": 90} if kind in ("jpeg", "webp") else {}
    fresh.save(out, format=fmt, **options)
    result = out.getvalue()
    _check_image(result, fmt)
    return Cleaned(kind, result, _ordered(removed))


def _mode_for(image: Image.Image, kind: str) -> str:
    if kind == "jpeg":
        return image.mode if image.mode in ("L", "RGB") else "RGB"
    if image.mode in ("L", "LA", "RGB", "RGBA"):
        return image.mode
    alpha = "A" in image.getbands() or "transparency" in image.info
    return "RGBA" if alpha else "RGB"


def _image_metadata(image: Image.Image) -> list[str]:
    """What of the image's metadata would tell something about who made it, by kind."""
    found: list[str] = []
    exif = image.getexif()
    tags = set(exif) | set(exif.get_ifd(_EXIF_IFD))
    if exif.get_ifd(_GPS_IFD):
        found.append("gps")
    for name, group in (
        ("camera", _CAMERA),
        ("date", _DATE),
        ("software", _SOFTWARE),
        ("author", _AUTHOR),
        ("description", _DESCRIPTION),
    ):
        if tags & group:
            found.append(name)
    known = _CAMERA | _DATE | _SOFTWARE | _AUTHOR | _DESCRIPTION | _STRUCTURE
    if tags - known:
        found.append("other_exif")
    info = image.info
    if info.get("xmp") or info.get("XML:com.adobe.xmp"):
        found.append("xmp")
    if info.get("photoshop") or info.get("iptc"):
        found.append("iptc")
    if info.get("icc_profile"):
        found.append("icc")
    texts = getattr(image, "text", None) or {}
    if info.get("comment") or any(k != "XML:com.adobe.xmp" for k in texts):
        found.append("comment")
    return found


def _check_image(data: bytes, fmt: str) -> None:
    """The cleaned image, opened again: no metadata of any kind may be left."""
    with Image.open(BytesIO(data), formats=[fmt]) as image:
        left = [k for k in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment",
                            "photoshop") if image.info.get(k)]  # fmt: skip
        if left or len(image.getexif()) or getattr(image, "text", None):
            raise ValueError(f"metadata left after cleaning: {left}")


# --- PDF --------------------------------------------------------------------------------


def _pdf(data: bytes) -> Cleaned:
    reader = PdfReader(BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise InvalidInput("evidence.encrypted_pdf")
    found: list[str] = []
    for key in reader.metadata or {}:
        found.append(_PDF_INFO.get(str(key), "other_info"))
    if data.count(b"%%EOF") > 1:
        found.append("earlier_versions")
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None
    root = writer.root_object
    found += _drop(root, {"/Metadata": "xmp", "/PieceInfo": "private", "/OpenAction": "js"})
    found += _drop(root, {"/AA": "js"})
    names = root.get("/Names")
    if names is not None:
        found += _drop(names.get_object(), {"/EmbeddedFiles": "attachments", "/JavaScript": "js"})
    for page in writer.pages:
        found += _drop(page, {"/Metadata": "xmp", "/PieceInfo": "private", "/AA": "js"})
        for annotation in _annotations(page):
            if annotation.get("/Subtype") == "/FileAttachment":
                found += _drop(annotation, {"/FS": "attachments"})
            if annotation.get("/Subtype") != "/Widget":  # a form field's /T is its name
                found += _drop(annotation, {"/T": "annotation_authors", "/M": "date"})
    # what nothing refers to any more (the XMP stream, the attachments) is left out
    writer.compress_identical_objects()
    out = BytesIO()
    writer.write(out)
    result = out.getvalue()
    _check_pdf(result)
    return Cleaned("pdf", result, _ordered(found))


def _drop(obj: DictionaryObject, keys: dict[str, str]) -> list[str]:
    """Remove ``keys`` from a PDF dictionary; the words of those it had."""
    found = []
    for key, word in keys.items():
        if key in obj:
            del obj[NameObject(key)]
            found.append(word)
    return found


def _annotations(page: DictionaryObject) -> Iterable[DictionaryObject]:
    annots = page.get("/Annots")
    if annots is None:
        return []
    return [a.get_object() for a in annots.get_object()]


def _check_pdf(data: bytes) -> None:
    """The cleaned PDF, opened again: no document information, no XMP."""
    reader = PdfReader(BytesIO(data), strict=False)
    if reader.metadata or data.count(b"%%EOF") > 1:
        raise ValueError("metadata left after cleaning")
    for generation in reader.xref.values():
        for number in generation:
            obj = reader.get_object(number)
            if isinstance(obj, DictionaryObject) and obj.get("/Type") == "/Metadata":
                raise ValueError("XMP metadata left after cleaning")


def _ordered(words: Iterable[str]) -> tuple[str, ...]:
    """Each word once, in the order the reader reads them."""
    order = (
        "gps", "camera", "date", "author", "title", "description", "software", "iptc",
        "xmp", "other_exif", "other_info", "icc", "comment", "annotation_authors",
        "attachments", "js", "private", "earlier_versions", "frames",
    )  # fmt: skip
    seen = set(words)
    return tuple(w for w in order if w in seen)
