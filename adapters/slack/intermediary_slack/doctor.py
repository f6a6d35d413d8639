"""The Slack half of ``intermediary doctor``: what Slack says about the app, read-only.

Registered as the ``slack`` entry point of ``intermediary.checks``. It asks Slack only
questions that change nothing: ``auth.test`` (who is this token, and, in the
``X-OAuth-Scopes`` header Slack sends with it, which scopes it holds),
``conversations.info`` and ``conversations.members`` for each management channel. It posts
nothing, joins nothing and opens no DM. The tokens go into request headers only: a
finding names the environment variable, never its value.

A management channel is judged by the running service's own rule
(:func:`intermediary_slack.verdict.judge`, after
:class:`~intermediary_slack.channels.ChannelGuard` has read the channel), so the doctor
and the service agree on which channel would hold relays. Unlike the service's log, the
doctor names the member ids that do not belong: the operator running it has to find them.

Whether a counsellor's account is still active is not asked: ``users.info`` needs
``users:read``, which the app does not request on purpose (it would let the app read every
profile in the workspace). Their address is checked for the form of a member id only.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from intermediary.config import ServiceConfig
from intermediary.errors import ConfigError, IntermediaryError
from intermediary.operations.findings import Finding
from intermediary.service.parties import Parties
from intermediary.text.phrase import told
from intermediary_slack.channels import ChannelGuard
from intermediary_slack.settings import SlackSettings
from intermediary_slack.verdict import Destination, Problem, destinations, judge

__all__ = ["NEEDED_SCOPES", "check"]

PLATFORM = "slack"

#: the bot scopes the app needs: those ``adapters/slack/manifest.yaml`` asks for (a test
#: holds the two together, and tests/test_configuration_docs.py holds the manifest to the
#: calls the app makes)
NEEDED_SCOPES = frozenset({"chat:write", "im:history", "commands", "groups:read", "files:read"})

#: Slack's answers to a token that is wrong, revoked or belongs to a removed app
REJECTED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "ekm_access_denied",
        "team_access_not_granted",
    }
)
#: what reaching the Web API may fail with (connection refused, DNS, TLS, a bad URL, time)
UNREACHABLE = (aiohttp.ClientError, OSError, TimeoutError)
#: how long one Web API call may take before Slack counts as unreachable
TIMEOUT_S = 15

#: a member id (U… or, in Enterprise Grid, W…), as Slack's "Copy member ID" gives it
MEMBER_ID = re.compile(r"[UW][A-Z0-9]{2,}")

#: what each problem of a channel's verdict is called in the catalogue
CHANNEL_KEYS = {
    Problem.UNCONFIGURED: "slack_channel_unconfigured",
    Problem.PUBLIC: "slack_channel_public",
    Problem.SHARED: "slack_channel_shared",
    Problem.ARCHIVED: "slack_channel_archived",
    Problem.NOBODY: "slack_channel_nobody",
}


async def check(config: ServiceConfig, environ: Mapping[str, str] | None = None) -> list[Finding]:
    """Every Slack finding; none when the configuration does not use Slack."""
    parties = Parties(config, PLATFORM)
    if config.slack is None and not parties.counsellors() and not parties.places():
        return []
    if config.slack is None:  # addresses for later, or for another installation
        return [Finding("note", "slack_section_missing")]
    try:
        settings = SlackSettings.from_config(config)
    except ConfigError as error:
        return [Finding("problem", "slack_settings_invalid", {"detail": told(error)})]
    env = os.environ if environ is None else environ
    token, found = _secrets(settings, env)
    if token is not None:
        found += await _platform(settings, token, parties)
    return found + _counsellors(parties)


async def _platform(settings: SlackSettings, token: str, parties: Parties) -> list[Finding]:
    """What Slack says: the token's identity and scopes, then each management channel."""
    client = AsyncWebClient(token=token, base_url=settings.api_url, timeout=TIMEOUT_S)
    identity, found = await _identity(client, settings)
    if identity is None:
        return found
    bot, scopes = identity
    found += _scopes(scopes)
    found += await _channels(client, destinations(parties), bot)
    return found


# --- settings and secrets -----------------------------------------------------------------


def _secrets(settings: SlackSettings, env: Mapping[str, str]) -> tuple[str | None, list[Finding]]:
    """The bot token (if set) and a finding for each secret the mode needs."""
    found: list[Finding] = []
    variable = settings.bot_token_env
    token = env.get(variable) or None
    if token is None:
        found.append(Finding("problem", "slack_bot_token_unset", {"variable": variable}))
    elif not token.startswith("xoxb-"):
        found.append(Finding("problem", "slack_bot_token_kind", {"variable": variable}))
    else:
        found.append(Finding("ok", "slack_bot_token_set", {"variable": variable}))
    if settings.mode == "socket":
        variable = settings.app_token_env
        app_token = env.get(variable)
        if not app_token:
            found.append(Finding("problem", "slack_app_token_unset", {"variable": variable}))
        elif not app_token.startswith("xapp-"):
            found.append(Finding("problem", "slack_app_token_kind", {"variable": variable}))
        else:
            found.append(Finding("ok", "slack_app_token_set", {"variable": variable}))
    else:
        variable = settings.signing_secret_env
        where = {"variable": variable, "port": str(settings.http_port)}
        if not env.get(variable):
            found.append(Finding("problem", "slack_signing_secret_unset", where))
        else:
            found.append(Finding("ok", "slack_signing_secret_set", where))
    return token, found


def _counsellors(parties: Parties) -> list[Finding]:
    """Each counsellor's Slack address has the form of a member id."""
    found: list[Finding] = []
    for counsellor in parties.counsellors():
        who = {
            "organisation": counsellor.org_id,
            "id": counsellor.counsellor_id,
            "address": counsellor.address,
        }
        if MEMBER_ID.fullmatch(counsellor.address):
            found.append(Finding("note", "slack_counsellor_address", who))
        else:
            found.append(Finding("problem", "slack_counsellor_address_form", who))
    return found


# --- the token: auth.test -----------------------------------------------------------------


async def _identity(
    client: AsyncWebClient, settings: SlackSettings
) -> tuple[tuple[str, frozenset[str] | None] | None, list[Finding]]:
    """The bot's user id and granted scopes (``None`` if Slack does not say), or a problem."""
    url = settings.api_url
    try:
        answer = await client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error") if isinstance(error.response.data, dict) else None
        if code in REJECTED:
            where = {"variable": settings.bot_token_env, "error": str(code)}
            return None, [Finding("problem", "slack_token_rejected", where)]
        if code:
            return None, [Finding("problem", "slack_auth_failed", {"error": str(code)})]
        status = str(error.response.status_code)
        return None, [Finding("problem", "slack_not_slack", {"url": url, "status": status})]
    except UNREACHABLE as error:
        reason = type(error).__name__
        return None, [Finding("problem", "slack_unreachable", {"url": url, "error": reason})]
    user_id = str(answer.get("user_id") or "")
    who = {
        "user": str(answer.get("user") or "?"),
        "user_id": user_id,
        "team": str(answer.get("team") or "?"),
        "team_id": str(answer.get("team_id") or "?"),
    }
    granted = _header(answer.headers, "x-oauth-scopes")
    scopes = None if granted is None else frozenset(s.strip() for s in granted.split(",") if s)
    return (user_id, scopes), [Finding("ok", "slack_identity", who)]


def _header(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return str(value)
    return None


def _scopes(granted: frozenset[str] | None) -> list[Finding]:
    """Granted scopes against needed ones: missing ones break things, extra ones are more
    than the app should be able to read."""
    if granted is None:
        return [Finding("note", "slack_scopes_unknown", {"needed": _listed(NEEDED_SCOPES)})]
    found: list[Finding] = []
    missing = NEEDED_SCOPES - granted
    extra = granted - NEEDED_SCOPES
    if missing:
        found.append(Finding("problem", "slack_scopes_missing", {"missing": _listed(missing)}))
    if extra:
        found.append(Finding("warning", "slack_scopes_extra", {"extra": _listed(extra)}))
    if not found:
        found.append(Finding("ok", "slack_scopes", {"scopes": _listed(granted)}))
    return found


def _listed(items: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(items))


# --- management channels ------------------------------------------------------------------


async def _channels(
    client: AsyncWebClient, channels: Mapping[str, Destination], bot: str
) -> list[Finding]:
    """Each management channel, judged as the running service judges it."""
    guard = ChannelGuard(client, channels, ttl=0)
    found: list[Finding] = []
    for channel, destination in channels.items():
        where = {"label": destination.label, "channel": channel}
        try:
            seen = await guard.look(channel)  # the service's own reading of the channel
        except IntermediaryError as error:  # Slack answered with an error it may get over
            detail = {**where, "error": error.message()}
            found.append(Finding("problem", "slack_channel_unchecked", detail))
            continue
        except UNREACHABLE as error:
            detail = {**where, "error": type(error).__name__}
            found.append(Finding("problem", "slack_channel_unchecked", detail))
            continue
        verdict = judge(destination, seen, bot)
        for problem in verdict.problems:
            if problem is Problem.UNREADABLE:
                found.append(await _unreadable(client, channel, where))
            elif problem is Problem.UNEXPECTED and seen is not None and seen.members:
                outsiders = seen.members - destination.members - {bot}
                detail = {**where, "members": _listed(set(outsiders))}
                found.append(Finding("problem", "slack_channel_outsiders", detail))
            elif problem in CHANNEL_KEYS:
                found.append(Finding("problem", CHANNEL_KEYS[problem], where))
        if seen is None or seen.members is None or Problem.NOBODY in verdict.problems:
            continue
        absent = destination.members - seen.members
        if absent:  # told even when the channel is held, so that all is fixed in one go
            detail = {**where, "members": _listed(set(absent))}
            found.append(Finding("warning", "slack_channel_members_missing", detail))
        elif not verdict.held:
            count = str(len(destination.members))
            found.append(Finding("ok", "slack_channel_fit", {**where, "count": count}))
    return found


async def _unreadable(client: AsyncWebClient, channel: str, where: dict[str, str]) -> Finding:
    """Why Slack would not describe ``channel`` as a private channel the app is in."""
    try:
        answer = await client.conversations_info(channel=channel)
    except SlackApiError as error:
        code = str(error.response.get("error") or error.response.status_code)
        if code == "missing_scope" and error.response.get("needed") == "channels:read":
            return Finding("problem", "slack_channel_public", where)
        if code in ("channel_not_found", "not_in_channel"):
            return Finding("problem", "slack_channel_not_found", where)
        return Finding("problem", "slack_channel_unreadable", {**where, "error": code})
    except UNREACHABLE as error:
        detail = {**where, "error": type(error).__name__}
        return Finding("problem", "slack_channel_unchecked", detail)
    info = answer.get("channel")
    if isinstance(info, dict) and (info.get("is_im") or info.get("is_mpim")):
        return Finding("problem", "slack_channel_is_dm", where)
    return Finding("problem", "slack_channel_unreadable", {**where, "error": "members"})
