"""Several organisations on one page: each at its own address (``/o/WORD``), none listed,
so a stranger who finds the page learns no external counsellor's client list; a case is
opened in the organisation of the address it was started from, and a forged word opens
nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from intermediary import crypto
from intermediary.config import ConfigError, ServiceConfig, WebSection, load_config
from intermediary.config.agreements import AgreementConfig
from intermediary.runtime import demo_config
from tests.web.conftest import TOKEN, Web, serving

WORDS = {"demo": "demo-k7w2q9x4", "harbour": "harbour-3jd8s0q1"}


def _two() -> ServiceConfig:
    config = demo_config(crypto.CounsellorKey.generate().public)
    demo = config.organisations[0]
    hanna = demo.counsellors[0].model_copy(update={"id": "hanna", "name": "Hanna Bakker"})
    harbour = demo.model_copy(
        update={"id": "harbour", "name": "Harbour Works", "locale": "nl", "counsellors": [hanna]}
    )
    return config.model_copy(
        update={"organisations": [demo, harbour], "web": WebSection(organisations=WORDS)}
    )


@pytest.fixture
async def two(tmp_path: Path) -> AsyncIterator[Web]:
    async with serving(tmp_path, _two()) as made:
        yield made


async def test_the_bare_address_lists_no_organisation(two: Web) -> None:
    page = await (await two.client.get("/?lang=en")).text()
    assert "Demo B.V." not in page
    assert "Harbour Works" not in page
    assert "Daan" not in page
    assert "Hanna" not in page
    assert "each at its own address" in page
    assert 'action="/open"' not in page
    assert 'action="/login"' in page  # coming back needs no organisation


async def test_each_address_shows_its_own_organisation_in_its_language(two: Web) -> None:
    demo = await (await two.client.get(f"/o/{WORDS['demo']}")).text()
    harbour = await (await two.client.get(f"/o/{WORDS['harbour']}")).text()
    assert "Demo B.V." in demo
    assert "Harbour Works" not in demo
    assert "Harbour Works" in harbour
    assert "Demo B.V." not in harbour
    assert '<html lang="nl">' in harbour  # the organisation's language, unless chosen
    assert '<html lang="en">' in demo


async def test_an_unknown_word_is_not_found_like_any_other_address(two: Web) -> None:
    guessed = await two.client.get("/o/harbour-00000000")
    nothing = await two.client.get("/nothing-here")
    assert guessed.status == nothing.status == 404
    assert "Harbour" not in await guessed.text()


async def test_a_case_opens_in_the_organisation_of_its_address(two: Web) -> None:
    start = await (await two.client.get(f"/o/{WORDS['harbour']}?lang=en")).text()
    token = TOKEN.search(start)
    assert token
    opened = await two.client.post(
        "/open",
        data={"token": token.group(1), "org": WORDS["harbour"], "first_message": "Hello."},
    )
    body = await opened.text()
    assert opened.status == 200, body
    code = re.search(r"<code>(VP-[A-Z0-9-]+)</code>", body)
    assert code
    harbour = await two.office.store.cases_for_counsellor("harbour", "hanna")
    assert [c.case_id for c in harbour] == [code.group(1)]
    assert await two.office.store.cases_for_org("demo") == []


@pytest.mark.parametrize("word", ["", "harbour-00000000", WORDS["demo"] + "x"])
async def test_a_forged_or_missing_word_opens_nothing(two: Web, word: str) -> None:
    start = await (await two.client.get(f"/o/{WORDS['demo']}?lang=en")).text()
    token = TOKEN.search(start)
    assert token
    refused = await two.client.post(
        "/open", data={"token": token.group(1), "org": word, "first_message": "Hello."}
    )
    assert refused.status == 400
    assert "names no organisation" in await refused.text()
    assert await two.deliver() == 0  # no counsellor was told of a case


def _file(tmp_path: Path, web: str) -> Path:
    key = crypto.CounsellorKey.generate().public.encode()
    org = """
[[organisations]]
id = "{id}"
name = "{id}"
[[organisations.counsellors]]
id = "vp"
name = "VP"
kind = "external"
public_key = "{key}"
[[organisations.management]]
id = "board"
name = "board"
"""
    path = tmp_path / "config.toml"
    text = web + org.format(id="acme", key=key) + org.format(id="beta", key=key)
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    ("web", "says"),
    [
        ("[web]\n", "must say which organisations the page offers"),
        ('[web.organisations]\nacme = "short"\n', "the word for acme must be 8 to 64"),
        ('[web.organisations]\nnope = "nope-12345"\n', "names nope, which is not an organisation"),
        (
            '[web.organisations]\nacme = "same-word-1"\nbeta = "same-word-1"\n',
            "two organisations have the same word",
        ),
    ],
)
def test_a_page_for_several_organisations_must_say_where_each_is(
    tmp_path: Path, web: str, says: str
) -> None:
    with pytest.raises(ConfigError) as refused:
        load_config(_file(tmp_path, web))
    assert says in str(refused.value)


def test_several_organisations_each_with_its_word_load(tmp_path: Path) -> None:
    config = load_config(
        _file(tmp_path, '[web.organisations]\nacme = "acme-word-1"\nbeta = "beta-word-1"\n')
    )
    assert config.web is not None
    assert config.web.organisations == {"acme": "acme-word-1", "beta": "beta-word-1"}


async def test_a_refusal_leads_back_to_the_organisations_own_address(two: Web) -> None:
    """With several organisations, "/" only says to use one's own address: a refused
    first contact must lead back to the page it came from."""
    start = await (await two.client.get(f"/o/{WORDS['harbour']}?lang=en")).text()
    token = TOKEN.search(start)
    assert token
    refused = await two.client.post(
        "/open",
        data={
            "token": token.group(1),
            "org": WORDS["harbour"],
            "mode": "nonsense",
            "first_message": "Hello.",
        },
    )
    assert refused.status == 400
    assert f'href="/o/{WORDS["harbour"]}"' in await refused.text()


async def test_the_start_page_shows_the_organisations_agreements(tmp_path: Path) -> None:
    """Issue 21, item 5: the agreements on the limits of confidentiality at first
    contact, on the web too; each organisation its own."""
    config = _two()
    demo, harbour = config.organisations
    agreed = AgreementConfig(version="2026-1", text="Only where the law requires it.")
    harbour = harbour.model_copy(update={"agreements": [agreed]})
    config = config.model_copy(update={"organisations": [demo, harbour]})
    async with serving(tmp_path, config) as web:
        page = await (await web.client.get(f"/o/{WORDS['harbour']}?lang=nl")).text()
        assert "(versie 2026-1)" in page
        assert "Only where the law requires it." in page
        other = await (await web.client.get(f"/o/{WORDS['demo']}")).text()
        assert "2026-1" not in other
