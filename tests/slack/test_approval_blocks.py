"""Every text whole on Slack: sections, parts and where the buttons go (blocks.py, views.py)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from intermediary_slack.blocks import (
    POST_LIMIT,
    SECTION_LIMIT,
    Post,
    message_blocks,
    message_posts,
    read_approval,
    slack_size,
    split_text,
)
from intermediary_slack.views import home_view

from intermediary.core import OrgId, text_digest
from intermediary.core.effects import Message
from intermediary.core.policy import OrgPolicy
from intermediary.service.delivery import OutgoingMessage
from intermediary.service.messages import render_message
from intermediary.text import Locale

CASE = "VP-7KQ3-M2XD"
#: Slack's limits: blocks in a message, characters in its text (beyond: cut by Slack)
MAX_BLOCKS, MAX_TEXT = 50, 40_000


def words(length: int, ending: str = " The end.") -> str:
    """A draft of exactly ``length`` characters of ordinary words, ending in ``ending``."""
    body = ("The canteen fridge has been broken since March and nobody repairs it. " * 800)[
        : length - len(ending)
    ]
    return body + ending


def outgoing(
    key: str, quote: str | None, locale: Locale = "en", **values: str | int
) -> OutgoingMessage:
    message = Message.of(key, quote, case=CASE, **values)
    return OutgoingMessage(
        idempotency_key="k",
        platform="slack",
        address="USASKIA",
        recipient="reporter",
        case_id=CASE,
        text=render_message(message, locale),
        message=message,
        locale=locale,
    )


def approval(text: str, number: int = 7, check: str | None = None) -> OutgoingMessage:
    return outgoing(
        "reporter.approve_relay",
        text,
        number=number,
        check=check or text_digest(text)[:12],
        to="the board",
    )


def sections(post: Post) -> list[str]:
    return [b["text"]["text"] for b in post.blocks or [] if b["type"] == "section"]


def actions(post: Post) -> dict[str, str]:
    return {
        e["action_id"]: e["value"]
        for b in post.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
    }


def within_slack_limits(post: Post) -> None:
    blocks: list[dict[str, Any]] = post.blocks or []
    assert len(blocks) <= MAX_BLOCKS
    assert len(post.text) <= MAX_TEXT
    assert all(slack_size(s) <= SECTION_LIMIT for s in sections(post))
    # Slack refuses blocks holding about 12,000 characters in all (msg_blocks_too_long)
    assert sum(slack_size(s) for s in sections(post)) <= POST_LIMIT < 12_000


@pytest.mark.parametrize(
    "text",
    [
        words(3_999),
        words(40_000),
        "😀" * 40_000,  # two UTF-16 units each at Slack
        ("a & b < c > d\n" * 3_000)[:40_000],  # characters Slack stores as entities
        "x" * 40_000,  # one word longer than any section
    ],
    ids=["3999", "40000", "40000-emoji", "40000-entities", "40000-one-word"],
)
def test_an_approval_is_shown_whole_and_the_buttons_come_after_it(text: str) -> None:
    message = approval(text)
    posts = message_posts(message, "en")
    assert "".join(p.text for p in posts) == message.text  # nothing cut, nothing added
    assert "".join(s for p in posts for s in sections(p)) == message.text
    for post in posts:
        within_slack_limits(post)
    assert [bool(actions(p)) for p in posts] == [False] * (len(posts) - 1) + [True]
    buttons = actions(posts[-1])
    assert buttons["approve"] == f"{CASE}|7|{text_digest(text)}"  # the whole digest
    assert buttons["reject"] == f"{CASE}|7"
    assert read_approval(buttons["approve"]) == (CASE, 7, text_digest(text))
    if len(posts) > 1:  # each part says which it is
        labels = [b for p in posts for b in p.blocks or [] if b["type"] == "context"]
        assert len(labels) == len(posts)
        assert f"Part {len(posts)} of {len(posts)}" in str(labels[-1])


def test_a_text_of_the_default_limit_fits_one_message_as_it_did() -> None:
    message = approval(words(3_999))
    [post] = message_posts(message, "en")
    assert message_blocks(message, "en") == post.blocks
    assert len(sections(post)) == 2  # the old single section held 3,000 characters


def test_a_message_that_needs_several_posts_has_no_single_post_blocks() -> None:
    # a transport that posts one message per item gets no buttons for a text it cannot
    # show whole (and must send message_posts instead)
    assert message_blocks(approval(words(40_000)), "en") is None


def test_minutes_get_the_same_buttons() -> None:
    text = words(5_000)
    message = outgoing(
        "reporter.approve_minutes", text, "nl", number=3, check=text_digest(text)[:12]
    )
    posts = message_posts(message, "nl")
    assert "".join(p.text for p in posts) == message.text
    assert actions(posts[-1])["approve"] == f"{CASE}|3|{text_digest(text)}"


def test_without_the_texts_own_check_code_no_button_is_offered() -> None:
    text = words(500)
    forged = approval(text, check=text_digest("another text")[:12])
    posts = message_posts(forged, "en")
    assert "".join(p.text for p in posts) == forged.text  # still shown whole
    assert not any(actions(p) for p in posts)


def test_plain_messages_stay_plain_and_long_ones_are_not_cut() -> None:
    short = outgoing("reporter.reply", "Since when?")
    assert message_posts(short, "en") == [Post(short.text)]
    long = outgoing("reporter.reply", words(40_000))
    posts = message_posts(long, "en")
    assert len(posts) > 1
    assert "".join(p.text for p in posts) == long.text
    for post in posts:
        within_slack_limits(post)


def test_a_long_relay_to_management_is_not_cut_either() -> None:
    text = words(4_000)
    message = outgoing(
        "management.relay",
        text,
        number=1,
        counsellor="Daan",
        counsellor_kind="external",
        categories="bullying",
        acknowledge_by="1 March",
        check=text_digest(text)[:12],
    )
    [post] = message_posts(message, "en")
    assert text in "".join(sections(post))  # the old card showed 3,000 characters
    assert set(actions(post)) == {"ack", "ask", "feedback"}


def test_a_part_of_blank_lines_gets_no_blank_section() -> None:
    text = "Begin." + "\n" * 7_000 + "End."
    message = approval(text)
    posts = message_posts(message, "en")
    assert "".join(p.text for p in posts) == message.text
    assert all(s.strip() for p in posts for s in sections(p))  # Slack refuses blank ones
    shown = "".join(s for p in posts for s in sections(p))
    assert shown.replace("\n", "") == message.text.replace("\n", "")  # only blank lines left out


@pytest.mark.parametrize(
    "value",
    ["VP-1|x", "VP-1|", "VP-1", "VP-1|²|" + "0" * 64, ""],
)
def test_a_button_without_a_number_is_not_read(value: str) -> None:
    assert read_approval(value) is None


def test_a_button_without_a_digest_names_none() -> None:
    assert read_approval("VP-1|4") == ("VP-1", 4, "")


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("ab \n&<>é😀"), max_size=2_000),
    st.integers(min_value=12, max_value=400),
)
def test_split_text_keeps_every_character(text: str, limit: int) -> None:
    pieces = split_text(text, limit)
    assert "".join(pieces) == text
    assert all(p and slack_size(p) <= limit for p in pieces)


def test_the_home_tab_shows_a_long_notice_whole() -> None:
    notice = words(7_000, " Last sentence of the notice.")
    policy = OrgPolicy(
        id=OrgId("acme"),
        name="Acme",
        counsellors=(),
        destinations=(),
        categories=(),
        referral_bodies=(),
    )
    view = home_view(policy, [], "en", notice).to_dict()
    shown = "".join(b["text"]["text"] for b in view["blocks"] if b["type"] == "section")
    assert shown == notice  # it was cut at 3,000 characters
