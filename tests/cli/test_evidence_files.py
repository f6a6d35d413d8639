"""A reporter's file through the console (``!file PATH``) and out again on the counsellor's
machine (``intermediary open CASE --files FOLDER``): real processes, real files."""

from __future__ import annotations

import sqlite3
from io import BytesIO
from pathlib import Path

from PIL import Image

from tests.cli.test_commands import CASE_ID, cli, make_installation

CAMERA = "Hasselblad X2D-Secret"


def photo() -> bytes:
    """A JPEG with the camera's model and the GPS position in its EXIF."""
    image = Image.new("RGB", (40, 20), (10, 120, 10))
    exif = Image.Exif()
    exif[272] = CAMERA
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (52.0, 22.0, 1.0)
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_file_sent_in_the_console_is_written_out_clean_and_never_over_another(
    tmp_path: Path,
) -> None:
    config, key = make_installation(tmp_path)
    upload = tmp_path / "upload" / "IMG_own_name.jpg"
    upload.parent.mkdir()
    upload.write_bytes(photo())
    sent = cli(
        "run",
        "console",
        "--config",
        str(config),
        stdin=(
            "@saskia !new mode=report disclosure=confidential category=bullying\n"
            "@saskia I took a photo of the notice board.\n"
            f"@saskia !file {upload}\n"
            f"@saskia !bestand {tmp_path / 'nothing-here.jpg'}\n"
        ),
    )
    assert sent.returncode == 0, sent.stderr
    assert "file-1.jpg" in sent.stdout
    assert "GPS position" in sent.stdout
    assert "could not be read here" in sent.stdout
    match = CASE_ID.search(sent.stdout)
    assert match is not None
    case = match.group(0)

    folder = tmp_path / "counsellor" / "files"
    opened = cli(
        "open", case, "--config", str(config), "--key", str(key), "--passphrase-env", "PASS",
        "--files", str(folder),
    )  # fmt: skip
    assert opened.returncode == 0, opened.stderr
    written = folder / "file-1.jpg"
    assert f"Written: {written}" in opened.stdout
    assert "file-1.jpg (JPEG photo" in opened.stdout  # the entry, not its bytes
    assert folder.stat().st_mode & 0o777 == 0o700
    assert written.stat().st_mode & 0o777 == 0o600
    with Image.open(written) as image:
        assert image.size == (40, 20)
        assert not image.getexif()
    assert CAMERA.encode() not in written.read_bytes()

    again = cli(
        "open", case, "--config", str(config), "--key", str(key), "--passphrase-env", "PASS",
        "--files", str(folder),
    )  # fmt: skip
    assert again.returncode == 1
    assert "exists already: nothing was overwritten" in again.stderr
    assert "Traceback" not in again.stderr

    db = tmp_path / "case.db"
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("case.db*") if p.is_file())
    assert CAMERA.encode() not in stored
    assert b"IMG_own_name" not in stored
    assert written.read_bytes()[200:264] not in stored
    audit = sqlite3.connect(db).execute("SELECT kind, details FROM audit").fetchall()
    assert "evidence_received" in {k for k, _ in audit}
    assert not any("file-1" in d or "IMG" in d for _, d in audit)
