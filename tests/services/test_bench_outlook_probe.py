"""bench/dash_probe.py's `hours_first` and `hours_changed`: before each timed run the stored
outlook is made stale (every client, or the one whose shift is touched) and the run stores it
again; nothing but the stored outlook changes, so the cached bench databases keep every other
row's figures."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bench import dash_probe
from bpa_provider.db.models import HourOutlook, Shift

TODAY = date.today()


def _outlook(db) -> dict[int, tuple]:
    with db.read() as s:
        return {
            r[0]: tuple(r[1:]) for r in s.execute(select(HourOutlook.client_id, HourOutlook.as_of, HourOutlook.flag))
        }


@pytest.mark.parametrize("what", ["hours_first", "hours_changed"])
def test_the_probe_recomputes_and_leaves_the_rest_as_it_was(sqlite_db, admin, what):
    from bpa_provider.demo import load_demo

    load_demo(sqlite_db, admin, seed=3, clients=5, assistants=12, months=4, today=TODAY)
    url = sqlite_db.engine.url.render_as_string(hide_password=False)
    run, prepare = dash_probe._probe(what, url)
    run()
    with sqlite_db.read() as s:
        shifts = s.execute(select(Shift.id, Shift.note, Shift.version, Shift.updated_at).order_by(Shift.id)).all()
    fresh = _outlook(sqlite_db)
    assert all(as_of == TODAY for as_of, _flag in fresh.values())
    prepare()
    with sqlite_db.read() as s:
        stale = (
            s.execute(
                select(HourOutlook.client_id).where(
                    (HourOutlook.as_of.is_(None)) | (HourOutlook.changes != HourOutlook.computed_changes)
                )
            )
            .scalars()
            .all()
        )
    assert len(stale) == (len(fresh) if what == "hours_first" else 1)
    section = run()
    assert _outlook(sqlite_db) == fresh  # computed and stored again, the same
    assert section.total == len([f for _d, f in fresh.values() if f not in (None, "ok")])
    with sqlite_db.read() as s:
        assert (
            s.execute(select(Shift.id, Shift.note, Shift.version, Shift.updated_at).order_by(Shift.id)).all() == shifts
        )
