"""The Swedish catalog is complete (no untranslated or fuzzy message, every plural form filled), its
compiled .mo is the one the .po describes, and the app speaks Swedish when asked to."""

from __future__ import annotations

import gettext
import subprocess

import pytest

from bpa_provider import i18n
from bpa_provider.locale import extract
from bpa_provider.screens.widgets.nav import NavList

FOLDER = extract.HERE / "sv" / "LC_MESSAGES"
PO = FOLDER / "bpa.po"


def _empty_translations(text: str) -> list[str]:
    """msgids whose msgstr (or one of whose plural forms) is empty; the header is skipped."""
    empty: list[str] = []
    lines = text.splitlines()
    msgid = ""
    for i, line in enumerate(lines):
        if line.startswith("msgid "):
            msgid = line[6:]
        elif line.startswith(("msgstr ", "msgstr[")) and line.endswith(' ""') and msgid != '""':
            follows = lines[i + 1] if i + 1 < len(lines) else ""
            if not follows.startswith('"'):  # a wrapped msgstr starts with "" and goes on below
                empty.append(msgid)
    return empty


def test_every_message_in_the_code_has_a_swedish_translation():
    entries = extract.po_entries(PO.read_text(encoding="utf-8"))
    missing = [f"{m.msgid!r} ({m.places[0]})" for m in extract.collect() if not entries.get(m.msgid)]
    assert not missing, "run python -m bpa_provider.locale.extract, then translate in sv:\n" + "\n".join(missing)


def test_no_fuzzy_or_empty_entry_in_the_swedish_catalog():
    text = PO.read_text(encoding="utf-8")
    fuzzy = [line for line in text.splitlines() if line.startswith("#,") and "fuzzy" in line]
    assert not fuzzy, f"{len(fuzzy)} fuzzy entries in {PO}"
    empty = _empty_translations(text)
    assert not empty, "untranslated (or a plural form missing):\n" + "\n".join(empty)
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in text


@pytest.mark.needs_tool("msgfmt")  # GNU gettext; fails under CI=true (tests/tooling.py)
def test_committed_swedish_mo_matches_the_po(tmp_path):
    fresh = tmp_path / "bpa.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(PO)], check=True)
    with fresh.open("rb") as a, (FOLDER / "bpa.mo").open("rb") as b:
        assert dict(gettext.GNUTranslations(a)._catalog) == dict(gettext.GNUTranslations(b)._catalog)


def test_labels_are_swedish():
    assert i18n.set_language("sv") == "sv"
    _ = i18n._
    assert _("Clients") != "Clients"
    assert (_("Clients"), _("Decision"), _("Work supervisor"), _("Municipality")) == (
        "Kunder",
        "Beslut",
        "Arbetsledare",
        "Kommun",
    )
    assert _("Försäkringskassan") == "Försäkringskassan"
    assert i18n.ngettext("{n} day", "{n} days", 1).format(n=1) == "1 dag"
    assert i18n.ngettext("{n} day", "{n} days", 3).format(n=3) == "3 dagar"
    # Placeholders survive translation.
    assert _("Shift {id} cancelled.").format(id=7) == "Pass 7 har ställts in."


async def test_the_app_speaks_swedish(make_app):
    app = make_app(lang="sv")
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        nav = app.screen.query_one(NavList)
        labels = [str(nav.get_option_at_index(i).prompt) for i in range(nav.option_count)]
        assert "2 Kunder" in labels and "3 Assistenter" in labels and "1 Översikt" in labels
