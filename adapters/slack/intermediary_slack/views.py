"""Block Kit views, built and validated with slack_sdk's models.

Pure functions of the service's state and the reader's language: the App Home
tab (notice, "Talk to a counsellor", the reporter's cases) and the intake
modal, so the details of a report are typed into a form rather than into DM
history.
"""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    Option,
    OptionGroup,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from intermediary.core import Case, CounsellorInfo, Disclosure, Mode, OrgPolicy
from intermediary.directory import load_categories
from intermediary.text import Locale, render
from intermediary_slack.blocks import SECTION_LIMIT, split_text

__all__ = ["INTAKE", "OPEN_INTAKE", "home_view", "intake_modal"]

OPEN_INTAKE = "intake_open"
INTAKE = "intake"
TEXT_LIMIT = 3000  #: Slack's plain_text_input limit, below the library's 4,000


def _plain(text: str) -> PlainTextObject:
    return PlainTextObject(text=text[:150], emoji=False)


def _sections(text: str) -> list[Block]:
    """``text`` whole, in as many sections as it needs (Slack: 3,000 characters each)."""
    return [
        SectionBlock(text=PlainTextObject(text=piece, emoji=False))
        for piece in split_text(text, SECTION_LIMIT)
        if piece.strip()
    ]


def home_view(policy: OrgPolicy | None, cases: list[Case], locale: Locale, notice: str) -> View:
    """The Home tab: the reporter's organisation (``policy``) with its notice and one
    button for the intake form, and the reporter's cases. Without an organisation
    (``None``: several are served and nothing tells which is theirs) only ``notice``,
    which names none, and no form: a stranger never sees who the clients are."""
    blocks: list[Block] = []
    if policy is not None:
        blocks += [HeaderBlock(text=_plain(policy.name))]
    blocks += _sections(notice)
    if policy is not None:
        button = ButtonElement(
            text=_plain(render("slack.talk", locale)), action_id=OPEN_INTAKE, style="primary"
        )
        blocks.append(ActionsBlock(elements=[button]))
    blocks.append(DividerBlock())
    if cases:
        lines = [
            render("reporter.case_line", locale, case=c.case_id, state=c.state, marker="")
            for c in cases
        ]
        blocks += _sections("\n".join(lines))
    else:
        blocks.append(ContextBlock(elements=[_plain(render("reporter.no_cases", locale))]))
    view = View(type="home", blocks=blocks)
    view.validate_json()
    return view


def _counsellors(policies: Sequence[OrgPolicy], locale: Locale) -> StaticSelectElement:
    """The counsellors to choose from. Of one organisation, a counsellor's value is their
    id; of several, grouped per organisation, ``org/counsellor``."""

    def option(c: CounsellorInfo, value: str) -> Option:
        kind = render(f"words.counsellor_kind.{c.kind}", locale)
        return Option(value=value, text=_plain(f"{c.name} ({kind})"))

    if len(policies) == 1:
        only = policies[0]
        return StaticSelectElement(
            action_id="value", options=[option(c, c.id) for c in only.counsellors]
        )
    groups = [
        OptionGroup(
            label=_plain(p.name),
            options=[option(c, f"{p.id}/{c.id}") for c in p.counsellors][:100],
        )
        for p in policies
    ]
    return StaticSelectElement(action_id="value", option_groups=groups[:100])


def intake_modal(policies: Sequence[OrgPolicy], locale: Locale) -> View:
    """The intake form, offering the counsellors of ``policies`` (the organisations the
    person may report to) and the categories of them all."""
    categories = load_categories()
    slugs = list(dict.fromkeys(slug for p in policies for slug in p.categories))

    def choice(value: str, label: str) -> Option:
        return Option(value=value, text=_plain(label))

    blocks = [
        InputBlock(
            block_id="counsellor",
            label=_plain(render("reporter.ask_counsellor", locale)),
            element=_counsellors(policies, locale),
        ),
        InputBlock(
            block_id="mode",
            label=_plain(render("reporter.ask_mode", locale)),
            element=RadioButtonsElement(
                action_id="value",
                options=[choice(m.value, render(f"words.mode.{m.value}", locale)) for m in Mode],
            ),
        ),
        InputBlock(
            block_id="disclosure",
            label=_plain(render("reporter.ask_disclosure", locale)),
            element=RadioButtonsElement(
                action_id="value",
                options=[
                    choice(d.value, render(f"words.disclosure.{d.value}", locale))
                    for d in Disclosure
                ],
            ),
        ),
        InputBlock(
            block_id="category",
            label=_plain(render("reporter.ask_category", locale)),
            element=StaticSelectElement(
                action_id="value",
                options=[
                    choice(
                        slug, found.name.get(locale) if (found := categories.get(slug)) else slug
                    )
                    for slug in slugs
                ][:100],
            ),
        ),
        InputBlock(
            block_id="message",
            optional=True,
            label=_plain(render("reporter.ask_first_message", locale)),
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=TEXT_LIMIT),
        ),
    ]
    view = View(
        type="modal",
        callback_id=INTAKE,
        title=_plain(render("slack.intake_title", locale)),
        submit=_plain(render("slack.send", locale)),
        close=_plain(render("slack.cancel", locale)),
        blocks=blocks,
    )
    view.validate_json()
    return view
