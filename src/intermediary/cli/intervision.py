"""``intermediary intervision``: an anonymised summary of one case, for peer review.

Made on the counsellor's machine with their key, from the case file; every name,
place, date and detail that could point to a person is replaced by a placeholder.
What was removed is shown to the counsellor (never written) before the summary is.
"""

from __future__ import annotations

from pathlib import Path

import click

from intermediary.cli.common import case_code, confirm, friendly, organisation, run_async, voice
from intermediary.cli.session import counsellor_options, counsellor_session
from intermediary.errors import OperatorError
from intermediary.office.intervision.summary import Summary, identity_names, summarise
from intermediary.service.casefile import open_case_file, open_identity
from intermediary.service.identifying import matching_words
from intermediary.text import Locale, render

__all__ = ["intervision"]


@click.command()
@counsellor_options
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="Where to write the summary (Markdown).",
)
@click.option("--name", "names", multiple=True, help="Another name to remove (repeatable).")
@click.option(
    "--department", "departments", multiple=True, help="A department to remove (repeatable)."
)
@click.option("--yes", is_flag=True, help="Write without asking (after reading it elsewhere).")
@friendly
def intervision(
    case: str,
    config_path: Path,
    key_path: Path,
    passphrase_env: str | None,
    out: Path,
    names: tuple[str, ...],
    departments: tuple[str, ...],
    yes: bool,
) -> None:
    """An anonymised summary of CASE for intervision, shown before it is written."""
    if out.exists():
        raise OperatorError("errors.exists_already", path=str(out))

    async def go() -> tuple[Summary, Locale]:
        runtime, key, actor = await counsellor_session(
            config_path, key_path, passphrase_env, case_code(case)
        )
        try:
            loaded = await runtime.service.case_as(actor, case_code(case))
            entries = await open_case_file(runtime.store, case_code(case), key)
            identity = await open_identity(runtime.store, case_code(case), key)
            org = organisation(runtime.config, actor.org_id)
            locale = voice(runtime.config, actor.org_id, actor.counsellor_id).locale
            people = (*names, *(identity_names(identity) if identity else ()))
            people += tuple(c.name for c in org.counsellors)
            people += tuple(d.name for d in org.management)
            # the case's flagged words (what the reporter said about themselves, the
            # counsellor's !flag words) are kept only as keyed hashes, while it is open
            terms = await runtime.service.identifying_terms(case_code(case))
            keys = runtime.service.keys
            made = summarise(
                loaded,
                entries,
                names=people,
                organisations=(org.name, org.id),
                departments=departments,
                known=lambda text: matching_words(keys, text, terms),
                locale=locale,
            )
            await runtime.service.record_export(actor, case_code(case), "intervision summary")
            return made, locale
        finally:
            await runtime.close()

    made, locale = run_async(go())
    click.echo(made.text)
    if not yes:
        # the removed words are the identifying details: shown here, never written
        click.echo(_removed(made, locale))
        if not confirm(render("intervision.confirm", locale, path=out), locale):
            click.echo(render("intervision.not_written", locale))
            return
    out.touch(mode=0o600)
    out.write_text(made.text, "utf-8")
    click.echo(render("intervision.written", locale, path=out))


def _removed(made: Summary, locale: Locale) -> str:
    """What was removed, by placeholder, each once with how often, for the counsellor
    to check before the summary is written."""
    if not made.removed:
        return render("intervision.removed_none", locale)
    shown: dict[str, dict[str, int]] = {}
    for removal in made.removed:
        words = shown.setdefault(removal.placeholder(locale), {})
        text = " ".join(removal.text.split())
        words[text] = words.get(text, 0) + 1
    lines = [render("intervision.removed", locale, count=len(made.removed))]
    for placeholder, words in shown.items():
        listed = ", ".join(w if n == 1 else f"{w} ({n}×)" for w, n in words.items())
        lines.append(
            render("intervision.removed_line", locale, placeholder=placeholder, words=listed)
        )
    return "\n".join(lines)
