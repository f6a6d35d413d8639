"""The pages: each handler turns a form into one service call and a page.

A reporter on the web is, to the service, a sender on the platform ``web`` with a
random address made when they open a case or come back to one: nothing about their
browser or connection is part of it. Coming back is ``!resume`` (the receipt phrase,
the same keyed hash), with two more limits the chat does not need, because a web
sender is new at every attempt: per typed case code and for the whole page.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from aiohttp import web
from jinja2 import Environment

from intermediary import crypto
from intermediary.chat.choices import choice
from intermediary.core import Approve, Disclosure, Mode, OrgPolicy, Reject, SendMessage
from intermediary.core.building import day
from intermediary.core.ids import parse_case_id
from intermediary.core.states import BEFORE_RELAY
from intermediary.errors import InvalidInput, RateLimited, UnknownCase
from intermediary.service.coarse import to_the_day
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.delivery import DeliveryWorker
from intermediary.service.facade import Service
from intermediary.service.parties import WEB
from intermediary.service.ratelimit import RateLimiter
from intermediary.text import DEFAULT_LOCALE, LOCALES, Locale
from intermediary_web.pages import counsellor_label, drafts, megabytes, shown, topic, words
from intermediary_web.sessions import Session, Sessions

__all__ = ["LOCALE_COOKIE", "SESSION_COOKIE", "Refused", "Views", "see_other"]

SESSION_COOKIE = "session"
LOCALE_COOKIE = "lang"
#: where a request keeps its parsed form (aiohttp's per-request store)
_FORM = web.RequestKey("intermediary.form", dict[str, str])

#: the addresses a language link may lead back to: the page's own, never one typed into
#: the address bar (``//evil.example`` would be a link to another site)
_OWN_PATH = re.compile(r"/(?:o/[A-Za-z0-9_-]{1,64}|case)?")


class Views:
    def __init__(
        self,
        service: Service,
        worker: DeliveryWorker,
        sessions: Sessions,
        env: Environment,
        *,
        secure: bool,
    ) -> None:
        self.service = service
        self.worker = worker
        self.sessions = sessions
        self.env = env
        self.secure = secure
        clock = service.clock
        #: attempts to come back, per typed case code and for the whole page: a web
        #: sender is new at every attempt, so the service's per-sender limit holds nobody
        self.per_case = RateLimiter(burst=5, per_minute=1, clock=clock)
        self.everyone = RateLimiter(burst=30, per_minute=30, clock=clock)
        #: cases opened on the whole page: a web sender is new at every case, so the
        #: service's per-sender limit does not stop a script opening cases without end
        self.openings = RateLimiter(burst=20, per_minute=2, clock=clock)
        self.text_limit = max(p.text_limit for p in service.policies)
        #: the organisations offered by the word of their address (``/o/WORD``), and at ``/``
        section = service.config.web
        words_of = section.organisations if section is not None else {}
        by_id: dict[str, OrgPolicy] = {p.id: p for p in service.policies}
        self.offered = {word: by_id[org] for org, word in words_of.items() if org in by_id}
        alone = len(service.policies) == 1 and not words_of
        self.single: OrgPolicy | None = service.policies[0] if alone else None

    # --- shared -------------------------------------------------------------------------

    def locale(self, request: web.Request) -> Locale:
        wanted = request.query.get("lang") or request.cookies.get(LOCALE_COOKIE, "")
        offered = self._offered(request.match_info.get("word", ""))
        default = (offered or self.service.policies[0]).locale
        for chosen in (wanted, default):
            for known in LOCALES:
                if chosen == known:
                    return known
        return DEFAULT_LOCALE

    @staticmethod
    def t(locale: Locale) -> Callable[..., str]:
        return words(locale)

    def page(
        self,
        request: web.Request,
        template: str,
        status: int = 200,
        session: Session | None = None,
        **values: Any,
    ) -> web.Response:
        locale = self.locale(request)
        other = next(x for x in LOCALES if x != locale)
        html = self.env.get_template(template).render(
            t=words(locale),
            lang=locale,
            other=other,
            path=request.path
            if request.method == "GET" and _OWN_PATH.fullmatch(request.path)
            else "/",
            token=session.issue if session is not None else (lambda: ""),
            minutes=self.sessions.idle_seconds // 60,
            text_limit=self.text_limit,
            **values,
        )
        response = web.Response(text=html, content_type="text/html", status=status)
        if request.query.get("lang") in LOCALES:
            response.set_cookie(
                LOCALE_COOKIE, locale, httponly=True, samesite="Strict", secure=self.secure
            )
        return response

    def problem(self, request: web.Request, text: str, status: int) -> web.Response:
        """The page that says what went wrong; what the reporter wrote in the refused
        form is shown on it to copy (no page is cached: the back button would show an
        empty form), and it leads back to their organisation's own address."""
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        bound = session is not None and session.case_id is not None
        form = request.get(_FORM, {})
        kept = (form.get("first_message") or form.get("message") or "").strip()
        word = form.get("org", "")
        back = f"/o/{word}" if word and word in self.offered else "/"
        return self.page(
            request, "problem.html", status, text=text, bound=bound, kept=kept, back=back
        )

    def _cookie(self, response: web.StreamResponse, session: Session) -> None:
        response.set_cookie(
            SESSION_COOKIE, session.id, httponly=True, samesite="Strict", secure=self.secure
        )

    async def form(self, request: web.Request) -> tuple[Session, dict[str, str]]:
        """The form of a live session whose one-time token it carries; else the page
        that says it expired, and nothing is done."""
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        try:
            posted = await request.post()
        except (UnicodeDecodeError, LookupError, ValueError):  # not UTF-8, or no known charset
            text = words(self.locale(request))("web.bad_form")
            raise Refused(self.problem(request, text, 400)) from None
        form = {k: v for k, v in posted.items() if isinstance(v, str)}
        request[_FORM] = form  # for the page of a refusal: what was written is not lost
        if session is None or not session.spend(form.get("token", "")):
            locale = self.locale(request)
            raise Refused(self.problem(request, words(locale)("web.form_expired"), 403))
        return session, form

    async def case_form(self, request: web.Request) -> tuple[Session, dict[str, str], str, Sender]:
        """:meth:`form`, of a session bound to a case: the session, the form, the case
        and the reporter as the service knows them; else the page that says it ended."""
        session, form = await self.form(request)
        if session.case_id is None or session.sender is None:
            raise Refused(self.ended(request))
        return session, form, session.case_id, session.sender

    def attempt(self, request: web.Request, code: str) -> None:
        """Count an attempt with a case code and receipt phrase against the page's limits:
        per case code however it is typed (the service reads many spellings as one), and
        for the whole page; over either, the page that says so, and nothing is done."""
        try:
            self.everyone.check("web")
            self.per_case.check(crypto.digest((parse_case_id(code) or code).encode()))
        except RateLimited as error:
            text = words(self.locale(request))("web.too_many_tries", **error.params)
            raise Refused(self.problem(request, text, 429)) from None

    def ended(self, request: web.Request) -> web.Response:
        minutes = self.sessions.idle_seconds // 60
        text = words(self.locale(request))("web.session_ended", minutes=minutes)
        return self.problem(request, text, 403)

    def _policy(self, org_id: str) -> OrgPolicy:
        """The organisation of a case."""
        return self.service.policy(org_id)

    def _offered(self, word: str | None) -> OrgPolicy | None:
        """The organisation whose address word this is; none for an unknown word (the
        same answer for every one: the page says nothing about which exist)."""
        return self.single if not word else self.offered.get(word)

    # --- the start page, opening a case, coming back ------------------------------------

    async def start(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE)) or self.sessions.new()
        word = request.match_info.get("word", "")
        policy = self._offered(word)
        if word and policy is None:
            raise web.HTTPNotFound
        if policy is None:  # several organisations, none named: only the way back
            response = self.page(request, "start.html", session=session, org=None, word="")
            self._cookie(response, session)
            return response
        locale = self.locale(request)
        t = words(locale)
        names = "; ".join(counsellor_label(policy, c.id, locale) for c in policy.counsellors)
        one = len(policy.counsellors) == 1
        notice = t(
            "reporter.notice",
            organisation=policy.name,
            counsellors=t(f"reporter.counsellors_{'one' if one else 'many'}", names=names),
            platform_note=t("web.platform_note"),
        )
        response = self.page(
            request,
            "start.html",
            session=session,
            org=policy.id,
            word=word,
            notice=notice,
            agreement=policy.agreement,
            counsellors=[
                (c.id, counsellor_label(policy, c.id, locale)) for c in policy.counsellors
            ],
            modes=[(m.value, t(f"words.mode.{m.value}")) for m in Mode],
            disclosures=[(d.value, t(f"words.disclosure.{d.value}")) for d in Disclosure],
            categories=[(c, topic(c, locale)) for c in policy.categories],
        )
        self._cookie(response, session)
        return response

    async def open_case(self, request: web.Request) -> web.StreamResponse:
        session, form = await self.form(request)
        locale = self.locale(request)
        policy = self._offered(form.get("org", ""))
        if policy is None:  # a forged or stale address word: nothing is opened
            raise InvalidInput("errors.organisation_gone")
        try:
            self.openings.check("web")
        except RateLimited as error:
            text = words(locale)("web.too_many_openings", **error.params)
            raise Refused(self.problem(request, text, 429)) from None
        counsellor = form.get("counsellor") or policy.counsellors[0].id
        if policy.counsellor(counsellor) is None:
            raise InvalidInput("errors.unknown_counsellor", counsellor="-", choices="-")
        category = form.get("category", "unknown")
        text = form.get("first_message", "").strip()
        sender = Sender(platform=WEB, address=f"web-{secrets.token_hex(16)}")
        case, phrase = await self.service.open_case(
            sender,
            ReporterProfile(locale=locale),
            org_id=policy.id,
            counsellor_id=counsellor,
            # a forged value is refused as the chat refuses a mistyped one, never a 500
            mode=choice(Mode, form.get("mode", Mode.CONSULT.value), "mode", locale),
            disclosure=choice(
                Disclosure, form.get("disclosure", Disclosure.ANONYMOUS.value), "disclosure", locale
            ),
            categories=[category if category in policy.categories else "unknown"],
            first_message=text or None,
        )
        self.sessions.drop(session)  # a new id for the case: the one seen before opens nothing
        bound = self.sessions.new(case.case_id, sender)
        await self.collect(case.case_id)
        if text:
            await self.worker.inbox.keep_own(case.case_id, text)
        response = self.page(request, "opened.html", code=case.case_id, phrase=phrase)
        self._cookie(response, bound)
        return response

    async def login(self, request: web.Request) -> web.StreamResponse:
        session, form = await self.form(request)
        code = form.get("code", "").strip().upper()
        self.attempt(request, code)
        sender = Sender(platform=WEB, address=f"web-{secrets.token_hex(16)}")
        profile = ReporterProfile(locale=self.locale(request))
        case = await self.service.resume(sender, code, form.get("phrase", "").strip(), profile)
        self.sessions.drop(session)
        bound = self.sessions.new(case.case_id, sender)
        response = see_other("/case")
        self._cookie(response, bound)
        return response

    async def leave(self, request: web.Request) -> web.StreamResponse:
        session, _ = await self.form(request)
        self.sessions.drop(session)
        response = self.problem(request, words(self.locale(request))("web.left"), 200)
        response.del_cookie(SESSION_COOKIE)
        return response

    # --- the case page ------------------------------------------------------------------

    async def collect(self, case_id: str) -> None:
        """Keep in the inbox what waits in the outbox for this case's web reporter, in
        order: the page delivers its own reporter's messages when they look, whichever
        process would otherwise (a repeat is kept once, by its key)."""
        now = self.service.clock()
        held: set[str] = set()  # lanes whose next item cannot go now: the rest waits too
        for item in await self.service.store.pending_outbox(case_id):
            lane = item.lane or item.key
            if lane in held:
                continue
            retry = item.next_attempt_at
            if item.not_before > now or (retry is not None and retry > now):
                held.add(lane)
                continue
            try:
                message = self.worker.outgoing(item)
            except Exception:  # one that does not open is the worker's to report (and
                held.add(lane)  # park): until then nothing after it in its lane is shown
                continue
            if message.platform != WEB:
                continue
            await self.worker.inbox.keep(case_id, item.key, message.message)
            await self.service.store.mark_delivered(item.key, to_the_day(now))

    async def case(self, request: web.Request) -> web.Response:
        session = self.sessions.get(request.cookies.get(SESSION_COOKIE))
        if session is None or session.case_id is None or session.sender is None:
            return self.ended(request)
        case_id, sender = session.case_id, session.sender
        try:
            case = await self.service.case_for(sender, case_id)
        except UnknownCase:  # resumed elsewhere since, or closed: this session is over
            self.sessions.drop(session)
            return self.ended(request)
        await self.collect(case_id)
        locale = self.locale(request)
        org = self.service.config.organisation(case.org_id)
        destinations = {d.id: d.name for d in org.management} if org is not None else {}

        def names(ids: tuple[str, ...]) -> str:
            return ", ".join(destinations.get(i, i) for i in ids) or "-"

        messages = [shown(m, locale) for m in await self.worker.inbox.read_what_opens(case_id)]
        return self.page(
            request,
            "case.html",
            session=session,
            code=case_id,
            state=case.state.value,
            messages=messages,
            drafts=drafts(case, names, locale),
            sent=request.query.get("sent") == "1",
            meeting_asked=request.query.get("meeting") == "1",
            file_sent=request.query.get("file") == "1",
            file_limit=megabytes(self.service.config.service.evidence_max_bytes),
            meeting_due=day(case.meeting_due, case.timezone) if case.meeting_due else None,
            meeting_days=self._policy(case.org_id).meeting_target_days,
            withdrawable=case.state in BEFORE_RELAY,
            stoppable=case.state not in BEFORE_RELAY and not case.contact_stopped,  # !stop-contact
        )

    async def _act(self, request: web.Request, make: Callable[[dict[str, str]], Any]) -> Any:
        _, form, case_id, sender = await self.case_form(request)
        command = make(form)
        await self.service.act(sender, case_id, command, profile=ReporterProfile())
        return case_id, form

    async def send(self, request: web.Request) -> web.StreamResponse:
        case_id, form = await self._act(
            request, lambda f: SendMessage(text=f.get("message", "").strip())
        )
        await self.worker.inbox.keep_own(case_id, form.get("message", "").strip())
        return see_other("/case?sent=1")

    async def approve(self, request: web.Request) -> web.StreamResponse:
        await self._act(
            request,
            lambda f: Approve(number=_number(f.get("number")), digest=f.get("digest") or "-"),
        )
        return see_other("/case")

    async def reject(self, request: web.Request) -> web.StreamResponse:
        await self._act(
            request,
            lambda f: Reject(number=_number(f.get("number")), reason=f.get("reason", "")),
        )
        return see_other("/case")


class Refused(Exception):
    """A request answered with a page before anything was done."""

    def __init__(self, response: web.Response) -> None:
        super().__init__("refused")
        self.response = response


def see_other(location: str) -> web.Response:
    """After a form: the page to look at next (so a reload sends nothing again)."""
    return web.Response(status=303, headers={"Location": location})


def _number(value: str | None) -> int:
    if value is None or not value.isdigit() or len(value) > 6:
        raise InvalidInput("errors.no_pending", number=(value or "-")[:12])
    return int(value)
