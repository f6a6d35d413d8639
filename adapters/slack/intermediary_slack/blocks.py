"""Slack messages built with slack_sdk's models: every text whole, buttons after it.

A message's words go into as many section blocks as they need (Slack shows at most
3,000 characters a section) and, beyond what one Slack message holds, into several
messages (:func:`message_posts`), each carrying the same words as its fallback text.
Nothing is cut: the parts together are exactly the message. Buttons come only after
the last part, so nobody can press one before they received the whole text:

- a text awaiting the reporter's approval: **Approve** / **Ask for changes**. Approve
  carries the case, the text's number and the full digest of the text shown, so it
  approves that text and no other (the service refuses another digest);
- a new case for its counsellor: **Draft** / **Refer** / **Note** / **Close**;
- a relay in management's channel: **Acknowledge** / **Ask a question** /
  **Give feedback**.

Who may press a button is decided when it is pressed, by the service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from intermediary.core import ActionKind, OrgPolicy, Outcome, text_digest
from intermediary.directory import load_categories, load_referrals
from intermediary.service.delivery import OutgoingMessage
from intermediary.text import Locale, render
from intermediary.text.split import split_by_cost

__all__ = [
    "ACTIONS",
    "APPROVAL_KEYS",
    "ASK",
    "CLOSE",
    "DRAFT",
    "FEEDBACK",
    "NOTE",
    "POST_LIMIT",
    "REFER",
    "REJECT",
    "SECTION_LIMIT",
    "Post",
    "approval_value",
    "ask_modal",
    "counsellor_modal",
    "feedback_modal",
    "message_blocks",
    "message_posts",
    "read_approval",
    "reject_modal",
    "slack_size",
    "split_text",
]

APPROVE, REJECT, ACK, ASK, FEEDBACK = "approve", "reject", "ack", "ask", "feedback"
DRAFT, REFER, NOTE, CLOSE = "draft", "refer", "note", "close"
ACTIONS = (APPROVE, REJECT, ACK, ASK, FEEDBACK, DRAFT, REFER, NOTE, CLOSE)
#: the messages that ask the reporter to approve a text
APPROVAL_KEYS = frozenset({"reporter.approve_relay", "reporter.approve_minutes"})
#: Slack: the most characters in a section's text
SECTION_LIMIT = 3000
#: the most characters in one Slack message's blocks. Slack refuses a message whose blocks
#: hold more than about 12,000 characters in all (``msg_blocks_too_long``, a limit it does
#: not document and that varies with the blocks), so a part stays well below it.
POST_LIMIT = 6000
#: how Slack may count a character beyond one: an emoji outside the BMP is two UTF-16
#: units, and ``&``, ``<``, ``>`` may be counted as the entities Slack stores them as
_EXTRA = {"&": 4, "<": 3, ">": 3}


def _cost(char: str) -> int:
    return (2 if ord(char) > 0xFFFF else 1) + _EXTRA.get(char, 0)


def slack_size(text: str) -> int:
    """How many characters ``text`` may count for at Slack (never fewer than it has)."""
    return sum(map(_cost, text))


def split_text(text: str, limit: int, cost: Callable[[str], int] = _cost) -> list[str]:
    """``text`` in pieces that each cost at most ``limit``; joined, they are ``text``.

    A piece ends after a line break, else after a space, when there is one in its second
    half; otherwise it ends where the limit falls (a word longer than a piece is cut,
    never dropped).
    """
    return split_by_cost(text, limit, cost)


@dataclass(frozen=True)
class Post:
    """One ``chat.postMessage``: its words (the fallback text) and the blocks showing
    them (``None``: a plain message)."""

    text: str
    blocks: list[dict[str, Any]] | None = None


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=text[:75], emoji=False)


def _button(locale: Locale, action: str, key: str, value: str, style: str | None) -> ButtonElement:
    return ButtonElement(
        text=_plain(render(f"slack.{key}", locale)), action_id=action, value=value, style=style
    )


def _buttons(locale: Locale, value: str, *actions: tuple[str, str, str | None]) -> ActionsBlock:
    return ActionsBlock(
        elements=[_button(locale, action, key, value, style) for action, key, style in actions]
    )


def approval_value(case_id: str, number: int | str, digest: str) -> str:
    """What an Approve button carries: the case, the text's number, the text's digest."""
    return f"{case_id}|{number}|{digest}"


def read_approval(value: str) -> tuple[str, int, str] | None:
    """The case, number and digest an Approve button carries; ``None`` when the number
    is not a number. A missing digest reads as ``""``, which matches no text."""
    case, _, rest = value.partition("|")
    number, _, digest = rest.partition("|")
    if not (number.isascii() and number.isdigit()):
        return None
    return case, int(number), digest


def _shown_digest(message: OutgoingMessage) -> str | None:
    """The digest of the text this approval prompt shows, or ``None`` when it cannot be
    told (no text, or a check code that is not the text's): then no button is offered."""
    quote = message.message.quote
    if quote is None:
        return None
    digest = text_digest(quote)
    return digest if digest[:12] == message.message.values.get("check") else None


def _actions(message: OutgoingMessage, locale: Locale) -> ActionsBlock | None:
    """The buttons after a message, if it asks for an action."""
    key, values = message.message.key, message.message.values
    if key in APPROVAL_KEYS:
        digest = _shown_digest(message)
        if digest is None:
            return None  # the text commands still work; a button could not name the text
        number = values.get("number", "")
        return ActionsBlock(
            elements=[
                _button(
                    locale,
                    APPROVE,
                    "approve",
                    approval_value(message.case_id, number, digest),
                    "primary",
                ),
                # asking for changes needs no digest: it sends nothing anywhere
                _button(locale, REJECT, "ask_changes", f"{message.case_id}|{number}", None),
            ]
        )
    if key == "counsellor.new_case":
        return _buttons(
            locale,
            message.case_id,
            (DRAFT, "draft", "primary"),
            (REFER, "refer", None),
            (NOTE, "note", None),
            (CLOSE, "close", "danger"),
        )
    if key == "management.relay":
        return _buttons(
            locale,
            message.case_id,
            (ACK, "acknowledge", "primary"),
            (ASK, "ask_question", None),
            (FEEDBACK, "give_feedback", None),
        )
    return None


def message_posts(message: OutgoingMessage, locale: Locale) -> list[Post]:
    """The Slack messages that show ``message`` whole, in order, with any buttons after
    the last part. Joined, their texts are exactly ``message.text``.

    A plain message that fits in one Slack message stays a plain message. Every other
    one is shown in section blocks; when it needs several messages, each part says
    which part of how many it is. A part of nothing but white space (a text can hold
    thousands of blank lines) shows nothing, and Slack refuses a blank section: it
    stays in the part's text but gets no block.
    """
    actions = _actions(message, locale)
    parts = split_text(message.text, POST_LIMIT)
    if actions is None and len(parts) == 1:
        return [Post(message.text)]
    posts: list[Post] = []
    for n, part in enumerate(parts, 1):
        blocks: list[Block] = [
            SectionBlock(text=PlainTextObject(text=section, emoji=False))
            for section in split_text(part, SECTION_LIMIT)
            if section.strip()
        ]
        if len(parts) > 1:
            label = render("common.part", locale, part=n, parts=len(parts))
            blocks.append(ContextBlock(elements=[_plain(label)]))
        if n == len(parts) and actions is not None:
            blocks.append(actions)
        for block in blocks:
            block.validate_json()
        posts.append(Post(part, [b.to_dict() for b in blocks]))
    return posts


def message_blocks(message: OutgoingMessage, locale: Locale) -> list[dict[str, Any]] | None:
    """The blocks of a message that fits in one Slack message; ``None`` for a plain
    message, and for one that needs several (send :func:`message_posts` instead)."""
    posts = message_posts(message, locale)
    return posts[0].blocks if len(posts) == 1 else None


def _modal(callback: str, title: str, metadata: str, blocks: list[Block], locale: Locale) -> View:
    view = View(
        type="modal",
        callback_id=callback,
        title=_plain(title),
        blocks=blocks,
        private_metadata=metadata,
        submit=_plain(render("slack.send", locale)),
        close=_plain(render("slack.cancel", locale)),
    )
    view.validate_json()
    return view


def _text_input(block: str, label: str, *, optional: bool = False) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=_plain(label),
        optional=optional,
        element=PlainTextInputElement(action_id="value", multiline=True, max_length=3000),
    )


def ask_modal(metadata: str, locale: Locale) -> View:
    return _modal(
        ASK,
        render("slack.ask_question", locale),
        metadata,
        [_text_input("text", render("slack.ask_question", locale))],
        locale,
    )


def reject_modal(metadata: str, locale: Locale) -> View:
    return _modal(
        REJECT,
        render("slack.ask_changes", locale),
        metadata,
        [_text_input("text", render("slack.what_changes", locale), optional=True)],
        locale,
    )


def feedback_modal(metadata: str, locale: Locale) -> View:
    yes_no = [
        Option(value="yes", text=_plain(render("common.yes", locale))),
        Option(value="no", text=_plain(render("common.no", locale))),
    ]
    return _modal(
        FEEDBACK,
        render("slack.give_feedback", locale),
        metadata,
        [
            _text_input("assessment", render("management.ask_assessment", locale)),
            InputBlock(
                block_id="action_kind",
                label=_plain(render("management.ask_action_kind", locale)),
                element=StaticSelectElement(
                    action_id="value",
                    options=[
                        Option(
                            value=a.value, text=_plain(render(f"words.action.{a.value}", locale))
                        )
                        for a in ActionKind
                    ],
                ),
            ),
            _text_input("action", render("management.ask_action", locale), optional=True),
            _text_input("grounds", render("management.ask_grounds", locale), optional=True),
            InputBlock(
                block_id="more",
                label=_plain(render("management.ask_more", locale)),
                element=RadioButtonsElement(action_id="value", options=yes_no),
            ),
        ],
        locale,
    )


def _select(block: str, label: str, options: list[tuple[str, str]]) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=_plain(label),
        element=StaticSelectElement(
            action_id="value", options=[Option(value=v, text=_plain(t)) for v, t in options][:100]
        ),
    )


def counsellor_modal(action: str, case_id: str, policy: OrgPolicy, locale: Locale) -> View:
    """The form behind one of the counsellor's buttons on a case."""
    title = render(f"slack.{action}", locale)
    if action == DRAFT:
        blocks: list[Block] = [
            _text_input("text", render("slack.draft_text", locale)),
            _select(
                "to",
                render("slack.draft_to", locale),
                [(d.id, d.name) for d in policy.destinations],
            ),
            InputBlock(
                block_id="anyway",
                optional=True,
                label=_plain(title),
                element=CheckboxesElement(
                    action_id="value",
                    options=[Option(value="yes", text=_plain(render("slack.send_anyway", locale)))],
                ),
            ),
        ]
    elif action == REFER:
        directory = load_referrals()
        blocks = [
            _select(
                "body",
                title,
                [
                    (slug, entry.name.get(locale) if (entry := directory.get(slug)) else slug)
                    for slug in policy.referral_bodies
                ],
            )
        ]
    elif action == NOTE:
        blocks = [_text_input("text", title)]
    else:
        categories = load_categories()
        blocks = [
            _select(
                "outcome",
                render("slack.outcome", locale),
                [(o.value, render(f"words.outcome.{o.value}", locale)) for o in Outcome],
            ),
            _select(
                "category",
                render("slack.category", locale),
                [
                    (slug, found.name.get(locale) if (found := categories.get(slug)) else slug)
                    for slug in policy.categories
                ],
            ),
        ]
    return _modal(action, title, case_id, blocks, locale)
