"""The reporter's other actions on the case page: ask for a meeting, withdraw, ask for
no more questions after a relay, download the proof of report, and send a file (a photo,
a PDF, a screenshot) as evidence (docs/WEB.md).

Each is a plain form (POST, with the session's one-time token), as the chat's
``!meeting``, ``!withdraw`` and ``!proof``. Withdrawing asks first: the first form only
shows what withdrawing means, and only a second one that says ``confirm=yes`` does it.
The proof is a file download answered to a POST, so no case code is in an address, the
history or the file's name; the file holds the proof line the chat sends, which
``intermediary proof verify FILE`` finds and checks.

A file comes as ``multipart/form-data`` and is read here part by part, never more than
the service's evidence limit plus one byte: every other form keeps the small body limit
of the whole application. It is cleaned and kept as on every front end
(:func:`~intermediary.service.evidence_intake.send_evidence`); what was removed reaches
the page through the outbox, as every message to the reporter.
"""

from __future__ import annotations

import secrets

from aiohttp import BodyPartReader, web

from intermediary.core import RequestMeeting, StopContact, Withdraw
from intermediary.core.ids import parse_case_id
from intermediary.errors import InvalidInput
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.evidence import size_text
from intermediary.service.evidence_intake import send_evidence
from intermediary.service.parties import WEB
from intermediary.text import render
from intermediary_web.pages import words
from intermediary_web.sessions import Session
from intermediary_web.views import SESSION_COOKIE, Refused, Views, see_other

__all__ = ["Actions"]


class Actions:
    """The handlers of the meeting, withdraw and proof forms, on the page's views."""

    def __init__(self, views: Views) -> None:
        self.views = views
        self.service = views.service

    async def meeting(self, request: web.Request) -> web.StreamResponse:
        """Ask the counsellor for a meeting in person (Dir. 2019/1937 Art. 9(2))."""
        _, _, case_id, sender = await self.views.case_form(request)
        await self.service.act(sender, case_id, RequestMeeting(), profile=ReporterProfile())
        return see_other("/case?meeting=1")

    async def stop_contact(self, request: web.Request) -> web.StreamResponse:
        """No more questions after the report went out (``!stop-contact``); the report
        stays with management, and writing again is always possible, so no confirmation."""
        _, _, case_id, sender = await self.views.case_form(request)
        await self.service.act(sender, case_id, StopContact(), profile=ReporterProfile())
        return see_other("/case")

    async def withdraw(self, request: web.Request) -> web.StreamResponse:
        """The first form shows what withdrawing means; ``confirm=yes`` withdraws."""
        session, form, case_id, sender = await self.views.case_form(request)
        if form.get("confirm") != "yes":
            return self.views.page(request, "withdraw.html", session=session, code=case_id)
        await self.service.act(sender, case_id, Withdraw(), profile=ReporterProfile())
        self.views.sessions.drop(session)  # the case forgot who the reporter is: so does the page
        locale = self.views.locale(request)
        text = render("web.withdrawn", locale, case=case_id)
        response = self.views.page(request, "withdrawn.html", text=text)
        response.del_cookie(SESSION_COOKIE)
        return response

    async def proof(self, request: web.Request) -> web.StreamResponse:
        """The signed proof of report, as a text file to keep."""
        _, _, case_id, sender = await self.views.case_form(request)
        return self._download(request, case_id, await self.service.proof(sender, case_id))

    async def proof_by_receipt(self, request: web.Request) -> web.StreamResponse:
        """The proof with the case code and receipt phrase, from the start page: also once
        the case is closed or withdrawn, when no session can open it (``!proof CASE
        PHRASE``). The phrase is checked as for coming back, under the same limits."""
        _, form = await self.views.form(request)
        code = form.get("code", "").strip().upper()
        self.views.attempt(request, code)
        sender = Sender(platform=WEB, address=f"web-{secrets.token_hex(16)}")
        token = await self.service.proof(sender, code, form.get("phrase", "").strip())
        return self._download(request, parse_case_id(code) or code, token)

    async def file(self, request: web.Request) -> web.StreamResponse:
        """A file the reporter sends as evidence: read up to the limit, cleaned, kept."""
        limit = self.service.config.service.evidence_max_bytes
        session = self.views.sessions.get(request.cookies.get(SESSION_COOKIE))
        token, data = await self._parts(request, limit)
        if session is None or not session.spend(token):
            locale = self.views.locale(request)
            raise Refused(self.views.problem(request, words(locale)("web.form_expired"), 403))
        case_id, sender = self._case_of(request, session)
        if not data:
            raise InvalidInput("web.file_missing")
        if len(data) > limit:  # read no further: "more than" the limit
            more = f"> {size_text(limit)}"
            raise InvalidInput("evidence.too_large", size=more, limit=size_text(limit))
        await send_evidence(self.service, sender, case_id, data)
        return see_other("/case?file=1")

    def _case_of(self, request: web.Request, session: Session) -> tuple[str, Sender]:
        if session.case_id is None or session.sender is None:
            raise Refused(self.views.ended(request))
        return session.case_id, session.sender

    async def _parts(self, request: web.Request, limit: int) -> tuple[str, bytes]:
        """The form's token and the file's first ``limit + 1`` bytes (more are not read:
        one byte over says it is too large)."""
        token, data = "", b""
        try:
            reader = await request.multipart()
            async for part in reader:
                if not isinstance(part, BodyPartReader):
                    continue
                if part.name == "token":
                    token = (await part.read_chunk(200)).decode("ascii", "replace")
                elif part.name == "file" and not data:
                    data = await _first(part, limit + 1)
        except (AssertionError, ValueError, KeyError):  # not a multipart form at all
            locale = self.views.locale(request)
            raise Refused(self.views.problem(request, words(locale)("web.bad_form"), 400)) from None
        return token, data

    def _download(self, request: web.Request, case_id: str, token: str) -> web.Response:
        locale = self.views.locale(request)
        body = render("reporter.proof", locale, case=case_id, token=token) + "\n"
        # the name says what it is, never whose case: a download list or folder shows it
        name = render("web.proof_file", locale)
        return web.Response(
            text=body,
            content_type="text/plain",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


async def _first(part: BodyPartReader, most: int) -> bytes:
    """At most ``most`` bytes of ``part``; the rest is left unread."""
    chunks: list[bytes] = []
    size = 0
    while size < most:
        chunk = await part.read_chunk(min(65536, most - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
