"""Transfer, handover and signing refusals are raised as message ids (English `.message`) and
translated where they are shown, in the language in force then (issue 14 item 2)."""

from __future__ import annotations

import pytest
from transfer_builders import build

from bpa_provider import i18n
from bpa_provider.errors import NotFound, ValidationError
from bpa_provider.i18n import Msg
from bpa_provider.services import transfers as tr
from bpa_provider.services.handover_validate import _schema_errors
from bpa_provider.signing import SignatureError, check_provider_name, verify_bytes


@pytest.fixture
def lang():
    yield i18n.set_language
    i18n.set_language("en")


def test_transfer_refusals_are_translated_where_shown(db, coord, lang):
    build(db, coord, assistants=0)
    with pytest.raises(ValidationError) as exc:  # raised in English ...
        tr.open_transfer(db, coord, "K-9999", "out", "", "2026-03-01")
    assert "No client 'K-9999'" in exc.value.message
    assert "Other provider is required" in exc.value.message
    lang("nb")  # ... shown in Norwegian
    shown = exc.value.localized()
    assert "K-9999" in shown and "No client" not in shown and "is required" not in shown
    with pytest.raises(NotFound) as missing:
        tr.get_transfer(db, coord, 999)
    assert missing.value.message == "Transfer 999 does not exist"
    lang("sv")
    assert missing.value.localized() != missing.value.message and "999" in missing.value.localized()


def test_signing_and_schema_problems_are_translated_where_shown(lang):
    with pytest.raises(SignatureError) as bad:
        verify_bytes(b"{}", "not a signature", {})
    with pytest.raises(ValueError) as name:
        check_provider_name("")
    (extra,) = [e for e in _schema_errors({"schema_version": 1, "zzz": 1}) if e.field == "package"]
    assert "OpenSSH" in str(bad.value) and str(name.value) == "a provider name is required"
    assert extra.text == 'has fields a handover package does not have: "zzz"'
    lang("nb")
    assert bad.value.localized().startswith("signaturen er ikke")
    assert name.value.localized() == "et leverandørnavn må fylles ut"
    assert extra.localized() == 'har felt som en overføringspakke ikke har: "zzz"'


def test_change_and_warning_lists_follow_the_reader(db, coord, lang):
    """What a transfer write did is returned as message ids with values, not as text translated
    when it was built: the same result reads in the language and date format of whoever shows it."""
    w = build(db, coord, assistants=1)
    v = tr.open_transfer(db, coord, w.client, "out", "New AS", "2026-01-31")  # effective 30.04.2026
    v = tr.inform_assistant(db, coord, v.id, w.assistants[0], "2026-04-20", "2026-05-04")
    (late,) = v.changes
    assert isinstance(late, Msg) and "not before the effective date 30.04.2026" in str(late)
    lang("sv")
    assert "2026-04-30" in str(late) and "not before" not in str(late)
    lang("nb")
    assert "30.04.2026" in str(late) and "not before" not in str(late)
