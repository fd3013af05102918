"""A list read as plain column values (`records.list_values`, issue 19) gives what the ORM page
(`records.list_records`) gives — national IDs masked for a reader who may not see them, a client's
status as of today — and `list KIND` writes, byte for byte, what it wrote from ORM objects."""

from __future__ import annotations

import io
from datetime import date, timedelta

import factories as f
import pytest
from sqlalchemy import update

from bench import list_floor
from bench.company import CLI
from bpa_provider.access import Actor
from bpa_provider.cli import main
from bpa_provider.cli.streaming import write_pages
from bpa_provider.db.models import Client
from bpa_provider.demo import load_demo
from bpa_provider.rules.national_id import mask
from bpa_provider.services import listing, records
from bpa_provider.services.listing import COLUMNS, KINDS

AUDITOR = Actor("audit", "auditor")  # reads everything, may not see national IDs


@pytest.fixture
def company(db, admin):
    load_demo(db, admin, seed=4, clients=5, assistants=12, months=1, today=date(2026, 5, 14))
    # A prospect whose start date has come reads as active (services/client_status.py).
    with db.write() as s:
        s.execute(
            update(Client)
            .where(Client.ref == "K-0002")
            .values(status="prospect", start_date=date.today() - timedelta(days=3))
        )
    return db


def _old_rows(db, actor, kind):
    """The display rows as listing.rows made them from ORM objects before this change."""
    page = records.list_records(db, actor, kind, limit=10_000)
    refs = {
        model: listing._names(db, model, {getattr(r, field) for r in page.rows if hasattr(r, field)} - {None}, col)
        for model, field, col in (
            (listing.Client, "client_id", "ref"),
            (listing.Assistant, "assistant_id", "ref"),
            (listing.Municipality, "municipality_id", "name"),
            (listing.Supervisor, "supervisor_id", "ref"),
        )
    }
    out = []
    for r in page.rows:
        d = r.model_dump()
        if "national_id" in d:
            d["national_id"] = mask(d["national_id"])
        for model, field, key in (
            (listing.Client, "client_id", "client"),
            (listing.Assistant, "assistant_id", "assistant"),
            (listing.Municipality, "municipality_id", "municipality"),
            (listing.Supervisor, "supervisor_id", "supervisor"),
        ):
            if field in d:
                d[key] = refs[model].get(d[field], "")
        out.append(d)
    if kind == "supervisor":  # the clients column: compared through listing's own (unchanged) code
        shown = {d["id"]: d["clients"] for d in listing.rows(db, actor, kind)[0]}
        for d in out:
            d["clients"] = shown[d["id"]]
    return out, page.total


@pytest.mark.parametrize("kind", sorted(set(KINDS.values())))
def test_values_equal_the_orm_page(company, admin, kind):
    for actor in (admin, AUDITOR):
        page = records.list_records(company, actor, kind, limit=10_000)
        values, total = records.list_values(company, actor, kind, limit=10_000)
        assert total == page.total and values == [r.model_dump() for r in page.rows], (kind, actor.role)
        part = records.list_values(company, actor, kind, offset=2, limit=3, search="a")
        orm = records.list_records(company, actor, kind, offset=2, limit=3, search="a")
        assert part == ([r.model_dump() for r in orm.rows], orm.total)
    if kind == "client":
        assert {d["ref"]: d["status"] for d in values}["K-0002"] == "active"
    if kind in ("client", "assistant"):
        ids = [d["national_id"] for d in records.list_values(company, AUDITOR, kind, limit=10_000)[0]]
        assert ids and all(i == mask(i) for i in ids)  # masked for a reader who may not see them


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("kind", sorted(set(KINDS.values())))
def test_the_list_writes_what_it_wrote_from_objects(company, admin, kind, fmt):
    def written(rows):
        out = io.StringIO()
        write_pages(out, [rows], fmt, COLUMNS[kind])
        return out.getvalue()

    streamed = io.StringIO()
    write_pages(streamed, (p for p, _t in listing.pages(company, admin, kind)), fmt, COLUMNS[kind])
    old, total = _old_rows(company, admin, kind)
    assert total > 0 and streamed.getvalue() == written(old)


def test_the_list_floor_writes_the_commands_output(tmp_path, admin):
    path = str(tmp_path / "demo.sqlite3")
    assert main(["--db", path, "demo", "--clients", "4", "--months", "1", "--seed", "3"]) == 0
    from bpa_provider.db.engine import open_database

    db = open_database(f"sqlite:///{path}")
    try:
        f.assistant(db, admin, name="=HYPERLINK(1) Per", phone="+47 900 00 000")  # a guarded cell
    finally:
        db.dispose()
    said = list_floor.check(path, CLI)
    assert said.startswith("equal (") and said != "equal (0 rows)"
    assert "'=HYPERLINK(1) Per" in list_floor.floor_text(path)
