"""Turn a core :class:`Message` into the words one recipient reads.

Two things happen here and nowhere else: a party's quoted words (``quote``, and
the named ``quotes``) are neutralised, and a referral body's slug is expanded into
its description in the recipient's language.
"""

from __future__ import annotations

from intermediary.core.effects import Message
from intermediary.directory import ReferralDirectory, load_categories, load_referrals
from intermediary.text import Locale, render
from intermediary.text.neutralise import neutralise

__all__ = ["render_message"]


def render_message(
    message: Message, locale: Locale, referrals: ReferralDirectory | None = None
) -> str:
    params: dict[str, object] = dict(message.values)
    if message.quote is not None:
        params["quote"] = neutralise(message.quote)
    for name, words in message.quotes:
        params[name] = neutralise(words)
    listed = message.values.get("categories")
    if listed:
        categories = load_categories()
        params["categories"] = ", ".join(
            found.name.get(locale) if (found := categories.get(slug.strip())) else slug
            for slug in listed.split(",")
        )
    # a file's kind and what was removed from it (evidence), in the reader's words
    filetype = message.values.get("filetype")
    if filetype is not None:
        params["filetype"] = render(f"evidence.filetype.{filetype}", locale)
    removed = message.values.get("removed")
    if removed is not None:
        said = (render(f"evidence.removed.{w}", locale) for w in removed.split(","))
        params["removed"] = ", ".join(said)
    slug = message.values.get("body")
    if slug is not None:
        body = (referrals or load_referrals()).get(slug)
        if body is not None:
            params.update(
                body=body.name.get(locale),
                body_name=body.name.get(locale),
                body_handles=body.handles.get(locale),
                body_anonymous=body.anonymous.get(locale),
                body_contact=body.contact.get(locale),
            )
    return render(message.key, locale, **params)
