"""How strong a new passphrase must be before it may protect a key file.

A key file is exactly as strong as its passphrase: whoever copies the file (a
backup, a stolen laptop, a shared folder) can try passphrases offline for as long
as they like, and argon2id only makes each try slower. So every *new* passphrase
is judged with zxcvbn, which estimates how many guesses an attacker needs who
knows common passwords, dictionaries, names, keyboard patterns and dates, and
is refused below a floor (in guesses, as a power of ten):

- **counsellor keys: 10^12.** The key opens whole case files, identities
  included, of every case sealed to it, for as long as they are kept. Three
  random words pass narrowly, four comfortably; ``Tr0ub4dor&3`` (10^11) does not.
- **the service key: 10^10** (zxcvbn's top score, 4). It opens no case content
  by itself (case keys are sealed to counsellors and the vault), lives on the
  server beside its passphrase file and is best a long random string; but with a
  database copy it would recognise reporters and sign relays, so a dictionary
  word is not enough for it either.

Words that belong to this installation (the key's label and file name, the
service's own vocabulary in English and Dutch) count as known to the attacker.
The passphrase itself never appears in a message, a log or an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import click
from zxcvbn import zxcvbn

from intermediary.errors import ConfigError, KeyFileError
from intermediary.text import DEFAULT_LOCALE, Locale, render

__all__ = [
    "MIN_GUESSES_LOG10",
    "KeyKind",
    "Strength",
    "WeakPassphrase",
    "Weakness",
    "check_new_passphrase",
    "new_passphrase",
    "strength",
]

KeyKind = Literal["counsellor", "service"]
#: why a passphrase is weak, as the catalogue names it (``errors.weak_reason_*``)
Weakness = Literal["personal", "common", "pattern", "date", "few"]

#: the floor per kind of key, in guesses as a power of ten (see the module's text)
MIN_GUESSES_LOG10: Mapping[KeyKind, int] = {"counsellor": 12, "service": 10}
#: zxcvbn refuses longer input; what follows only adds strength, so it is not judged
_ANALYSED = 72
#: words an attacker guesses first for this service, in both of its languages
_SERVICE_WORDS = (
    "intermediary",
    "counsellor",
    "confidential",
    "whistleblower",
    "whistleblowing",
    "report",
    "passphrase",
    "password",
    "service",
    "secret",
    "vertrouwenspersoon",
    "vertrouwelijk",
    "klokkenluider",
    "melding",
    "wachtwoord",
    "wachtwoordzin",
    "geheim",
    "sleutel",
    "dienst",
    "welkom",
)


@dataclass(frozen=True, kw_only=True)
class Strength:
    """zxcvbn's estimate: guesses needed (as a power of ten) and the main weakness."""

    guesses_log10: float
    weakness: Weakness

    def enough_for(self, kind: KeyKind) -> bool:
        return self.guesses_log10 >= MIN_GUESSES_LOG10[kind]


class WeakPassphrase(KeyFileError):
    """A new key file's passphrase is too easy to guess; nothing was written."""

    default_key = "errors.weak_passphrase_counsellor"

    def __init__(self, *, kind: KeyKind, found: Strength) -> None:
        self.weakness = found.weakness
        super().__init__(
            f"errors.weak_passphrase_{kind}",
            estimate=max(0, int(found.guesses_log10)),
            needed=MIN_GUESSES_LOG10[kind],
        )

    def message(self, locale: Locale = DEFAULT_LOCALE) -> str:
        reason = render(f"errors.weak_reason_{self.weakness}", locale)
        return render(self.key, locale, reason=reason, **self.params)


def strength(passphrase: str, context: Iterable[str] = ()) -> Strength:
    """How many guesses ``passphrase`` would take, knowing ``context`` and the
    service's own words."""
    known = [*_SERVICE_WORDS, *(word for text in context for word in _words(text))]
    inputs = [word for word in known if len(word) >= 3]
    result: dict[str, Any] = zxcvbn(passphrase[:_ANALYSED], user_inputs=inputs)
    return Strength(
        guesses_log10=float(result["guesses_log10"]), weakness=_weakness(result["sequence"])
    )


def check_new_passphrase(passphrase: str, kind: KeyKind, context: Iterable[str] = ()) -> None:
    """Refuse (:class:`WeakPassphrase`) a passphrase below the floor for ``kind``."""
    found = strength(passphrase, context)
    if not found.enough_for(kind):
        raise WeakPassphrase(kind=kind, found=found)


def new_passphrase(
    kind: KeyKind,
    *,
    env: str | None,
    context: Iterable[str] = (),
    prompt: str = "Passphrase",
    again: str | bool = True,
    locale: Locale = "en",
) -> str:
    """A new key file's passphrase, checked: from the environment variable ``env``
    (refused outright when weak), or typed twice at a prompt (``prompt``, in the
    reader's language) that explains why a weak one is refused and asks again."""
    known = tuple(context)
    if env:
        value = os.environ.get(env)
        if not value:
            raise ConfigError("errors.passphrase_env_missing", variable=env)
        check_new_passphrase(value, kind, known)
        return value

    while True:  # a person at the prompt gets the reason and another go (Ctrl-C stops)
        value = str(click.prompt(prompt, hide_input=True, confirmation_prompt=again))
        try:
            check_new_passphrase(value, kind, known)
        except WeakPassphrase as error:
            click.echo(f"intermediary: {error.message(locale)}", err=True)
            continue
        return value


def _words(text: str) -> list[str]:
    """A label like "Daan de Vries" is known whole and word by word."""
    parts = [p for p in "".join(c if c.isalnum() else " " for c in text).split() if p]
    return [text, *parts] if text else parts


def _weakness(sequence: list[dict[str, Any]]) -> Weakness:
    """The weakness a person can act on, most specific first."""
    patterns = {m.get("pattern") for m in sequence}
    dictionaries = {m.get("dictionary_name") for m in sequence if m.get("pattern") == "dictionary"}
    if "user_inputs" in dictionaries:
        return "personal"
    if "passwords" in dictionaries:
        return "common"
    if patterns & {"spatial", "repeat", "sequence"}:
        return "pattern"
    if "date" in patterns or any(m.get("regex_name") == "recent_year" for m in sequence):
        return "date"
    return "few"
