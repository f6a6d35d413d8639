"""Review of issue 21, items 1 (signals and advice outside any case), 4 (accompanying a
formal complaint) and 6 (evidence files), tried again as a new user and as an attacker:
what was found (xfail, strict) and what was properly refused (guards)."""

from __future__ import annotations

import contextlib
import re
import zlib
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from intermediary import crypto
from intermediary.config import CounsellorConfig, DestinationConfig, ServiceConfig
from intermediary.core.vocabulary import CounsellorKind
from intermediary.errors import InvalidInput
from intermediary.office.handover import hand_over_cases
from intermediary.runtime import demo_config
from intermediary.service.evidence import clean
from intermediary.text import Locale, render
from tests.chat.test_dutch_chat import dutch_harness
from tests.cli.test_commands import CASE_ID, cli, make_installation
from tests.harness import PLANTED, Harness, make_harness, two_board_config

NIGHT = "Several reports this quarter concern the night shift; consider a review of the rota."
LIMIT = 10_000_000
NAME = PLANTED[0]


def _config(key: crypto.CounsellorKey, *, cell: int = 3) -> ServiceConfig:
    config = demo_config(key.public, locale="en")
    org = config.organisations[0].model_copy(update={"min_cell_size": cell})
    return config.model_copy(update={"organisations": [org]})


async def _harness(tmp_path: Path, *, cell: int = 3) -> Harness:
    key = crypto.CounsellorKey.generate()
    return await make_harness(
        tmp_path / "r21b.db", config=_config(key, cell=cell), counsellor_key=key
    )


async def _new_case(h: Harness, name: str, words: str) -> str:
    await h.say(name, "!new mode=report disclosure=confidential category=bullying")
    await h.say(name, words)
    return await h.case_of(name)


# --- item 1: signals ---------------------------------------------------------------------


async def test_three_cases_of_one_reporter_do_not_make_a_signal_without_her_agreement(
    tmp_path: Path,
) -> None:
    """Ada opens three cases (the same thing, three times: a reporter does this). The
    organisation's minimum cell size is 3. The counsellor's signal drawn on Ada's three
    cases goes to management without asking whether Ada agreed: management reads
    "several reports" that all come from one person, the very thing the rule prevents."""
    h = await _harness(tmp_path, cell=3)
    try:
        for i in range(3):
            await _new_case(h, "ada", f"It happened again on the night shift ({i}).")
        # all three (h.case_of gives the last in code order, not the newest)
        codes = [r.case_id for r in await h.store.cases_for_counsellor("demo", "counsellor")]
        assert len(set(codes)) == 3
        shown = "\n".join(await h.say("counsellor", f"!signal {' '.join(codes)} {NIGHT}"))
        assert "agree" in shown, shown
    finally:
        await h.close()


async def test_a_signal_on_three_reporters_cases_needs_no_agreement(tmp_path: Path) -> None:
    """The guard beside the finding: three reporters, cell size 3, no agreement asked."""
    h = await _harness(tmp_path, cell=3)
    try:
        codes = [await _new_case(h, n, "On the night shift.") for n in ("ada", "bea", "cor")]
        shown = "\n".join(await h.say("counsellor", f"!signal {' '.join(codes)} {NIGHT}"))
        assert "agree" not in shown
        assert "Send it?" in shown
    finally:
        await h.close()


async def test_a_signal_naming_the_reporter_is_refused(tmp_path: Path) -> None:
    """The identifying-words check holds for a signal, also with the name bent."""
    h = await _harness(tmp_path, cell=1)
    try:
        await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
        await h.say("saskia", "My lead shouts at me.")
        code = await h.case_of("saskia")
        for bent in ("SASKIA's", "Sas-kia", "J a n s e n"):
            said = "\n".join(await h.say("counsellor", f"!signal {code} Reports like {bent}."))
            assert "Send it?" not in said, (bent, said)
        assert not h.inbox("management")
    finally:
        await h.close()


async def test_management_cannot_signal_or_answer(tmp_path: Path) -> None:
    h = await _harness(tmp_path, cell=1)
    try:
        code = await _new_case(h, "ada", "On the night shift.")
        for line in (f"!signal {code} {NIGHT}", "!answer A-0000 yes"):
            said = "\n".join(await h.say("management", line))
            assert "Send it?" not in said
        assert not h.inbox("counsellor") or all(NIGHT not in t for t in h.inbox("counsellor"))
    finally:
        await h.close()


async def test_a_second_advice_with_a_reference_already_used_still_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chance is played by fixing the random reference: after a few hundred signals and
    advice, two S-references meeting is likely (one in fifty at 200, one in three at
    1,000). Management's question references (A-…) are drawn again on a repeat; the
    counsellor's are not."""
    from intermediary.service import signals

    monkeypatch.setattr(signals, "new_ref", lambda prefix: f"{prefix}-7KQ3")
    h = await _harness(tmp_path)
    try:
        for advice in ("Consider a second counsellor.", "Consider training for leads."):
            await h.say("counsellor", f"!advice {advice}")
            done = "\n".join(await h.say("counsellor", "yes"))
            assert "Sent to management" in done, done
        assert len(h.inbox("management")) == 2
    finally:
        await h.close()


async def test_a_dutch_answer_to_management_does_not_reach_the_reporter() -> None:
    """Management asks "Hoe voorkomen we pesten in de nachtdienst?"; the counsellor
    answers with !antwoord and the reference, as a Dutch speaker would (the form says
    !beantwoord). Her only open case is the current one: the text goes to Saskia."""
    h = await dutch_harness()
    try:
        await h.say("saskia", "!nieuw mode=melden disclosure=vertrouwelijk category=pesten")
        await h.say("saskia", "Mijn leidinggevende schreeuwt.")
        [told] = await h.say("management", "!advies Hoe voorkomen we pesten in de nachtdienst?")
        ref = re.search(r"A-[0-9A-Z]{4}", told)
        assert ref is not None, told
        advice = "Spreek de teamleiders van de nachtdienst aan op hun gedrag."
        answered = await h.say("counsellor", f"!antwoord {ref.group(0)} {advice}")
        assert not any(advice in m for m in h.inbox("saskia"))
        assert f"Beantwoord de leiding met !beantwoord {ref.group(0)}" in "\n".join(answered)
        await h.say("counsellor", f"{ref.group(0).lower()} {advice}")  # without a command
        assert not any(advice in m for m in h.inbox("saskia"))
        await h.say("counsellor", "!antwoord Dank je, ik lees het.")  # a plain reply goes
        assert any("Dank je, ik lees het." in m for m in h.inbox("saskia"))
    finally:
        await h.close()


def _two_organisations(key: crypto.CounsellorKey, rival: crypto.CounsellorKey) -> ServiceConfig:
    """Demo B.V. (counsellor, management) and Other B.V. (rival, board), apart."""
    config = _config(key, cell=1)
    demo = config.organisations[0].model_copy(update={"invitation_code": "DEMO-2026-JOIN"})
    other = demo.model_copy(
        update={
            "id": "other",
            "name": "Other B.V.",
            "invitation_code": "OTHER-2026-JOIN",
            "counsellors": [
                CounsellorConfig(
                    id="rival",
                    name="Rita",
                    kind=CounsellorKind.EXTERNAL,
                    public_key=rival.public.encode(),
                    addresses={"console": "rival"},
                )
            ],
            "management": [
                DestinationConfig(id="board", name="the board", addresses={"console": "board"})
            ],
        }
    )
    return config.model_copy(update={"organisations": [demo, other]})


async def test_a_counsellor_of_another_organisation_gets_nothing_and_can_do_nothing(
    tmp_path: Path,
) -> None:
    """Management of Demo asks for advice: only Demo's counsellor hears of it; Other's
    counsellor, who learns the reference somehow, cannot answer it, nor signal on a Demo
    case, nor reach Demo's management with advice."""
    key, rival = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    h = await make_harness(
        tmp_path / "two.db", config=_two_organisations(key, rival), counsellor_key=key
    )
    try:
        await h.say("ada", "!new mode=report disclosure=confidential category=bullying")
        await h.say("ada", "DEMO-2026-JOIN")
        await h.say("ada", "On the night shift.")
        code = await h.case_of("ada")
        told = "\n".join(await h.say("management", "!advice How do we prevent bullying?"))
        ref = re.search(r"A-[0-9A-Z]{4}", told)
        assert ref is not None, told
        assert any(ref.group(0) in m for m in h.inbox("counsellor"))
        assert not h.inbox("rival")
        for line in (
            f"!answer {ref.group(0)} Do nothing.",
            f"!signal {code} {NIGHT}",
            f"!advice org=demo {NIGHT}",
        ):
            said = "\n".join(await h.say("rival", line))
            assert "Send it?" not in said, (line, said)
            assert "Demo B.V." not in said, (line, said)
            await h.say("rival", "yes")
        assert not h.inbox("management")
        assert not h.inbox("board")
    finally:
        await h.close()


@pytest.mark.parametrize("locale", ["en", "nl"])
def test_a_signals_count_reads_as_a_number_of_cases(locale: Locale) -> None:
    """A Dutch counsellor reads "Dit signaal steunt op 2 zaak of zaken": the house style
    (intermediary.text.phrase.counted) says "2 zaken", never "zaak/zaken" or "(s)"."""
    for key in ("signals.ask_agreed", "signals.too_few", "signals.invisible_removed"):
        text = render(key, locale, count=2, minimum=5, case="VP-7KQ3-M2XD", cases="VP-7KQ3-M2XD")
        assert "(s)" not in text, (key, text)
        assert "zaak of zaken" not in text, (key, text)


# --- item 6: evidence, hostile files -----------------------------------------------------


def _pdf(writer: PdfWriter) -> bytes:
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def _page() -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    return writer


def _everything(data: bytes) -> bytes:
    """A PDF's bytes with every Flate stream unpacked beside them."""
    found = data
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        with contextlib.suppress(zlib.error):
            found += zlib.decompress(m.group(1))
    return found


def _action(kind: str, **fields: str) -> DictionaryObject:
    action = DictionaryObject({NameObject("/S"): NameObject(kind)})
    for key, value in fields.items():
        action[NameObject(f"/{key}")] = TextStringObject(value)
    return action


def _annotated(annotation: dict[str, object]) -> bytes:
    writer = _page()
    annot = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
            **{NameObject(k): v for k, v in annotation.items()},
        }
    )
    writer.pages[0][NameObject("/Annots")] = ArrayObject([writer._add_object(annot)])
    return _pdf(writer)


def _js_link() -> bytes:
    return _annotated(
        {"/Subtype": NameObject("/Link"), "/A": _action("/JavaScript", JS="app.alert(1)")}
    )


def _js_widget() -> bytes:
    additional = DictionaryObject({NameObject("/E"): _action("/JavaScript", JS="app.alert(2)")})
    return _annotated({"/Subtype": NameObject("/Widget"), "/AA": additional})


def _launch_link() -> bytes:
    return _annotated({"/Subtype": NameObject("/Link"), "/A": _action("/Launch", F="cmd.exe")})


def _js_outline() -> bytes:
    writer = _page()
    item = DictionaryObject(
        {
            NameObject("/Title"): TextStringObject("x"),
            NameObject("/A"): _action("/JavaScript", JS="app.alert(4)"),
        }
    )
    ref = writer._add_object(item)
    writer.root_object[NameObject("/Outlines")] = writer._add_object(
        DictionaryObject(
            {
                NameObject("/First"): ref,
                NameObject("/Last"): ref,
                NameObject("/Count"): NumberObject(1),
            }
        )
    )
    return _pdf(writer)


@pytest.mark.parametrize("made", [_js_link, _js_widget, _launch_link, _js_outline])
def test_a_pdfs_actions_do_not_reach_the_counsellors_machine(made: object) -> None:
    """A hostile reporter (or whoever made the PDF she forwards) puts a JavaScript or
    Launch action on a link, a form field or a bookmark. The module promises "without
    ... JavaScript"; the counsellor opens the file with her own PDF reader, on the
    machine that holds her key, and one click runs it."""
    assert callable(made)
    cleaned = clean(made(), LIMIT)
    kept = _everything(cleaned.data)
    assert b"/JavaScript" not in kept
    assert b"/Launch" not in kept


def test_a_pdfs_document_javascript_is_removed() -> None:
    """The guard: /OpenAction and the document's /Names/JavaScript do go."""
    writer = _page()
    writer.root_object[NameObject("/OpenAction")] = _action("/JavaScript", JS="app.alert(0)")
    cleaned = clean(_pdf(writer), LIMIT)
    assert "js" in cleaned.removed
    assert b"app.alert" not in _everything(cleaned.data)


def _associated_file() -> bytes:
    """A PDF 2.0 "associated file" (/AF on the catalogue): an attachment that is not in
    /Names/EmbeddedFiles, here the reporter's CV under her name."""
    writer = _page()
    inner = StreamObject()
    inner.set_data(f"Curriculum vitae of {NAME}".encode())
    inner[NameObject("/Type")] = NameObject("/EmbeddedFile")
    spec = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Filespec"),
            NameObject("/F"): TextStringObject(f"CV {NAME}.docx"),
            NameObject("/EF"): DictionaryObject({NameObject("/F"): writer._add_object(inner)}),
        }
    )
    writer.root_object[NameObject("/AF")] = ArrayObject([writer._add_object(spec)])
    return _pdf(writer)


def _image_with_xmp(*, typed: bool) -> bytes:
    """A PDF whose one image carries its own XMP (as InDesign and Acrobat write it), the
    photographer's name in it; ``typed``: with /Type /Metadata (optional in practice)."""
    writer = _page()
    xmp = StreamObject()
    xmp.set_data(f"<x:xmpmeta><dc:creator>{NAME}</dc:creator></x:xmpmeta>".encode())
    xmp[NameObject("/Subtype")] = NameObject("/XML")
    if typed:
        xmp[NameObject("/Type")] = NameObject("/Metadata")
    image = StreamObject()
    image.set_data(b"\x00\x00\x00")
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(1),
            NameObject("/Height"): NumberObject(1),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Metadata"): writer._add_object(xmp),
        }
    )
    writer.pages[0][NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(image)})}
    )
    return _pdf(writer)


def _info_also_elsewhere() -> bytes:
    """The document information (author) also reachable from a key of the catalogue:
    the trailer's /Info goes, the dictionary stays; she is told "author removed"."""
    writer = _page()
    writer.add_metadata({"/Author": NAME})
    writer.root_object[NameObject("/PieceInfoCopy")] = writer._info
    return _pdf(writer)


def _thread_information() -> bytes:
    """An article thread's information dictionary (/Threads … /I), with /Author."""
    writer = _page()
    thread = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Thread"),
            NameObject("/I"): DictionaryObject({NameObject("/Author"): TextStringObject(NAME)}),
        }
    )
    writer.root_object[NameObject("/Threads")] = ArrayObject([writer._add_object(thread)])
    return _pdf(writer)


def _layer_creator() -> bytes:
    """Optional content (layers) with the creator's name, as Illustrator writes it."""
    writer = _page()
    usage = DictionaryObject(
        {
            NameObject("/CreatorInfo"): DictionaryObject(
                {NameObject("/Creator"): TextStringObject(NAME)}
            )
        }
    )
    layer = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/OCG"),
                NameObject("/Name"): TextStringObject("Layer 1"),
                NameObject("/Usage"): usage,
            }
        )
    )
    writer.root_object[NameObject("/OCProperties")] = DictionaryObject(
        {
            NameObject("/OCGs"): ArrayObject([layer]),
            NameObject("/D"): DictionaryObject({NameObject("/Creator"): TextStringObject(NAME)}),
        }
    )
    return _pdf(writer)


def _signed() -> bytes:
    """A signed PDF: the signature dictionary names the signer (her certificate, in
    /Contents, would too)."""
    writer = _page()
    signature = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Sig"),
            NameObject("/Name"): TextStringObject(NAME),
            NameObject("/M"): TextStringObject("D:20261102081400"),
        }
    )
    writer.root_object[NameObject("/Perms")] = DictionaryObject(
        {NameObject("/DocMDP"): writer._add_object(signature)}
    )
    return _pdf(writer)


def _form_private_data() -> bytes:
    """A form XObject's /PieceInfo (an application's private data), not the page's."""
    writer = _page()
    private = DictionaryObject({NameObject("/Private"): TextStringObject(f"user {NAME}")})
    form = StreamObject()
    form.set_data(b"")
    form.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([NumberObject(0)] * 4),
            NameObject("/PieceInfo"): DictionaryObject({NameObject("/Illustrator"): private}),
        }
    )
    writer.pages[0][NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Fm0"): writer._add_object(form)})}
    )
    return _pdf(writer)


@pytest.mark.parametrize(
    "made",
    [
        _associated_file,
        lambda: _image_with_xmp(typed=False),
        _info_also_elsewhere,
        _thread_information,
        _layer_creator,
        _signed,
        _form_private_data,
    ],
    ids=[
        "associated_file",
        "image_xmp",
        "info_elsewhere",
        "thread",
        "layer",
        "signature",
        "form_pieceinfo",
    ],
)
def test_the_reporters_name_does_not_survive_pdf_cleaning(made: object) -> None:
    """Each PDF carries the reporter's name in metadata a PDF program writes; after
    cleaning it must be nowhere in the file (streams unpacked)."""
    assert callable(made)
    cleaned = clean(made(), LIMIT)
    assert NAME.encode() not in _everything(cleaned.data)


def test_a_pdf_with_xmp_on_an_image_is_cleaned_not_refused_as_damaged() -> None:
    cleaned = clean(_image_with_xmp(typed=True), LIMIT)
    assert NAME.encode() not in _everything(cleaned.data)
    assert "xmp" in cleaned.removed


def test_an_incremental_update_adding_the_author_leaves_no_earlier_version() -> None:
    """The guard: an author added by an incremental save, and the earlier revision, go."""
    first = _pdf(_page())
    update = PdfWriter(BytesIO(first), incremental=True)
    update.add_metadata({"/Author": NAME})
    out = BytesIO()
    update.write(out)
    cleaned = clean(out.getvalue(), LIMIT)
    assert {"author", "earlier_versions"} <= set(cleaned.removed)
    assert NAME.encode() not in _everything(cleaned.data)
    assert cleaned.data.count(b"%%EOF") == 1
    assert not PdfReader(BytesIO(cleaned.data)).metadata


def test_a_comments_author_is_removed() -> None:
    data = _annotated(
        {
            "/Subtype": NameObject("/Text"),
            "/T": TextStringObject(NAME),
            "/Contents": TextStringObject("see here"),
        }
    )
    cleaned = clean(data, LIMIT)
    assert "annotation_authors" in cleaned.removed
    assert NAME.encode() not in _everything(cleaned.data)


def _png_with_chunks() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", NAME)
    info.add_itxt("Comment", NAME)
    info.add_text("Description", NAME, zip=True)
    exif = Image.Exif()
    exif[315] = NAME
    out = BytesIO()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(out, "PNG", pnginfo=info, exif=exif)
    return out.getvalue()


def _webp_with_exif_and_xmp() -> bytes:
    exif = Image.Exif()
    exif[315] = NAME
    out = BytesIO()
    Image.new("RGB", (20, 20)).save(out, "WEBP", exif=exif.tobytes(), xmp=f"<x>{NAME}</x>".encode())
    return out.getvalue()


def _jpeg_then(tail: bytes) -> bytes:
    out = BytesIO()
    Image.new("RGB", (20, 20)).save(out, "JPEG")
    return out.getvalue() + tail


@pytest.mark.parametrize(
    "made",
    [
        _png_with_chunks,
        _webp_with_exif_and_xmp,
        lambda: _jpeg_then(b"PK\x03\x04" + NAME.encode()),  # a ZIP appended
        lambda: _jpeg_then(b"%PDF-1.4\n" + NAME.encode()),  # a PDF appended
    ],
)
def test_polyglot_and_chunked_images_come_out_clean(made: object) -> None:
    assert callable(made)
    cleaned = clean(made(), LIMIT)
    assert NAME.encode() not in cleaned.data
    assert b"PK\x03\x04" not in cleaned.data
    assert b"%PDF" not in cleaned.data


def test_a_png_claiming_huge_dimensions_is_refused_before_it_is_unpacked() -> None:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return len(data).to_bytes(4, "big") + kind + data + crc.to_bytes(4, "big")

    header = (100_000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + chunk(b"IEND", b"")
    )
    with pytest.raises(InvalidInput):
        clean(bomb, LIMIT)


# --- item 6: intermediary open --files ---------------------------------------------------


def _case_with_a_photo(tmp_path: Path) -> tuple[Path, Path, str]:
    config, key = make_installation(tmp_path)
    upload = tmp_path / "upload.jpg"
    upload.write_bytes(_jpeg_then(b""))
    sent = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin=(
            "@saskia !new mode=report disclosure=confidential category=bullying\n"
            "@saskia I took a photo of the notice board.\n"
            f"@saskia !file {upload}\n"
        ),
    )
    assert sent.returncode == 0, sent.stderr
    match = CASE_ID.search(sent.stdout)
    assert match is not None
    return config, key, match.group(0)


def _open_files(config: Path, key: Path, case: str, folder: Path) -> object:
    return cli(
        "open", case, "--config", str(config), "--key", str(key), "--passphrase-env", "PASS",
        "--files", str(folder),
    )  # fmt: skip


def test_files_into_a_link_to_a_file_changes_nothing_and_says_why(tmp_path: Path) -> None:
    """The counsellor (or whoever prepared her folder) gives a path that is a link to a
    file, say her notes. The service's fallback chmod follows the link: the file becomes
    0700 (executable, its group and others' read taken), and the command ends in a
    traceback instead of a sentence."""
    config, key, case = _case_with_a_photo(tmp_path)
    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    target.chmod(0o644)
    link = tmp_path / "files"
    link.symlink_to(target)
    opened = _open_files(config, key, case, link)
    assert target.stat().st_mode & 0o777 == 0o644
    assert "Traceback" not in opened.stderr  # type: ignore[attr-defined]
    assert opened.returncode != 0  # type: ignore[attr-defined]


def test_files_into_a_path_that_is_a_file_changes_nothing_and_says_why(tmp_path: Path) -> None:
    config, key, case = _case_with_a_photo(tmp_path)
    target = tmp_path / "report.docx"
    target.write_text("my report")
    target.chmod(0o644)
    opened = _open_files(config, key, case, target)
    assert target.stat().st_mode & 0o777 == 0o644
    assert "Traceback" not in opened.stderr  # type: ignore[attr-defined]
    assert opened.returncode != 0  # type: ignore[attr-defined]


def test_files_are_not_written_through_a_planted_link(tmp_path: Path) -> None:
    """The guard: a link named file-1.jpg in the folder is not followed or replaced."""
    config, key, case = _case_with_a_photo(tmp_path)
    folder = tmp_path / "out"
    folder.mkdir(mode=0o700)
    victim = tmp_path / "victim"
    victim.write_text("untouched")
    (folder / "file-1.jpg").symlink_to(victim)
    opened = _open_files(config, key, case, folder)
    assert opened.returncode == 1  # type: ignore[attr-defined]
    assert victim.read_text() == "untouched"
    assert "Traceback" not in opened.stderr  # type: ignore[attr-defined]


# --- item 4: accompanying a formal complaint ---------------------------------------------

REMINDER = "Prepare the hearing with her: walk through the questions"


async def _complaint_with_reminder(h: Harness, who: str, counsellor: str) -> str:
    await h.say(who, "!new mode=consult disclosure=confidential category=bullying")
    await h.say(who, "1")  # Daan
    await h.say(who, "My lead keeps shouting at me.")
    case = await h.case_of(who)
    await h.say(counsellor, f"!complaint {case} filed klachtencommissie 2026-11-20 Letter written")
    await h.say(counsellor, f"!complaint {case} remind 2027-03-12 {REMINDER}")
    assert "I will remind you on 2027-03-12" in h.last(counsellor)
    return case


async def _the_day(h: Harness) -> None:
    h.clock.now = datetime(2027, 3, 12, 9, 0, tzinfo=UTC)
    await h.office.sweep()
    await h.worker.run_once()


async def test_after_a_handover_the_successor_is_reminded_not_the_one_who_left(
    tmp_path: Path,
) -> None:
    """The guard: an open case handed over, its complaint reminder goes to Ilse."""
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse)
    h = await make_harness(tmp_path / "case.db", config=config, counsellor_key=daan)
    try:
        case = await _complaint_with_reminder(h, "saskia", "daan")
        await hand_over_cases(h.office, config, daan, "ilse")
        await _the_day(h)
        assert any(REMINDER in m and case in m for m in h.inbox("ilse"))
        assert not any(REMINDER in m for m in h.inbox("daan"))
        assert not any(REMINDER in m for m in h.inbox("saskia") + h.inbox("director"))
    finally:
        await h.close()


async def test_a_complaint_that_outlasts_its_case_follows_the_handover(tmp_path: Path) -> None:
    """Daan accompanies Saskia's complaint; the conversation is closed (the complaint
    outlasts it, as the issue says), a hearing is coming and he set a reminder. He
    leaves and hands over to Ilse. On the day, the reminder goes to Daan, who left;
    Ilse is not told there is a complaint to accompany at all."""
    daan, ilse = crypto.CounsellorKey.generate(), crypto.CounsellorKey.generate()
    config = two_board_config(daan, ilse)
    h = await make_harness(tmp_path / "case.db", config=config, counsellor_key=daan)
    try:
        case = await _complaint_with_reminder(h, "saskia", "daan")
        await h.say("daan", f"!close {case} formal_complaint bullying")
        await h.say("anna", "!new mode=consult disclosure=confidential category=bullying")
        await h.say("anna", "1")
        await h.say("anna", "Another matter, still open.")
        moved = await hand_over_cases(h.office, config, daan, "ilse")
        assert case in moved.moved  # its complaint goes on: it goes along
        await _the_day(h)
        assert not any(REMINDER in m for m in h.inbox("daan"))
        assert any(case in m for m in h.inbox("ilse"))
    finally:
        await h.close()


async def test_a_complaints_days_are_not_in_the_database_in_the_clear(tmp_path: Path) -> None:
    """Someone with a copy of the database (the employer's IT) and a look at the
    klachtencommissie's register, which the employer keeps: the complaint filed on
    2026-11-20 and heard on 2027-01-14 is one person's. The case row says which case
    it is."""
    h = await make_harness(tmp_path / "case.db")
    try:
        await h.say("anna", "!new mode=report disclosure=confidential category=bullying")
        await h.say("anna", "My lead keeps shouting at me.")
        case = await h.case_of("anna")
        await h.say("counsellor", f"!complaint {case} filed klachtencommissie 2026-11-20")
        await h.say("counsellor", f"!complaint {case} hearing klachtencommissie 2027-01-14")
        assert "recorded" in h.last("counsellor")
    finally:
        await h.close()
    on_disk = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert b"2026-11-20" not in on_disk
    assert b"2027-01-14" not in on_disk


async def test_a_reminder_is_sent_once_across_a_restart(tmp_path: Path) -> None:
    """The guard: delivered, the service restarts (a new process on the same database
    and keys), the round runs again on the same day: nothing is sent twice."""
    key = crypto.CounsellorKey.generate()
    config = demo_config(key.public)
    db = tmp_path / "case.db"
    h = await make_harness(db, config=config, counsellor_key=key)
    await h.say("saskia", "!new mode=report disclosure=confidential category=bullying")
    await h.say("saskia", "My lead keeps shouting at me.")
    case = await h.case_of("saskia")
    await h.say("counsellor", f"!complaint {case} remind 2027-03-12 {REMINDER}")
    await _the_day(h)
    assert sum(REMINDER in m for m in h.inbox("counsellor")) == 1
    keys, clock = h.keys, h.clock
    await h.close()
    again = await make_harness(db, config=config, keys=keys, counsellor_key=key, clock=clock)
    try:
        await _the_day(again)
        clock.now = datetime(2027, 3, 13, 9, 0, tzinfo=UTC)  # and the day after
        await again.office.sweep()
        await again.worker.run_once()
        assert not any(REMINDER in m for m in again.inbox("counsellor"))
        on_disk = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
        assert REMINDER.encode() not in on_disk
    finally:
        await again.close()
