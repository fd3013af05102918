"""The Norwegian catalog is complete and its compiled .mo is the one the .po describes."""

from __future__ import annotations

import gettext
import subprocess

import pytest

from bpa_provider.locale import extract


def test_every_message_in_the_code_has_a_norwegian_translation():
    missing = [p for p in extract.problems() if p.startswith("nb:")]
    assert not missing, "run python -m bpa_provider.locale.extract, then translate:\n" + "\n".join(missing)


@pytest.mark.needs_tool("msgfmt")  # GNU gettext; fails under CI=true (tests/tooling.py)
def test_committed_mo_matches_the_po(tmp_path):
    folder = extract.HERE / "nb" / "LC_MESSAGES"
    fresh = tmp_path / "bpa.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(folder / "bpa.po")], check=True)
    with fresh.open("rb") as a, (folder / "bpa.mo").open("rb") as b:
        assert dict(gettext.GNUTranslations(a)._catalog) == dict(gettext.GNUTranslations(b)._catalog)


def test_extractor_finds_calls_spec_labels_and_plurals(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        'x = _("One")\ny = N_("Two")\nz = ngettext("{n} day", "{n} days", 2)\n'
        'f = _T("name", "Label", hint="A hint")\ne = EntitySpec("k", None, "Thing", "k", ())\n'
        'not_this = print("Three")\n',
        encoding="utf-8",
    )
    found = [(m, p) for m, p, _line in extract.strings_in(source)]
    assert found == [
        ("One", None),
        ("Two", None),
        ("{n} day", "{n} days"),
        ("Label", None),
        ("A hint", None),
        ("Thing", None),
    ]
