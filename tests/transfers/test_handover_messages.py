"""Receipts and cancellation messages between the two providers: signed, addressed, and acted on
by the other side (issue 13, deliverable 2)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime

import pytest
from handover_keys import pair
from sqlalchemy import select
from transfer_builders import build

from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import Client, HandoverExport, Transfer
from bpa_provider.errors import ValidationError
from bpa_provider.services import handover as ho
from bpa_provider.services import transfers as tr

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)


@pytest.fixture
def b_db(tmp_path, sqlite_template):
    path = tmp_path / "b.sqlite3"
    shutil.copy(sqlite_template, path)
    database = Database(make_engine(f"sqlite:///{path}"))
    yield database
    database.dispose()


def _handed_over(db, b_db, coord, tmp_path):
    keys = pair(tmp_path)
    w = build(db, coord, assistants=1)
    v = tr.open_transfer(db, coord, w.client, "out", "New Provider AS", "2026-01-31")
    r = ho.export_package(db, coord, v.id, tmp_path / "pkg", keys=keys.a, now=NOW)
    got = ho.import_package(b_db, coord, r.json_path, keys=keys.b)
    return keys, v.id, got.transfer_id, r.sha256


def test_receipt_goes_back_and_is_recorded(db, b_db, coord, tmp_path):
    keys, a_id, b_id, sha = _handed_over(db, b_db, coord, tmp_path)
    receipt = ho.export_message(b_db, coord, b_id, "receipt", tmp_path / "r", keys=keys.b, now=NOW)
    got = ho.import_package(db, coord, receipt.json_path, keys=keys.a)
    assert (got.kind, got.transfer_id, got.signed_by) == ("receipt", a_id, "New Provider AS")
    with db.read() as s:
        row = s.execute(select(HandoverExport).where(HandoverExport.direction == "receipt")).scalar_one()
    assert (row.sha256, row.stage) == (sha, "received")
    # B's own receipt is not for B, and A cannot send a receipt for an outgoing transfer.
    with pytest.raises(ValidationError, match="from this provider"):
        ho.import_package(b_db, coord, receipt.json_path, keys=keys.b)
    with pytest.raises(ValidationError, match="imported package"):
        ho.export_message(db, coord, a_id, "receipt", tmp_path / "x", keys=keys.a)


def test_a_cancels_and_b_closes_its_transfer(db, b_db, coord, tmp_path):
    keys, a_id, b_id, _sha = _handed_over(db, b_db, coord, tmp_path)
    with pytest.raises(ValidationError, match="not cancelled"):
        ho.export_message(db, coord, a_id, "cancellation", tmp_path / "c", keys=keys.a)
    tr.cancel_transfer(db, coord, a_id, "the client stays")
    msg = ho.export_message(db, coord, a_id, "cancellation", "-", keys=keys.a, now=NOW)
    got = ho.import_package(b_db, coord, raw=msg.envelope, keys=keys.b)
    assert (got.kind, got.transfer_id) == ("cancellation", b_id)
    with b_db.read() as s:
        t = s.get(Transfer, b_id)
        assert t.state == "cancelled" and "the client stays" in t.cancelled_reason
        assert s.execute(select(Client.status)).scalar_one() == "ended"  # rolled back: never started


def test_b_cancels_and_a_gets_its_client_back(db, b_db, coord, tmp_path):
    keys, a_id, b_id, _sha = _handed_over(db, b_db, coord, tmp_path)
    tr.cancel_transfer(b_db, coord, b_id, "the municipality did not sign")
    msg = ho.export_message(b_db, coord, b_id, "cancellation", tmp_path / "c", keys=keys.b, now=NOW)
    msg.json_path.write_text(msg.json_path.read_text().replace("did not sign", "did sign"))
    with pytest.raises(ValidationError, match="does not match"):
        ho.import_package(db, coord, msg.json_path, keys=keys.a)
    msg = ho.export_message(b_db, coord, b_id, "cancellation", tmp_path / "c2", keys=keys.b, now=NOW)
    got = ho.import_package(db, coord, msg.json_path, keys=keys.a)
    assert (got.kind, got.transfer_id) == ("cancellation", a_id)
    with db.read() as s:
        assert s.get(Transfer, a_id).state == "cancelled"
        assert s.execute(select(Client.status)).scalar_one() == "active"
