"""Slack payloads, read: what a request asks for, or why it is refused. Pure.

Each function takes the body of one request as Bolt hands it over (an Events API
envelope, a slash command's form, a ``block_actions`` or ``view_submission`` payload)
and returns an intent: a small frozen value saying who asks for what, with any command
built typed and unaddressed (the service fills in the actor and the case). Nothing here
talks to Slack or the service, so every shape Slack (or a forger) can send is tested on
recorded payloads (``tests/slack/payloads/``) without a server.

A request that is not for the service (an edit, a bot's message, an event without a
user) translates to ``None``; one the sender got wrong, to a :class:`Refusal` whose text
key is rendered later, in the sender's language. Who the sender is (a counsellor, a
member of a management channel) is not known here: the shell asks the service.

Each intent from a person carries ``team``: the Slack workspace (team id) they write
from, which tells their organisation when one installation serves several (an
organisation's ``slack_teams``). It is Slack's word in a signed request; the sender's
own workspace (``user_team``, ``user.team_id``) is preferred to the one the request came
through, so a guest from a Slack Connect workspace is not taken for an employee.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from intermediary.core import (
    Acknowledge,
    ActionKind,
    Approve,
    Ask,
    Close,
    Command,
    DestinationId,
    Disclosure,
    Draft,
    Feedback,
    GiveFeedback,
    Mode,
    Note,
    Outcome,
    Refer,
    Reject,
)
from intermediary_slack.blocks import ASK, CLOSE, DRAFT, FEEDBACK, NOTE, REFER, read_approval
from intermediary_slack.changes import not_taken
from intermediary_slack.files import FileShare, file_share

__all__ = [
    "Act",
    "ChatLine",
    "HomeOpened",
    "Intake",
    "Intent",
    "OpenForm",
    "Refusal",
    "SlashCommand",
    "ack_press",
    "approve_press",
    "form_press",
    "form_submission",
    "home_opened",
    "intake",
    "message",
    "slash_command",
]

PLATFORM = "slack"
#: the text key of a refusal to someone who may not act for a management channel
NOT_YOURS = "slack.not_yours"
#: the fields of a message event that Slack always sends as strings, when it sends them
_STRING_FIELDS = ("user", "text", "thread_ts", "subtype", "bot_id", "channel_type")


@dataclass(frozen=True)
class Refusal:
    """Why a request changes nothing, told to ``user``: on the form's ``block`` when it
    came from a form, else in ``channel`` (a management channel) or their DM."""

    user: str
    key: str
    params: Mapping[str, str] = field(default_factory=dict)
    block: str | None = None
    channel: str | None = None
    #: the thread it came from in a DM (a counsellor's case thread is answered in her words)
    thread: str | None = None


@dataclass(frozen=True)
class ChatLine:
    """A line typed in a DM with the app, for the chat front end."""

    user: str
    text: str
    event_key: str
    thread: str | None  #: the thread it was typed in (a counsellor's case thread)
    team: str = ""


@dataclass(frozen=True)
class SlashCommand:
    """``/vp …`` as a chat line (``!…``), typed in ``channel``."""

    user: str
    channel: str
    text: str
    team: str = ""


@dataclass(frozen=True)
class HomeOpened:
    user: str
    team: str = ""


@dataclass(frozen=True)
class OpenForm:
    """A button that opens the form ``form`` (a callback id) about ``case``."""

    user: str
    form: str
    trigger: str
    case: str = ""
    channel: str | None = None
    team: str = ""


@dataclass(frozen=True)
class Act:
    """``command`` on ``case``, from a button (``block`` is ``None``) or a form.

    With ``management`` set, the person acts for the management channel ``channel`` and
    must be one of its configured members; otherwise they act as themselves.
    """

    user: str
    case: str
    command: Command
    channel: str | None = None
    management: bool = False
    block: str | None = None


@dataclass(frozen=True)
class Intake:
    """The intake form: a reporter opens a case. ``org_id`` is ``None`` when the form
    offered one organisation's counsellors (their values carry no organisation)."""

    user: str
    org_id: str | None
    counsellor_id: str
    mode: Mode
    disclosure: Disclosure
    category: str
    message: str | None
    team: str = ""


Intent = ChatLine | FileShare | SlashCommand | HomeOpened | OpenForm | Act | Intake | Refusal


# --- reading ---------------------------------------------------------------------------


def _dig(data: object, *path: str) -> object:
    """``data[path[0]][path[1]]…``, or ``None`` where a step is missing or not an object:
    a forged or malformed payload must not raise."""
    for key in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _text(data: object, *path: str) -> str:
    """The string at ``path``; anything else (a number, a list, null) counts as missing."""
    value = _dig(data, *path)
    return value if isinstance(value, str) else ""


def _field(view: object, block: str) -> str:
    """What a form's input block holds: a selected option's value, or typed text."""
    value = _dig(view, "state", "values", block, "value")
    return _text(value, "selected_option", "value") or _text(value, "value")


def _action(body: Mapping[str, object]) -> object:
    actions = body.get("actions")
    return actions[0] if isinstance(actions, list) and actions else None


def _presser(body: Mapping[str, object]) -> tuple[str, str | None]:
    """Who pressed a button, and in which channel (``None``: a view or unknown)."""
    channel = _text(body, "channel", "id") or _text(body, "container", "channel_id")
    return _text(body, "user", "id"), (channel or None)


def _event_team(body: Mapping[str, object], event: Mapping[str, object]) -> str:
    """The workspace of an event's sender: their own, else the one it came through."""
    return _text(event, "user_team") or _text(body, "team_id")


def _payload_team(body: Mapping[str, object]) -> str:
    """The workspace of whoever pressed a button or sent a form."""
    return _text(body, "user", "team_id") or _text(body, "team", "id")


def _invalid(user: str, part: str, block: str | None, channel: str | None = None) -> Refusal:
    """A forged or broken form or button: which ``part`` was not understood, named in
    the reader's language (``words.form_part``)."""
    return Refusal(user, "slack.not_understood", {"form_part": part}, block, channel)


# --- events and commands ---------------------------------------------------------------


def message(body: Mapping[str, object]) -> ChatLine | FileShare | Refusal | None:
    """A DM to the app; bots and other channels change nothing. A file, an edit or a
    deletion in a DM changes nothing either, but its writer is told so: they must not
    believe the counsellor has the file, the corrected words, or no longer has the
    deleted ones (:mod:`intermediary_slack.changes`)."""
    event = body.get("event")
    if not isinstance(event, Mapping):
        return None
    if any(not isinstance(event.get(name, ""), str) for name in _STRING_FIELDS):
        return None  # not a message as Slack sends it
    if event.get("channel_type") != "im" or event.get("bot_id"):
        return None
    subtype = event.get("subtype")
    if subtype == "file_share":  # a file: taken as evidence (intermediary_slack.evidence)
        return file_share(body, event)
    # a reply also sent to the conversation, and a line typed with /me, are words like
    # any other line (dropped, the writer would believe they had been passed on)
    if subtype and subtype not in ("thread_broadcast", "me_message"):
        found = not_taken(event, str(subtype))
        thread = _text(event, "thread_ts") or None
        return Refusal(*found, thread=thread) if found is not None else None
    user, text = _text(event, "user"), event.get("text")
    if not user or not isinstance(text, str):
        return None
    key = f"{PLATFORM}:{body.get('event_id', event.get('client_msg_id', ''))}"
    return ChatLine(user, text, key, _text(event, "thread_ts") or None, _event_team(body, event))


def home_opened(body: Mapping[str, object]) -> HomeOpened | None:
    event = body.get("event")
    if not isinstance(event, Mapping) or event.get("tab", "home") != "home":
        return None
    user = _text(event, "user")
    return HomeOpened(user, _event_team(body, event)) if user else None


def slash_command(body: Mapping[str, object]) -> SlashCommand | None:
    """``/vp <command>``; ``/vp`` alone asks for the help."""
    user = _text(body, "user_id")
    if not user:
        return None
    text = f"!{_text(body, 'text').strip() or 'help'}"
    return SlashCommand(user, _text(body, "channel_id"), text, _text(body, "team_id"))


# --- buttons ---------------------------------------------------------------------------


def approve_press(body: Mapping[str, object]) -> Act | Refusal | None:
    """Approve names the text by its digest: a button without a number approves nothing."""
    user, channel = _presser(body)
    if not user:
        return None
    read = read_approval(_text(_action(body), "value"))
    if read is None:
        return _invalid(user, "button", None, channel)
    case, number, digest = read
    return Act(user, case, Approve(number=number, digest=digest), channel)


def ack_press(body: Mapping[str, object]) -> Act | None:
    user, channel = _presser(body)
    if not user:
        return None
    return Act(user, _text(_action(body), "value"), Acknowledge(), channel, management=True)


def form_press(body: Mapping[str, object]) -> OpenForm | None:
    """A button that opens a form: the intake, or a form about the case it carries."""
    user, channel = _presser(body)
    action = _action(body)
    form = _text(action, "action_id")
    if not user and form != "intake_open":
        return None
    return OpenForm(
        user, form, _text(body, "trigger_id"), _text(action, "value"), channel, _payload_team(body)
    )


# --- forms -----------------------------------------------------------------------------


def intake(body: Mapping[str, object]) -> Intake | Refusal:
    """The intake form; its required choices missing or unknown mean a forged payload."""
    user, view = _text(body, "user", "id"), body.get("view")
    block = "mode"
    try:
        mode = Mode(_field(view, block))
        block = "disclosure"
        disclosure = Disclosure(_field(view, block))
        block = "category"
        category = _field(view, block)
        if not category:
            raise ValueError(block)
    except ValueError:
        return _invalid(user, block, block)
    org, slash, counsellor = _field(view, "counsellor").rpartition("/")
    return Intake(
        user,
        org if slash else None,
        counsellor,
        mode,
        disclosure,
        category,
        _field(view, "message") or None,
        _payload_team(body),
    )


def _management_form(user: str, metadata: str, command: Command, block: str) -> Act:
    """A management form: the case and channel come from its private metadata."""
    try:
        meta: object = json.loads(metadata or "{}")
    except ValueError:
        meta = {}
    channel = _text(meta, "channel") or None
    return Act(user, _text(meta, "case"), command, channel, management=True, block=block)


def _reject(user: str, metadata: str, view: object) -> Act | Refusal:
    case, _, number = metadata.partition("|")
    if not (number.isascii() and number.isdigit()):  # forged: the form carries one
        return _invalid(user, "form", "text")
    if not user:
        return Refusal(user, NOT_YOURS, block="text")
    return Act(user, case, Reject(number=int(number), reason=_field(view, "text")), block="text")


def _feedback(user: str, metadata: str, view: object) -> Act | Refusal:
    try:
        kind = ActionKind(_field(view, "action_kind"))
    except ValueError:
        return _invalid(user, "action", "action_kind")
    feedback = Feedback(
        assessment=_field(view, "assessment"),
        action_kind=kind,
        action=_field(view, "action"),
        grounds=_field(view, "grounds"),
        more_to_follow=_field(view, "more") == "yes",
    )
    return _management_form(user, metadata, GiveFeedback(feedback=feedback), "grounds")


def _counsellor_form(user: str, form: str, case: str, view: object) -> Act | Refusal:
    if form == DRAFT:
        anyway = bool(_dig(view, "state", "values", "anyway", "value", "selected_options"))
        to = (DestinationId(_field(view, "to")),)
        draft = Draft(text=_field(view, "text"), destinations=to, confirmed=anyway)
        return Act(user, case, draft, block="text")
    if form == REFER:
        return Act(user, case, Refer(body=_field(view, "body")), block="body")
    if form == NOTE:
        return Act(user, case, Note(text=_field(view, "text")), block="text")
    try:
        outcome = Outcome(_field(view, "outcome"))
    except ValueError:
        return _invalid(user, "outcome", "outcome")
    close = Close(outcome=outcome, categories=(_field(view, "category"),))
    return Act(user, case, close, block="category")


def form_submission(body: Mapping[str, object]) -> Act | Refusal:
    """A submitted form about a case (every form but the intake)."""
    user, view = _text(body, "user", "id"), body.get("view")
    form, metadata = _text(view, "callback_id"), _text(view, "private_metadata")
    if form == ASK:
        return _management_form(user, metadata, Ask(text=_field(view, "text")), "text")
    if form == FEEDBACK:
        return _feedback(user, metadata, view)
    if form in (DRAFT, REFER, NOTE, CLOSE):
        return _counsellor_form(user, form, metadata, view)
    return _reject(user, metadata, view)
