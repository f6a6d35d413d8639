"""Make one party's words safe to show to another (guarantee G5).

Relayed text must not ping (``@room``, ``@channel``, ``<!here>``, ``<@U123>``,
Matrix user ids), mark up (HTML, Slack's ``<url|label>``) or show a link whose
text differs from its target. We do not try to parse every dialect; we make
each active form inert in plain text, which every platform shows as typed:

- ``@`` before a name becomes the full-width ``＠`` (no messenger treats it as
  a mention, and a reader still sees an at-sign);
- ``<`` and ``>`` become ``‹`` and ``›``, which ends HTML tags and Slack's
  angle-bracket syntax;
- Markdown links ``[label](target)`` become ``label (target)``, so the target
  is always shown.

Adapters escape again for their own format; this layer makes sure the core's
rendering is already harmless.
"""

from __future__ import annotations

import re

__all__ = ["neutralise"]

_MARKDOWN_LINK = re.compile(r"!?\[([^\]\n]*)\]\(([^)\s]*)[^)]*\)")
_MENTION = re.compile(r"@(?=[\w.\-:]|$)")


def neutralise(text: str) -> str:
    """``text`` with mentions, markup and deceptive links made inert."""
    text = _MARKDOWN_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)
    text = text.replace("<", "‹").replace(">", "›")
    return _MENTION.sub("＠", text)
