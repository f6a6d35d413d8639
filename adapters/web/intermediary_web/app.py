"""The web application: aiohttp routes, the headers every answer carries, and the
answer to every refusal (docs/WEB.md).

The handlers (:mod:`intermediary_web.views`) only translate a form into a service
call and a page; this module holds what every request goes through: the security
headers, the size limit (413 with a page that says so), the session cookie, and the
service's refusals rendered as a page in the reader's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from aiohttp import web

from intermediary.errors import IntermediaryError, RateLimited
from intermediary.service.delivery import DeliveryWorker
from intermediary.service.facade import Service
from intermediary.text import Locale, catalog, render
from intermediary_web.actions import Actions
from intermediary_web.pages import environment
from intermediary_web.sessions import Sessions
from intermediary_web.views import Refused, Views

__all__ = ["HEADERS", "MAX_BODY", "RUNNER_OPTIONS", "WebSettings", "build_app"]

#: the largest request body: a form with one message at the longest any organisation
#: allows, several times over (characters of up to 4 bytes, URL-encoded as 3 each)
MAX_BODY = 64 * 1024

#: on every answer, whatever it is
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}

#: how the page's runner is made: no access log (it would write each visitor's IP
#: address and user agent); the runner and the tests make theirs with these
RUNNER_OPTIONS: dict[str, Any] = {"access_log": None}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class WebSettings:
    """How the page is served (the configuration's ``[web]`` section)."""

    https_cookies: bool = True
    session_minutes: int = 15


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in HEADERS.items():
        response.headers[name] = value
    response.headers["Server"] = "intermediary"  # not aiohttp's, which names versions
    if request.path != "/style.css":  # no page is kept by a browser or a proxy
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"


def _refusals(views: Views) -> Any:  # an aiohttp middleware
    @web.middleware
    async def refusals(request: web.Request, handler: Handler) -> web.StreamResponse:
        locale = views.locale(request)
        try:
            return await handler(request)
        except Refused as refused:  # answered with a page before anything was done
            return refused.response
        except web.HTTPRequestEntityTooLarge:
            return views.problem(
                request, views.t(locale)("web.too_large", limit=views.text_limit), 413
            )
        except web.HTTPNotFound:
            return views.problem(request, views.t(locale)("web.not_found"), 404)
        except web.HTTPMethodNotAllowed:
            return views.problem(request, views.t(locale)("web.not_found"), 405)
        except RateLimited as error:
            return views.problem(request, error.message(locale), 429)
        except IntermediaryError as error:  # the service's refusal, in the page's words
            return views.problem(request, refusal(error, locale), 400)

    return refusals


def refusal(error: IntermediaryError, locale: Locale) -> str:
    """The service's refusal as the page says it: the page's own wording where the chat's
    names a command to type (``web.refusal.*``), else the service's sentence."""
    own = f"web.refusal.{error.key.rsplit('.', 1)[-1]}"
    if own in catalog(locale):
        return render(own, locale, **error.params)
    return error.message(locale)


async def _style(request: web.Request) -> web.Response:
    css = resources.files("intermediary_web").joinpath("static", "style.css").read_text("utf-8")
    return web.Response(text=css, content_type="text/css")


def build_app(
    service: Service,
    worker: DeliveryWorker,
    *,
    settings: WebSettings | None = None,
    sessions: Sessions | None = None,
) -> web.Application:
    """The web front end on ``service``; ``worker`` opens what waits for a reporter."""
    settings = settings or WebSettings()
    if sessions is None:  # not `or`: a Sessions with none in it is falsy (len 0)
        sessions = Sessions(settings.session_minutes * 60)
    views = Views(service, worker, sessions, environment(), secure=settings.https_cookies)
    actions = Actions(views)
    app = web.Application(client_max_size=MAX_BODY, middlewares=[_refusals(views)])
    app.on_response_prepare.append(_headers)
    app.add_routes(
        [
            web.get("/", views.start),
            web.get("/o/{word}", views.start),
            web.post("/open", views.open_case),
            web.post("/login", views.login),
            web.post("/proof", actions.proof_by_receipt),
            web.get("/case", views.case),
            web.post("/case/send", views.send),
            web.post("/case/approve", views.approve),
            web.post("/case/reject", views.reject),
            web.post("/case/meeting", actions.meeting),
            web.post("/case/withdraw", actions.withdraw),
            web.post("/case/stop-contact", actions.stop_contact),
            web.post("/case/proof", actions.proof),
            web.post("/case/file", actions.file),
            web.post("/leave", views.leave),
            web.get("/style.css", _style),
        ]
    )
    return app
