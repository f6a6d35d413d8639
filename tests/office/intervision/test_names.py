"""Names by how they are written (:mod:`intermediary.office.intervision.names`)."""

from __future__ import annotations

from intermediary.office.intervision.scrubber import scrub


def test_capitalised_words_in_mid_sentence_are_taken_for_names() -> None:
    out = scrub("Yesterday I saw Marieke and Mr Brown in Utrecht. Marieke cried.")
    assert out == "Yesterday I saw [name] and Mr [name] in [place]. [name] cried."


def test_names_at_the_start_of_a_sentence() -> None:
    assert scrub("Jan Pieterse shouted.") == "[name] shouted."
    assert scrub("Bob's desk was empty.") == "[name]'s desk was empty."
    assert scrub("J. Pieterse shouted.") == "[name] shouted."
    assert scrub("Piet van der Berg shouted.") == "[name] shouted."


def test_common_words_and_the_glossary_stay() -> None:
    text = (
        "Then I went to HR. The vertrouwenspersoon mentioned the Huis voor Klokkenluiders, "
        "the Wbk and the Juridisch Loket in March. It was Monday-ish. OK?"
    )
    out = scrub(text)
    assert "Huis voor Klokkenluiders" in out
    assert "Juridisch Loket" in out
    assert "HR" in out
    assert "Wbk" in out
    assert "in March" in out
    assert "Then I went" in out
