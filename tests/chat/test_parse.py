from intermediary.chat import parse_line


def test_plain_text_is_conversation() -> None:
    line = parse_line("hello there")
    assert line.command is None
    assert line.raw == "hello there"
    assert parse_line("!").command is None


def test_command_words_options_and_rest() -> None:
    line = parse_line("!Draft VP-7KQ3-M2XD to=board  The lead  shouts")
    assert line.command == "draft"
    assert line.words[0] == "VP-7KQ3-M2XD"
    assert line.options == {"to": "board"}
    assert line.rest(1) == "The lead  shouts"


def test_other_prefix_and_no_prefix() -> None:
    assert parse_line("/vp cases", "/vp ").command == "cases"
    assert parse_line("cases", "").command == "cases"
    assert parse_line("!cases", "/vp ").command is None
