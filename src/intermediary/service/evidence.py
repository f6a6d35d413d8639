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
- a PDF is rewritten as one new revision that keeps only its pages and what draws them
  (text, images, drawings, annotations): no document information or XMP anywhere (the
  document's, a page's, an image's), no attached files, scripts or actions (a jump
  within the document stays; links to web pages go), form fields or signatures, private
  application data, names on comments, bookmarks, layers' creators, earlier versions;
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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any, Final

from PIL import Image, ImageOps
from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, PdfObject

from intermediary.core.evidence import Evidence
from intermediary.errors import InvalidInput

__all__ = ["ACCEPTED", "Cleaned", "clean", "kind_of", "size_text"]

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
        raise InvalidInput("evidence.too_large", size=size_text(len(data)), limit=size_text(limit))
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
        raise InvalidInput(
            "evidence.too_large", size=size_text(len(cleaned.data)), limit=size_text(limit)
        )
    return cleaned


def size_text(size: int) -> str:
    """A file's size as a person reads it: ``2.5 MB``, ``20 kB`` below one megabyte."""
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{max(1, size // 1000)} kB"


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
def _words(table: str) -> dict[str, str]:
    """``"word: /Key /Key; word: /Key"`` as ``{key: word}``."""
    pairs = (part.split(":") for part in table.split(";"))
    return {key: word.strip() for word, keys in pairs for key in keys.split()}


# A PDF is cleaned by allow-list: the catalogue keeps its page tree, a page what draws it.
_CATALOGUE: Final = {"/Type", "/Pages"}
_NODE: Final = {"/Type", "/Parent", "/Kids", "/Count", "/Resources", "/MediaBox", "/CropBox",
                "/Rotate"}  # fmt: skip
_PAGE: Final = _NODE - {"/Kids", "/Count"} | {"/BleedBox", "/TrimBox", "/ArtBox", "/Contents",
                                               "/Annots", "/UserUnit", "/Group"}  # fmt: skip
# the rest reachable is walked: these keys go from any dictionary, by their word
_ANYWHERE: Final = _words("xmp: /Metadata; private: /PieceInfo; attachments: /AF /EF; js: /AA /JS;"
    "author: /Author; date: /LastModified /CreationDate /ModDate; forms: /Perms /AcroForm;"
    "software: /CreatorInfo /Creator /Producer; actions: /OpenAction")  # fmt: skip
# from an annotation: its author, dates, replies, and the form field it belongs to
_ANNOTATION: Final = _words("annotation_authors: /T /Popup /NM /IRT /RT; date: /M; forms: /Parent"
    " /Kids /V /DV /TU /TM /FT /Ff /Opt /RV; private: /ExData")  # fmt: skip
# objects that go wherever they are referred to, by their /Type or /Subtype
_GONE: Final = _words("xmp: /Metadata /XML; annotation_authors: /Popup; forms: /Sig; actions:"
    " /Screen /RichMedia /3D; attachments: /EmbeddedFile /Filespec /FileAttachment /Sound"
    " /Movie")  # fmt: skip
# catalogue and page keys dropped without a word (how a viewer opens the file)
_UNSAID: Final = {"/Version", "/Extensions", "/PageLayout", "/PageMode", "/ViewerPreferences",
                  "/Lang", "/MarkInfo", "/StructParents", "/Tabs", "/NeedsRendering"}  # fmt: skip
# every action but a jump within the document; a web address too: it may carry who sent
# it, and a click from the counsellor's machine tells the site
_ACTIONS: Final = {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/ResetForm", "/URI",
                   "/GoToE", "/GoToR", "/GoTo3DView", "/GoToDp", "/Rendition", "/Thread", "/Hide",
                   "/RichMediaExecute", "/Sound", "/Movie", "/Named", "/SetOCGState", "/Trans",
                   "/ECMAScript"}  # fmt: skip
# what may be in no dictionary of a cleaned PDF
_FORBIDDEN: Final = set(_ANYWHERE) | {"/Names", "/Outlines", "/Threads", "/OCProperties",
                                      "/StructTreeRoot", "/Dests"}  # fmt: skip


def _pdf(data: bytes) -> Cleaned:
    reader = PdfReader(BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise InvalidInput("evidence.encrypted_pdf")
    found = [_PDF_INFO.get(str(key), "other_info") for key in reader.metadata or {}]
    if data.count(b"%%EOF") > 1:
        found.append("earlier_versions")
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None
    writer._ID = None  # the file's identifier would tie it to the reporter's original
    root = writer.root_object
    found += _keep(root, _CATALOGUE) + _page_tree(root)
    reached = _walk(root, found)  # what nothing left refers to goes (XMP, attachments...)
    for number, obj in enumerate(writer._objects, 1):
        writer._objects[number - 1] = obj if number in reached or obj is root else None
    out = BytesIO()
    writer.write(out)
    _check_pdf(out.getvalue())
    return Cleaned("pdf", out.getvalue(), _ordered(found))


def _keep(obj: DictionaryObject, allowed: set[str]) -> list[str]:
    """Remove all but ``allowed`` from a catalogue or page; the words of what it had."""
    found = []
    for key in [k for k in obj if k not in allowed]:
        value = obj[key].get_object()
        if key == "/Names" and isinstance(value, DictionaryObject):
            found += [w for k, w in (("/EmbeddedFiles", "attachments"), ("/JavaScript", "js"))
                      if k in value]  # fmt: skip
        elif key not in _UNSAID:
            found.append(_gone(value) or _ANYWHERE.get(key, "structure"))
        del obj[key]
    return found


def _page_tree(root: DictionaryObject) -> list[str]:
    """Its nodes and pages kept to what draws a page, their annotations without their
    authors and form fields."""
    found: list[str] = []
    stack: list[PdfObject] = [root["/Pages"]]
    seen: set[int] = set()
    while stack:
        node = stack.pop().get_object()
        if not isinstance(node, DictionaryObject) or id(node) in seen:
            continue
        seen.add(id(node))
        kids = node.get("/Kids")
        found += _keep(node, _NODE if kids is not None else _PAGE)
        stack += kids.get_object() if kids is not None else []
        for annotation in node.get("/Annots", ArrayObject()).get_object():
            if isinstance(annotation := annotation.get_object(), DictionaryObject):
                widget = annotation.get("/Subtype") == "/Widget"  # its /T names the field
                found += _drop(
                    annotation, dict.fromkeys(_ANNOTATION, "forms") if widget else _ANNOTATION
                )
    return found


def _walk(root: DictionaryObject, found: list[str]) -> set[int]:
    """Every object reachable from ``root`` without what can name someone, carry a file
    or act (:data:`_ANYWHERE`, :data:`_GONE`, actions); the numbers of those reached."""
    stack: list[PdfObject | None] = [root]
    seen: set[int] = set()
    reached: set[int] = set()
    while stack:
        obj = stack.pop()
        if id(obj) in seen or not isinstance(obj, (DictionaryObject, ArrayObject)):
            continue
        seen.add(id(obj))
        if isinstance(obj, DictionaryObject):
            found += _drop(obj, _ANYWHERE)
        items: list[tuple[Any, PdfObject]] = list(
            obj.items() if isinstance(obj, DictionaryObject) else enumerate(obj)
        )
        gone = []
        for key, value in items:
            target = value.get_object()
            if (word := _gone(target)) is not None:
                found.append(word)
                gone.append(key)
                continue
            if isinstance(value, IndirectObject):
                reached.add(value.idnum)
            stack.append(target)
        for key in reversed(gone):
            del obj[key]
    return reached


def _gone(obj: PdfObject | None) -> str | None:
    """The word for an object that goes wherever it is referred to, or ``None``: an
    action (but a jump within the document) wherever it is (/A, /PA, /Next, /OpenAction)."""
    if not isinstance(obj, DictionaryObject):
        return None
    if (action := obj.get("/S")) in _ACTIONS:
        return "js" if action == "/JavaScript" else "actions"
    return _GONE.get(str(obj.get("/Type"))) or _GONE.get(str(obj.get("/Subtype")))


def _drop(obj: DictionaryObject, keys: Mapping[str, str]) -> list[str]:
    """Remove ``keys`` from a PDF dictionary; the words of those it had."""
    found = [word for key, word in keys.items() if key in obj]
    for key in keys:
        obj.pop(key, None)
    return found


def _check_pdf(data: bytes) -> None:
    """The cleaned PDF, opened again, every object in it: no document information, no
    XMP, no files, no scripts or actions, no names. A PDF that is not is refused."""
    reader = PdfReader(BytesIO(data), strict=False)
    if reader.metadata or data.count(b"%%EOF") > 1 or set(reader.root_object) - _CATALOGUE:
        raise InvalidInput("evidence.uncleanable")
    numbers = [n for generation in reader.xref.values() for n in generation]
    stack = [reader.trailer, *map(reader.get_object, [*numbers, *reader.xref_objStm])]
    while stack:
        obj = stack.pop()
        if isinstance(obj, DictionaryObject):
            annotation = "/Rect" in obj and set(obj) & set(_ANNOTATION)
            if set(obj) & _FORBIDDEN or _gone(obj) or annotation:
                raise InvalidInput("evidence.uncleanable")
            stack += [v for v in obj.values() if not isinstance(v, IndirectObject)]
        elif isinstance(obj, ArrayObject):
            stack += [v for v in obj if not isinstance(v, IndirectObject)]


def _ordered(words: Iterable[str]) -> tuple[str, ...]:
    """Each word once, in the order the reader reads them."""
    order = (
        "gps", "camera", "date", "author", "title", "description", "software", "iptc",
        "xmp", "other_exif", "other_info", "icc", "comment", "annotation_authors",
        "attachments", "forms", "js", "actions", "private", "structure", "earlier_versions",
        "frames",
    )  # fmt: skip
    seen = set(words)
    return tuple(w for w in order if w in seen)
