"""argparse's own refusals (a missing or unknown argument) are in the person's language too,
one line, exit 2; English stays English."""

from __future__ import annotations

import pytest

from bpa_provider.cli import main


@pytest.mark.parametrize(
    "lang, words",
    [
        ("nb", "følgende argumenter mangler: --month"),
        ("sv", "följande argument saknas: --month"),
        ("en", "the following arguments are required: --month"),
    ],
)
def test_a_missing_argument_is_said_in_the_language(capsys, lang, words):
    with pytest.raises(SystemExit) as ended:
        main(["report", "hours", "--lang", lang])
    err = capsys.readouterr().err
    assert ended.value.code == 2 and words in err and len(err.strip().splitlines()) == 1


def test_an_unknown_argument_in_norwegian(capsys):
    with pytest.raises(SystemExit):
        main(["--lang", "nb", "list", "clients", "--colour"])
    assert "ukjente argumenter: --colour" in capsys.readouterr().err
