"""The reporter's other actions on the case page: ask for a meeting, withdraw, ask for
no more questions after a relay, and download the proof of report (docs/WEB.md).

Each is a plain form (POST, with the session's one-time token), as the chat's
``!meeting``, ``!withdraw`` and ``!proof``. Withdrawing asks first: the first form only
shows what withdrawing means, and only a second one that says ``confirm=yes`` does it.
The proof is a file download answered to a POST, so no case code is in an address, the
history or the file's name; the file holds the proof line the chat sends, which
``intermediary proof verify FILE`` finds and checks.
"""

from __future__ import annotations

import secrets

from aiohttp import web

from intermediary.core import RequestMeeting, StopContact, Withdraw
from intermediary.core.ids import parse_case_id
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.parties import WEB
from intermediary.text import render
from intermediary_web.views import SESSION_COOKIE, Views, see_other

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
