"""Evidence: a reporter's file is cleaned of its metadata, kept sealed, never relayed, and
opened by the counsellor on her own machine (issue 21, item 6).

Real files: a JPEG made by Pillow with EXIF (camera, date, author, GPS) and a comment, a
PDF made by pypdf with document information and XMP. After the round trip through the
service, the SQLite file and ``intermediary open --files``' writer, the metadata is gone,
and the database holds neither the file's bytes nor its words.
"""

from __future__ import annotations

import base64
import json
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject

from intermediary import crypto
from intermediary.chat.evidence import receive_file
from intermediary.cli.evidence_files import write_files
from intermediary.config import ServiceSection
from intermediary.errors import InvalidInput
from intermediary.runtime import demo_config
from intermediary.service.casefile import open_case_file
from intermediary.service.codec import Sender
from intermediary.service.evidence import clean
from tests.harness import PLANTED, Harness, make_harness

SASKIA = Sender(platform="console", address="saskia")
CAMERA = "Hasselblad X2D-Secret"
#: where the photo was taken: 52°22'N (Amsterdam)
GPS_LATITUDE = (52.0, 22.0, 1.0)


def photo(*, size: tuple[int, int] = (60, 30), orientation: int = 6) -> bytes:
    """A JPEG as a phone writes one: EXIF with camera, date, author, GPS and its
    orientation (6: turn 90° to stand upright), and a comment; bytes after its end."""
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[271] = "Hasselblad"  # make
    exif[272] = CAMERA  # model
    exif[306] = "2026:11:02 08:14:00"  # date and time
    exif[315] = PLANTED[0]  # artist: the reporter's name
    exif[274] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", GPS_LATITUDE, "E", (4.0, 54.0, 1.0)
    out = BytesIO()
    image.save(out, "JPEG", exif=exif, comment=PLANTED[1].encode())
    return out.getvalue() + b"appended:" + PLANTED[2].encode()


def document() -> bytes:
    """A PDF with its author in the document information and in XMP."""
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.add_metadata({"/Author": PLANTED[0], "/Title": "Complaint draft", "/Creator": "Word"})
    xmp = StreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{PLANTED[0]}</dc:creator></x:xmpmeta>".encode())
    xmp[NameObject("/Type")] = NameObject("/Metadata")
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(xmp)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


async def opened(h: Harness) -> str:
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", "I have a photo of the notice board.")
    return await h.case_of("saskia")


def stored_bytes(tmp_path: Path) -> bytes:
    """Everything the service left on disk: the database, its log, the vault."""
    return b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())


async def test_a_photo_is_kept_without_its_metadata_and_opened_upright(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    case = await opened(h)
    original = photo()
    assert await receive_file(h.front, SASKIA, original) == []
    await h.worker.run_once()

    told = h.inbox("saskia")[-1]
    assert "file-1.jpg" in told
    assert "JPEG photo" in told
    for removed in ("GPS position", "camera make, model", "dates and times", "author"):
        assert removed in told, removed
    assert "comments and text fields" in told
    counsellor = h.inbox("counsellor")[-1]
    assert f"intermediary open {case} --files" in counsellor
    assert "file-1.jpg" in counsellor
    assert "GPS position" in counsellor
    assert not h.inbox("management")  # a file never reaches management by itself

    # the audit chain: its kind and a size band; no name, no exact size
    (audited,) = await h.store.audit_entries(kind="evidence_received")
    details = json.loads(audited.details)
    assert details["type"] == "jpeg"
    assert details["size"] == "<100kB"
    assert "file-1" not in audited.details

    # on the counsellor's machine
    entries = await open_case_file(h.store, case, h.counsellor_key)
    await h.close()
    folder = tmp_path / "out" / case
    (path,) = write_files(entries, folder)
    assert path.name == "file-1.jpg"
    assert folder.stat().st_mode & 0o777 == 0o700
    assert path.stat().st_mode & 0o777 == 0o600
    written = path.read_bytes()
    with Image.open(path) as image:
        assert image.size == (30, 60)  # turned upright, as the phone meant it
        assert not image.getexif()
        assert "comment" not in image.info
        assert "exif" not in image.info
        assert image.getpixel((15, 5))[2] > 150  # the blue half is on top now
    for secret in (CAMERA, "Hasselblad", "2026:11:02", *PLANTED, "appended"):
        assert secret.encode() not in written, secret

    # the database and the vault hold none of it: not the bytes, not the words
    on_disk = stored_bytes(tmp_path / "case.db.vault") + (tmp_path / "case.db").read_bytes()
    for path_ in tmp_path.glob("case.db-*"):
        on_disk += path_.read_bytes()
    assert written[200:264] not in on_disk
    assert base64.b64encode(written)[300:360] not in on_disk
    assert CAMERA.encode() not in on_disk


async def test_a_pdf_loses_its_document_information_and_xmp(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    case = await opened(h)
    assert await receive_file(h.front, SASKIA, document()) == []
    await h.worker.run_once()
    told = h.inbox("saskia")[-1]
    assert "file-1.pdf" in told
    assert "PDF document" in told
    for removed in ("author and copyright", "title", "XMP metadata", "software"):
        assert removed in told, removed
    entries = await open_case_file(h.store, case, h.counsellor_key)
    await h.close()
    (path,) = write_files(entries, tmp_path / "files")
    written = path.read_bytes()
    reader = PdfReader(path)
    assert not reader.metadata
    assert "/Metadata" not in reader.root_object
    assert len(reader.pages) == 1
    assert PLANTED[0].encode() not in written
    assert b"xmpmeta" not in written


async def test_the_files_are_numbered_and_nothing_is_overwritten(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    case = await opened(h)
    await receive_file(h.front, SASKIA, photo())
    await receive_file(h.front, SASKIA, document())
    entries = await open_case_file(h.store, case, h.counsellor_key)
    await h.close()
    folder = tmp_path / "files"
    names = [p.name for p in write_files(entries, folder)]
    assert names == ["file-1.jpg", "file-2.pdf"]
    (folder / "file-2.pdf").write_bytes(b"the counsellor's own notes")
    (folder / "file-1.jpg").unlink()
    with pytest.raises(InvalidInput) as refused:
        write_files(entries, folder)
    assert refused.value.key == "evidence.exists"
    assert not (folder / "file-1.jpg").exists()  # nothing written when one is in the way
    assert (folder / "file-2.pdf").read_bytes() == b"the counsellor's own notes"


def _broken_jpeg() -> bytes:
    good = photo()
    return good[:200] + b"\x00" * 50


def _locked_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    writer.encrypt("secret")
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "key", "said"),
    [
        (b"GIF89a" + b"\x00" * 40, "evidence.unknown_type", "only JPEG, PNG, WebP, PDF"),
        (b"Dear counsellor, see attached", "evidence.unknown_type", "only JPEG, PNG, WebP, PDF"),
        (_broken_jpeg(), "evidence.unreadable", "could not be read as a JPEG file"),
        (b"%PDF-1.7\n1 0 obj garbage", "evidence.unreadable", "could not be read as a PDF"),
        (_locked_pdf(), "evidence.encrypted_pdf", "protected with a password"),
        (None, "evidence.download_failed", "could not be fetched"),
        (b"\xff\xd8\xff" + b"\x00" * 3000, "evidence.too_large", "largest file"),
    ],
    ids=["gif", "text", "broken-jpeg", "broken-pdf", "encrypted-pdf", "not-fetched", "large"],
)
async def test_a_file_that_cannot_be_cleaned_is_refused_and_nothing_is_kept(
    tmp_path: Path, data: bytes | None, key: str, said: str
) -> None:
    key = crypto.CounsellorKey.generate()
    config = demo_config(key.public)
    config = config.model_copy(update={"service": ServiceSection(evidence_max_bytes=2048)})
    h = await make_harness(tmp_path / "case.db", config=config, counsellor_key=key)
    case = await opened(h)
    before = (await h.service.case_for(SASKIA, case)).next_seq
    counsellor = len(h.inbox("counsellor"))
    answer = await receive_file(h.front, SASKIA, data)
    await h.worker.run_once()
    assert len(answer) == 1, answer
    assert said in answer[0], answer
    after = await h.service.case_for(SASKIA, case)
    assert after.next_seq == before
    assert after.evidence == 0
    assert len(h.inbox("counsellor")) == counsellor
    assert not await h.store.audit_entries(kind="evidence_received")
    await h.close()


async def test_a_file_without_a_case_is_refused(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    answer = await receive_file(h.front, SASKIA, photo())
    assert len(answer) == 1
    assert "only be sent within a case" in answer[0]
    await h.close()


def test_the_kind_is_read_from_the_bytes_not_claimed() -> None:
    """A PDF is a PDF whatever it is called; a PNG made to look like a JPEG is not."""
    image = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    out = BytesIO()
    image.save(out, "PNG", pnginfo=_text_chunk())
    cleaned = clean(out.getvalue(), 1_000_000)
    assert cleaned.kind == "png"
    assert "comment" in cleaned.removed
    with Image.open(BytesIO(cleaned.data)) as back:
        assert back.mode == "RGBA"
        assert not getattr(back, "text", {})
    with pytest.raises(InvalidInput) as refused:
        clean(b"\xff\xd8\xff" + out.getvalue()[3:], 1_000_000)
    assert refused.value.key == "evidence.unreadable"


def _text_chunk() -> object:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", PLANTED[0])
    return info


async def test_dutch_reporters_are_told_in_dutch(tmp_path: Path) -> None:
    h = await make_harness(tmp_path / "case.db")
    await h.say("saskia", "!taal nl")
    await opened(h)
    await receive_file(h.front, SASKIA, photo())
    await h.worker.run_once()
    told = h.inbox("saskia")[-1]
    assert "gps-locatie" in told
    assert "JPEG-foto" in told
    assert "bestand-1" not in told
    assert "Verwijderd voordat het werd bewaard" in told
    await h.close()
