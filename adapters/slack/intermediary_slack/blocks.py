"""Buttons on the messages that ask someone to act, built with slack_sdk's models.

- a text awaiting the reporter's approval: **Approve** / **Ask for changes**;
- a relay in management's channel: **Acknowledge** / **Ask a question** /
  **Give feedback**.

A button carries only the case code and the text's number; who may press it is
decided when it is pressed, by the service.
"""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from intermediary.core import ActionKind, OrgPolicy, Outcome
from intermediary.delivery import OutgoingMessage
from intermediary.directory import load_categories, load_referrals
from intermediary.text import Locale, render

__all__ = [
    "ACTIONS",
    "ASK",
    "CLOSE",
    "DRAFT",
    "FEEDBACK",
    "NOTE",
    "REFER",
    "REJECT",
    "ask_modal",
    "counsellor_modal",
    "feedback_modal",
    "message_blocks",
    "reject_modal",
]

APPROVE, REJECT, ACK, ASK, FEEDBACK = "approve", "reject", "ack", "ask", "feedback"
DRAFT, REFER, NOTE, CLOSE = "draft", "refer", "note", "close"
ACTIONS = (APPROVE, REJECT, ACK, ASK, FEEDBACK, DRAFT, REFER, NOTE, CLOSE)
_SECTION = 3000


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=text[:75], emoji=False)


def _buttons(locale: Locale, value: str, *actions: tuple[str, str, str | None]) -> ActionsBlock:
    return ActionsBlock(
        elements=[
            ButtonElement(
                text=_plain(render(f"slack.{key}", locale)),
                action_id=action,
                value=value,
                style=style,
            )
            for action, key, style in actions
        ]
    )


def message_blocks(message: OutgoingMessage, locale: Locale) -> list[dict[str, Any]] | None:
    """Blocks for a message that asks for an action; ``None`` for plain messages."""
    key, values = message.message.key, message.message.values
    blocks: list[Block] = [
        SectionBlock(text=PlainTextObject(text=message.text[:_SECTION], emoji=False))
    ]
    if key in ("reporter.approve_relay", "reporter.approve_minutes"):
        value = f"{message.case_id}|{values.get('number', '')}"
        blocks.append(
            _buttons(locale, value, (APPROVE, "approve", "primary"), (REJECT, "ask_changes", None))
        )
    elif key == "counsellor.new_case":
        blocks.append(
            _buttons(
                locale,
                message.case_id,
                (DRAFT, "draft", "primary"),
                (REFER, "refer", None),
                (NOTE, "note", None),
                (CLOSE, "close", "danger"),
            )
        )
    elif key == "management.relay":
        blocks.append(
            _buttons(
                locale,
                message.case_id,
                (ACK, "acknowledge", "primary"),
                (ASK, "ask_question", None),
                (FEEDBACK, "give_feedback", None),
            )
        )
    else:
        return None
    for block in blocks:
        block.validate_json()
    return [b.to_dict() for b in blocks]


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
