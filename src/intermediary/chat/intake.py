"""The reporter's first contact: a short welcome, the words kept before a case, ``!new``.

No words lost (issue 18). What a person writes before they have a case is kept here, in
this process's memory only (:attr:`FormKeeping._kept`, per platform address): it is never
written to the store, a log or anything management sees, because without a case there is
nothing to seal it to. It lives until the case is opened (then it becomes the case's
first messages, in order, each once), until ``!cancel`` outside a form, or until the
service restarts, which forgets it; the reporter is told so when it is kept. At most
:data:`KEEP_AT_MOST` messages are kept per sender; one more is refused, and the sender
is told.

The welcome is short (who this is, that it is confidential, the next step); the full
notice is ``!info``, and is shown once by itself before the first ``!new`` question of a
conversation. Who has a case open (and saw it when opening that) gets one line that
``!info`` shows it instead, not the whole notice in every conversation.
Which organisation a reporter belongs to is decided by :mod:`intermediary.chat.intake_org`
and never by listing the organisations an installation serves.
"""

from __future__ import annotations

from functools import partial

from intermediary.chat.aliases import option_word
from intermediary.chat.base import CLOSED, catalog_keys
from intermediary.chat.choices import categories, category_names, choice
from intermediary.chat.forms import Form, Question, labelled
from intermediary.chat.intake_forms import KEEP_AT_MOST, FormKeeping
from intermediary.chat.intake_org import OrganisationFinder
from intermediary.chat.parse import Line
from intermediary.core import Disclosure, Mode, OrgPolicy, SendMessage
from intermediary.directory import load_categories
from intermediary.errors import InvalidInput
from intermediary.service.codec import ReporterProfile, Sender
from intermediary.service.events import CURRENT_EVENT
from intermediary.service.facade import Service
from intermediary.text import LOCALES, Locale, catalog, render

__all__ = ["KEEP_AT_MOST", "NEW_OPTIONS", "Intake"]

Key = tuple[str, str]

#: the ``key=value`` options ``!new`` takes (their own names: ``words.option``)
NEW_OPTIONS = ("mode", "disclosure", "category", "counsellor", "org")


class Intake(FormKeeping, OrganisationFinder):
    """Mixin of the reporter's commands: the first contact and opening a case."""

    def __init__(self, service: Service, *, prefix: str = "!") -> None:
        super().__init__(service, prefix=prefix)
        #: who has seen the full notice (``!info``) once
        self._informed: set[Key] = set()

    # --- the first contact --------------------------------------------------------------

    def _keep(self, sender: Sender, key: Key, text: str, locale: Locale) -> list[str]:
        """Keep a line written without a case, and offer to start one with it."""
        kept = self._kept.setdefault(key, [])
        if len(kept) >= KEEP_AT_MOST:
            return [render("reporter.kept_full", locale, count=KEEP_AT_MOST)]
        kept.append(text)
        if len(kept) > 1:
            return [render("reporter.kept_more", locale, count=len(kept))]
        if key in self._greeted:  # welcomed already (by !info): what keeping means, still
            return [render("reporter.kept_first", locale)]
        self._greeted.add(key)
        return [f"{self._welcome(sender, key, locale)}\n{render('reporter.kept_first', locale)}"]

    def _welcome(self, sender: Sender, key: Key, locale: Locale) -> str:
        policy = self._organisation(sender, key)
        if policy is None:
            return render("reporter.welcome_any", locale)
        return render("reporter.welcome", locale, organisation=policy.name)

    def _info(self, sender: Sender, key: Key, locale: Locale, *, start: bool = True) -> list[str]:
        """The full notice: of the reporter's organisation, or without naming any;
        ``start``: ending with how to start (not when ``!new``'s questions follow). It
        says "Welcome." only to who was not welcomed yet (not twice in one conversation)."""
        greet = key not in self._greeted
        self._informed.add(key)
        self._greeted.add(key)
        policy = self._organisation(sender, key)
        if policy is not None:
            return [self._notice_of(policy, locale, start=start, greet=greet)]
        notice = self._greeting(greet, locale) + render(
            "reporter.notice",
            locale,
            organisation=render("reporter.your_organisation", locale),
            counsellors=render(
                "reporter.counsellors_many",
                locale,
                names=render("reporter.counsellors_after_code", locale),
            ),
            platform_note=self._platform_note(locale),
        )
        return [f"{notice}\n{render('reporter.notice_start', locale)}" if start else notice]

    async def _notice(self, sender: Sender, key: Key, locale: Locale) -> list[str]:
        """Before ``!new``'s questions, once in a conversation: the full notice (without
        "send !new to start"); to who has a case open (and saw it when opening it), one
        line saying that ``!info`` shows it. Once shown, nothing more."""
        if key in self._informed:
            return []
        cases = await self.service.cases_of(sender)
        if not any(c.state not in CLOSED for c in cases):
            return self._info(sender, key, locale, start=False)
        self._informed.add(key)
        return [render("reporter.notice_reminder", locale)]

    def notices(self, locale: Locale) -> list[str]:
        """The first-contact notice of every organisation, for this platform (for a
        place that already knows its organisation, such as Slack's Home tab)."""
        return [self._notice_of(policy, locale) for policy in self.service.policies]

    def _notice_of(
        self, policy: OrgPolicy, locale: Locale, *, start: bool = True, greet: bool = True
    ) -> str:
        # the description when there is one ("external confidential counsellor"), else the
        # kind: not both, which said the same twice
        names = "; ".join(
            f"{c.name} — {c.description}"
            if c.description
            else f"{c.name} ({render(f'words.counsellor_kind.{c.kind}', locale)})"
            for c in policy.counsellors
        )
        one = len(policy.counsellors) == 1  # "Counsellor: Daan", not "Counsellors: Daan"
        counsellors = render(
            f"reporter.counsellors_{'one' if one else 'many'}", locale, names=names
        )
        notice = self._greeting(greet, locale) + render(
            "reporter.notice",
            locale,
            organisation=policy.name,
            counsellors=counsellors,
            platform_note=self._platform_note(locale),
        )
        if policy.agreement is not None:  # where the limits of confidentiality are written
            line = render(
                "reporter.agreement_line",
                locale,
                organisation=policy.name,
                version=policy.agreement.version,
            )
            notice = f"{notice}\n{line}"
        return f"{notice}\n{render('reporter.notice_start', locale)}" if start else notice

    @staticmethod
    def _greeting(greet: bool, locale: Locale) -> str:
        return f"{render('reporter.greeting', locale)} " if greet else ""

    def _platform_note(self, locale: Locale) -> str:
        note_key = f"reporter.platform_note_{self.service.platform}"
        known = note_key in catalog_keys(locale)
        return render(note_key if known else "reporter.platform_note_console", locale)

    # --- !new ---------------------------------------------------------------------------

    async def _new_form(
        self, sender: Sender, key: Key, line: Line, profile: ReporterProfile, locale: Locale
    ) -> list[str]:
        given = dict(line.options)
        unknown = next((name for name in given if name not in NEW_OPTIONS), None)
        if unknown is not None:  # a choice typed and dropped without a word would be lost
            raise InvalidInput(
                "errors.unknown_new_option",
                option=unknown,
                command=f"{self.prefix}new",
                choices=", ".join(f"{option_word(o, locale)}=" for o in NEW_OPTIONS),
            )
        if "org" in given:
            given["org"] = self._organisation_named(sender, key, given["org"])
        else:
            policy = self._organisation(sender, key)
            if policy is None:  # ask for the invitation code; never list the organisations
                form = Form("new", (Question("invitation", "reporter.ask_invitation"),), given)
                return [*await self._notice(sender, key, locale), *self._ask(key, form, locale)]
            given["org"] = policy.id
        policy = self.service.policy(given["org"])
        self._check_new_options(given, policy, locale)
        form = Form("new", self._questions(given, policy, key, locale), given)
        return [*await self._notice(sender, key, locale), *self._ask(key, form, locale)]

    def _questions(
        self, given: dict[str, str], policy: OrgPolicy, key: Key, locale: Locale
    ) -> tuple[Question, ...]:
        questions: list[Question] = []
        if "counsellor" not in given:
            if len(policy.counsellors) == 1:
                given["counsellor"] = policy.counsellors[0].id
            else:
                kinds = {str(c.id): c for c in policy.counsellors}
                people, labels = labelled(
                    list(kinds),
                    lambda v, lang: (
                        f"{kinds[v].name} "
                        f"({render(f'words.counsellor_kind.{kinds[v].kind}', lang)})"
                    ),
                    locale,
                )
                names = tuple((str(c.id), (c.name,)) for c in policy.counsellors)
                prompt = "reporter.ask_counsellor"
                questions.append(Question("counsellor", prompt, people, False, names, labels))
        values: dict[str, list[str]] = {
            "mode": [m.value for m in Mode],
            "disclosure": [d.value for d in Disclosure],
        }
        for field, choices in values.items():
            if field not in given:
                shown, labels = labelled(choices, partial(_word_of, field), locale)
                words = tuple((v, _words(f"words.choice.{field}.{v}")) for v in choices)
                prompt = f"reporter.ask_{field}"
                questions.append(Question(field, prompt, shown, False, words, labels))
        if "category" not in given:
            directory = load_categories()

            def topic(slug: str, lang: Locale) -> str:
                found = directory.get(slug)
                return found.name.get(lang) if found is not None else slug

            topics, labels = labelled(policy.categories, topic, locale)
            # its words and its name's parts too: the question's "'I'd rather not say'"
            # is a part of the label "I'd rather not say / unknown"
            words = tuple((s, tuple(sorted(category_names(s)))) for s in policy.categories)
            questions.append(
                Question("category", "reporter.ask_category", topics, False, words, labels)
            )
        kept = len(self._kept.get(key, ()))
        prompt = "reporter.ask_first_message_kept" if kept else "reporter.ask_first_message"
        questions.append(Question("first_message", prompt, optional=True))
        return tuple(questions)

    def _check_new_options(self, given: dict[str, str], policy: OrgPolicy, locale: Locale) -> None:
        """Refuse a wrong ``key=value`` of ``!new`` at once, not after the questions."""
        if "mode" in given:
            given["mode"] = choice(Mode, given["mode"], "mode", locale).value
        if "disclosure" in given:
            given["disclosure"] = choice(
                Disclosure, given["disclosure"], "disclosure", locale
            ).value
        if "category" in given:
            given["category"] = ",".join(categories(given["category"], policy.categories, locale))
        counsellors = [c.id for c in policy.counsellors]
        if "counsellor" in given and given["counsellor"] not in counsellors:
            raise InvalidInput(
                "errors.unknown_counsellor",
                counsellor=given["counsellor"] or "-",
                choices=", ".join(counsellors),
            )

    async def _open(
        self, sender: Sender, key: Key, answers: dict[str, str], profile: ReporterProfile
    ) -> list[str]:
        """Open the case the form asked for; the kept words become its first messages."""
        locale = profile.locale or self.service.who(sender).locale
        if "invitation" in answers:  # the code told the organisation: now the questions
            given = {k: v for k, v in answers.items() if k != "invitation"}
            try:
                given["org"] = self._organisation_named(sender, key, answers["invitation"])
            except InvalidInput as error:
                question = Question("invitation", "reporter.ask_invitation")
                again = Form("new", (question,), given)
                return [error.message(locale), *self._ask(key, again, locale)]
            policy = self.service.policy(given["org"])
            form = Form("new", self._questions(given, policy, key, locale), given)
            found = render("reporter.organisation_found", locale, organisation=policy.name)
            return [found, *self._ask(key, form, locale)]
        policy = self.service.policy(answers["org"])
        if "counsellor" not in answers and len(policy.counsellors) > 1:
            raise InvalidInput(
                "errors.unknown_counsellor",
                counsellor="-",
                choices=", ".join(c.id for c in policy.counsellors),
            )
        kept = self._kept.get(key, [])
        messages = [*kept, *([answers["first_message"]] if answers.get("first_message") else [])]
        case, _ = await self.service.open_case(
            sender,
            profile,
            org_id=policy.id,
            counsellor_id=answers.get("counsellor") or policy.counsellors[0].id,
            mode=Mode(answers["mode"]),  # a value the form or _check_new_options chose
            disclosure=Disclosure(answers["disclosure"]),
            categories=[c for c in answers.get("category", "unknown").split(",") if c],
            first_message=messages[0] if messages else None,
        )
        self._current[key] = case.case_id
        if kept:
            kept.pop(0)  # each kept line is dropped once it is in the case: none twice
        event = CURRENT_EVENT.get()
        for n, text in enumerate(messages[1:], 1):
            # each message its own commit: under the platform event's key, the second
            # commit would be refused as that event again (and the message lost)
            with self.service.handling(f"{event}#{n}" if event else None):
                await self.service.act(
                    sender, case.case_id, SendMessage(text=text), profile=profile
                )
            if kept:
                kept.pop(0)
        self._kept.pop(key, None)
        return []


def _word_of(field: str, value: str, locale: Locale) -> str:
    """How a choice of ``field`` is shown in ``locale``."""
    return render(f"words.{field}.{value}", locale)


def _words(key: str) -> tuple[str, ...]:
    """A catalogue entry in every language (the words typed for a choice)."""
    return tuple(catalog(other)[key] for other in LOCALES)
