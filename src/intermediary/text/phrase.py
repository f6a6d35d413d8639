"""A sentence that is still a key: said later, in whoever reads it's language.

A :class:`Phrase` is a catalogue key with its parameters that is also a ``str``, its
English sentence, so that code which collects problems as strings (``verify``'s report,
a list of configuration problems) keeps working while a reader in another language
gets them in theirs: :meth:`Phrase.text` renders it again in any language, phrases
among its parameters too.
"""

from __future__ import annotations

from collections.abc import Mapping

from intermediary.core.errors import IntermediaryError
from intermediary.text import DEFAULT_LOCALE, Locale, render

__all__ = ["Phrase", "counted", "said", "told"]


class Phrase(str):
    """The sentence ``key`` with ``params``; as a ``str``, its English rendering."""

    key: str
    params: Mapping[str, object]

    def __new__(cls, key: str, /, **params: object) -> Phrase:
        made = super().__new__(cls, _render(key, DEFAULT_LOCALE, params))
        made.key = key
        made.params = dict(params)
        return made

    def text(self, locale: Locale) -> str:
        """The sentence in ``locale``."""
        return _render(self.key, locale, self.params)

    def __reduce__(self) -> tuple[object, ...]:  # pragma: no cover - kept whole if pickled
        return (str, (str(self),))


class _Told(Phrase):
    """An error's message as a phrase: its English as a ``str``, its own in any language."""

    error: IntermediaryError

    def __new__(cls, error: IntermediaryError, /) -> _Told:
        made = str.__new__(cls, error.message())
        made.key, made.params, made.error = error.key, dict(error.params), error
        return made

    def text(self, locale: Locale) -> str:
        return self.error.message(locale)


def told(error: IntermediaryError) -> Phrase:
    """``error``'s message, said later in whoever reads it's language (a finding's
    detail that the doctor shows in the operator's)."""
    return _Told(error)


def counted(key: str, count: int) -> Phrase:
    """``count`` things in words, as the catalogue says them: ``<key>_one`` for one
    ("1 zaak"), ``<key>_many`` with ``{count}`` for any other number ("3 zaken"); the
    catalogue's one way to a plural, never "zaak/zaken" or "warning(s)"."""
    return Phrase(f"{key}_{'one' if count == 1 else 'many'}", count=count)


def said(value: object, locale: Locale) -> object:
    """``value`` as it reads in ``locale``: a phrase rendered, anything else as it is."""
    return value.text(locale) if isinstance(value, Phrase) else value


def _render(key: str, locale: Locale, params: Mapping[str, object]) -> str:
    return render(key, locale, **{name: said(v, locale) for name, v in params.items()})
