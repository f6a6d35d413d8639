"""The pages of a PDF that Chromium printed: their sizes and their text, for the tests.

Just enough of PDF for Chromium's (Skia's) own output, so that no PDF library is
needed: objects are not compressed into object streams, content streams are
FlateDecode, and text is drawn in Type0 fonts with a ToUnicode map
(``beginbfchar``/``beginbfrange``) from ``<hex> Tj`` and ``[…] TJ``. Anything
else raises, so a change in Chromium's output fails the test loudly instead of
passing it quietly.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass

__all__ = ["Page", "pages"]


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    #: the page's text, without white space (lines and words are drawn apart) or ligatures
    text: str


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(n): body for n, body in re.findall(rb"(\d+) 0 obj\s*(.*?)endobj", pdf, re.S)}


def _stream(body: bytes) -> bytes:
    """The data of a stream object, exactly ``/Length`` bytes: the data may itself end
    in a carriage return, which a search for the end of the stream would take for the
    line break before ``endstream`` (a one-byte-short stream that does not inflate)."""
    head, found, rest = body.partition(b"stream")
    length = re.search(rb"/Length (\d+)\b(?! \d+ R)", head)
    if not found or length is None:
        raise ValueError("no stream with a direct /Length")
    start = 2 if rest.startswith(b"\r\n") else 1 if rest.startswith(b"\n") else None
    if start is None:
        raise ValueError("no line break after 'stream'")
    data = rest[start : start + int(length.group(1))]
    if not rest[start + len(data) :].lstrip(b"\r\n").startswith(b"endstream"):
        raise ValueError("a stream longer or shorter than its /Length")
    return zlib.decompress(data) if b"/FlateDecode" in head else data


def _hex(text: bytes) -> str:
    raw = bytes.fromhex(text.decode())
    return raw.decode("utf-16-be", errors="replace")


def _unicode_map(cmap: bytes) -> dict[int, str]:
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = _hex(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = int(dst, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[code] = chr(start + offset)
    return out


def _ref(body: bytes, name: bytes) -> int:
    found = re.search(rb"/" + name + rb" (\d+) 0 R", body)
    if found is None:
        raise ValueError(f"no /{name.decode()}")
    return int(found.group(1))


def _text(content: bytes, fonts: dict[bytes, dict[int, str]]) -> str:
    out: list[str] = []
    font: dict[int, str] = {}
    for token in re.finditer(rb"/(\w+) [\d.]+ Tf|\[([^\]]*)\]\s*TJ|<([0-9A-Fa-f]*)>\s*Tj", content):
        if token.group(1) is not None:
            font = fonts[token.group(1)]
            continue
        strings = re.findall(rb"<([0-9A-Fa-f]*)>", token.group(2) or b"<" + token.group(3) + b">")
        for string in strings:
            codes = [int(string[i : i + 4], 16) for i in range(0, len(string), 4)]
            out.extend(font.get(code, "\ufffd") for code in codes)
    # ligatures ("ﬁ") back to their letters
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", "".join(out)))


def _leaves(objects: dict[int, bytes], node: bytes) -> list[bytes]:
    """The pages under a node of the page tree, in order. Skia gives a node at most eight
    children: a longer document is a tree of ``/Pages`` nodes, not one list."""
    if not re.search(rb"/Type /Pages\b", node):
        return [node]
    kids = re.search(rb"/Kids \[([^\]]*)\]", node)
    if kids is None:
        raise ValueError("no page list")
    return [
        leaf
        for number in re.findall(rb"(\d+) 0 R", kids.group(1))
        for leaf in _leaves(objects, objects[int(number)])
    ]


def pages(pdf: bytes) -> list[Page]:
    """Every page of ``pdf`` in order, with its size (points) and text."""
    objects = _objects(pdf)
    catalog = next(body for body in objects.values() if re.search(rb"/Type /Catalog\b", body))
    out = []
    for page in _leaves(objects, objects[_ref(catalog, b"Pages")]):
        box = re.search(rb"/MediaBox \[([^\]]*)\]", page)
        if box is None:
            raise ValueError("a page without a size")
        x0, y0, x1, y1 = (float(v) for v in box.group(1).split())
        fonts = {
            name: _unicode_map(_stream(objects[_ref(objects[int(ref)], b"ToUnicode")]))
            for name, ref in re.findall(rb"/(\w+) (\d+) 0 R", _font_dict(page))
        }
        content = _stream(objects[_ref(page, b"Contents")])
        out.append(Page(x1 - x0, y1 - y0, _text(content, fonts)))
    return out


def _font_dict(page: bytes) -> bytes:
    found = re.search(rb"/Font <<(.*?)>>", page, re.S)
    return found.group(1) if found else b""
