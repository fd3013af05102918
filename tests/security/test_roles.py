"""Every service × every role: allowed or refused exactly as `access.PERMISSIONS` says.

The service functions are discovered (every `@service` in bpa_provider/services), so a new one is
covered the day it is written. Each module's `require` is wrapped to record the permission the
service checks first; the role table then says whether the call must be refused. Most services
check before they read their arguments, so placeholder arguments are enough; those that load a
row first (to check a supervisor's client) get real rows of the supervisor's own client (ARGS).
A service that reaches no permission check at all fails the test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import factories as f
import pytest
from sqlalchemy import select

import bpa_provider.services as services_pkg
from bpa_provider.access import PERMISSIONS, ROLES, Actor
from bpa_provider.db.engine import Database, make_engine
from bpa_provider.db.models import RotaPattern, Shift, Supervision
from bpa_provider.errors import NotFound, PermissionDenied
from bpa_provider.services import base, listing, periods, records, roster, users, worktime

SCOPE_WORDS = ("own client", "your own")


def _discover() -> dict[str, Callable[..., Any]]:
    found = {}
    for info in sorted(pkgutil.iter_modules(services_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"bpa_provider.services.{info.name}")
        for name, fn in list(vars(module).items()):
            if (
                callable(fn)
                and getattr(fn, "__module__", None) == module.__name__
                and hasattr(fn, "__wrapped__")
                and getattr(fn, "__code__", None) is not None
                and fn.__code__.co_filename == base.__file__
            ):
                found[f"{info.name}.{name}"] = fn
    return found


SERVICES = _discover()
KINDS = sorted(records.SPECS)


def _records_args(fn: str, kind: str) -> Callable[[dict], tuple]:
    def build(ids: dict) -> tuple:
        rid = ids[kind]
        return {
            "create": (kind, {}),
            "update": (kind, rid, None, {}),
            "end": (kind, rid, None, "2026-12-31"),
            "get": (kind, rid),
            "find_id": (kind, rid),
            "list_records": (kind,),
            "list_values": (kind,),
            "reveal_national_id": (kind, rid),
        }[fn]

    return build


def _name(fn: Callable[..., Any]) -> str:
    """A service's name as `_discover` keys it: the module that defines it, then the function (a
    service moved by a split, e.g. records' reads into record_reads, keeps its real arguments)."""
    return f"{fn.__module__.rsplit('.', 1)[1]}.{fn.__name__}"


# Services that need real arguments: name -> {variant: builder(ids) -> positional args}.
ARGS: dict[str, dict[str, Callable[[dict], tuple]]] = {
    **{
        _name(getattr(records, fn)): {
            kind: _records_args(fn, kind)
            for kind in KINDS
            if not (fn == "end" and records.SPECS[kind].end_field is None)
            and not (fn == "reveal_national_id" and not hasattr(records.SPECS[kind].model, "national_id"))
        }
        for fn in ("create", "update", "end", "get", "find_id", "list_records", "list_values", "reveal_national_id")
    },
    "listing.rows": {kind: (lambda ids, kind=kind: (kind,)) for kind in listing.KINDS.values()},
    _name(roster.update_shift): {"own": lambda ids: (ids["shift"], None)},
    _name(roster.cancel_shift): {"own": lambda ids: (ids["shift"], None)},
    _name(roster.reassign_shift): {"own": lambda ids: (ids["shift"], None, ids["assistant"])},
    _name(roster.update_pattern): {"own": lambda ids: (ids["pattern"], None)},
    _name(roster.get_shift): {"own": lambda ids: (ids["shift"],)},
    _name(periods.decide_deviation): {"own": lambda ids: (ids["shift"], None, True)},
    _name(worktime.acknowledge_warning): {"own": lambda ids: (ids["shift"], "NO-REST-DAILY", "ok")},
}

CASES = [(name, variant) for name in SERVICES for variant in (ARGS.get(name) or {"placeholders": None})]


@pytest.fixture(scope="module")
def world(tmp_path_factory, sqlite_template):
    """A small database: the supervisor S-0001 leads K-0001; K-0002 is someone else's client."""
    d = tmp_path_factory.mktemp("roles")
    shutil.copy(sqlite_template, d / "template.sqlite3")
    db = Database(make_engine(f"sqlite:///{d / 'template.sqlite3'}"))
    admin = Actor("admin", "admin")
    muni = f.municipality(db, admin)
    own = f.client(db, admin, national_id=f.valid_fnr())
    other = f.client(db, admin, name="Ola Nordmann")
    decision = f.decision(db, admin, own.ref)
    sup = records.create(db, admin, "supervisor", {"name": "Siv", "client_id": own.ref, "since": "2025-01-01"})
    asst = f.assistant(db, admin, national_id=f.valid_fnr())
    emp = f.employment(db, admin, asst.ref)
    asg = f.assignment(db, admin, asst.ref, own.ref)
    with db.write() as s:
        supervision = s.execute(select(Supervision.id)).scalar_one()
        shift = Shift(
            client_id=own.id,
            assistant_id=asst.id,
            start_utc=datetime(2026, 3, 2, 7, tzinfo=UTC),
            end_utc=datetime(2026, 3, 2, 15, tzinfo=UTC),
            deviation_status="pending",
        )
        pattern = RotaPattern(
            client_id=own.id,
            assistant_id=asst.id,
            weekdays="0,2",
            start_time=time(8),
            end_time=time(16),
            valid_from=date(2026, 3, 2),
        )
        s.add_all([shift, pattern])
        s.flush()
        ids = {
            "municipality": muni.id,
            "client": own.id,
            "decision": decision.id,
            "supervisor": sup.id,
            "supervision": supervision,
            "assistant": asst.id,
            "employment": emp.id,
            "assignment": asg.id,
            "shift": shift.id,
            "pattern": pattern.id,
            "other_client": other.id,
            "sup_id": sup.id,
            "other_ref": other.ref,
            "assistant_ref": asst.ref,
            "sup_ref": sup.ref,
        }
    users.add_user(db, admin, "sup", "supervisor", sup.ref)
    db.dispose()
    return d, ids


def _actor(role: str, ids: dict) -> Actor:
    if role == "supervisor":
        return Actor("sup", role, supervisor_id=ids["sup_id"], client_scope=frozenset({ids["client"]}))
    return Actor(f"a-{role}", role)


def _placeholders(fn: Callable[..., Any]) -> tuple[tuple, dict]:
    params = list(inspect.signature(fn.__wrapped__).parameters.values())[2:]
    args = tuple(None for p in params if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD)
    kwargs = {p.name: None for p in params if p.default is p.empty and p.kind is p.KEYWORD_ONLY}
    return args, kwargs


@pytest.mark.filterwarnings("ignore:fully NULL primary key")  # placeholder ids
@pytest.mark.parametrize("name, variant", CASES, ids=[f"{n}[{v}]" for n, v in CASES])
def test_service_allows_and_refuses_per_role_table(name, variant, world, tmp_path, monkeypatch):
    template, ids = world
    shutil.copy(template / "template.sqlite3", tmp_path / "db.sqlite3")
    db = Database(make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    checked: list[str] = []
    real_require = base.require

    def recording_require(actor: Actor, permission: str, **kw: Any) -> None:
        checked.append(permission)
        return real_require(actor, permission, **kw)

    for info in pkgutil.iter_modules(services_pkg.__path__):
        module = importlib.import_module(f"bpa_provider.services.{info.name}")
        if getattr(module, "require", None) is real_require:
            monkeypatch.setattr(module, "require", recording_require)
    fn = SERVICES[name]
    if variant == "placeholders":
        args, kwargs = _placeholders(fn)
    else:
        args, kwargs = ARGS[name][variant](ids), {}
    try:
        for role in ROLES:
            checked.clear()
            try:
                fn(db, _actor(role, ids), *args, **kwargs)
                refused, message = False, ""
            except PermissionDenied as exc:
                refused, message = True, exc.message
            except Exception:  # noqa: BLE001 - placeholder arguments: only the permission matters here
                refused, message = False, ""
            assert checked, f"{name} reached no permission check as {role}"
            must_refuse = checked[0] not in PERMISSIONS[role]
            scope = role == "supervisor" and any(w in message.lower() for w in SCOPE_WORDS)
            assert refused == must_refuse or (refused and scope), (
                f"{name}[{variant}] as {role}: checks {checked[0]!r}, {'refused' if refused else 'allowed'} ({message})"
            )
    finally:
        db.dispose()


@pytest.fixture
def scoped(world, tmp_path):
    template, ids = world
    shutil.copy(template / "template.sqlite3", tmp_path / "db.sqlite3")
    db = Database(make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    yield db, ids, Actor("sup", "supervisor", supervisor_id=ids["sup_id"])
    db.dispose()


def test_supervisor_scope_on_records(scoped):
    db, ids, sup = scoped
    assert records.get(db, sup, "client", ids["client"]).ref == "K-0001"
    with pytest.raises(PermissionDenied):
        records.get(db, sup, "client", ids["other_client"])
    assert [c.ref for c in records.list_records(db, sup, "client").rows] == ["K-0001"]
    assert [r["ref"] for r in listing.rows(db, sup, "client")[0]] == ["K-0001"]
    for kind in ("municipality", "supervisor", "employment"):
        with pytest.raises(PermissionDenied):
            records.list_records(db, sup, kind)
    with pytest.raises(PermissionDenied):
        records.reveal_national_id(db, sup, "client", ids["client"])


def test_supervisor_cannot_get_an_assistant_of_another_client(scoped):
    db, ids, sup = scoped
    admin = Actor("admin", "admin")
    stranger = f.assistant(db, admin, name="Fremmed Assistent")
    with pytest.raises(PermissionDenied):
        records.get(db, sup, "assistant", stranger.id)


# ------------------------------------------------------------------ client scope, asserted
# Every service that takes a client, called by the supervisor of K-0001 on K-0002: refused, and
# refused *for the client* (not only because the role lacks the permission). The parameters are
# named after what they hold; `_scope_args` fills them, the client one with the other client.


def _takes_client(fn: Callable[..., Any]) -> bool:
    return any("client" in p for p in list(inspect.signature(fn.__wrapped__).parameters)[2:])


SCOPE_CASES = sorted(name for name, fn in SERVICES.items() if _takes_client(fn))
MONDAY = date(2026, 3, 2)


def _scope_args(fn: Callable[..., Any], ids: dict) -> tuple[tuple, dict]:
    """Real-looking arguments for everything, the other client where a client is asked for."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for p in list(inspect.signature(fn.__wrapped__).parameters.values())[2:]:
        name, hint = p.name, str(p.annotation)
        if "client" in name:
            value: Any = ids["other_ref"] if name.endswith("_ref") or hint.startswith("str") else ids["other_client"]
        elif p.default is not p.empty:
            continue
        elif name.startswith("supervisor"):
            value = ids["sup_id"]
        elif name.startswith("assistant"):
            value = ids["assistant_ref"] if name.endswith("_ref") else ids["assistant"]
        elif name in ("today", "week_start", "first", "on", "held_on", "notice_date", "start"):
            value = MONDAY
        elif name in ("last_exclusive", "end"):
            value = MONDAY + timedelta(days=7)
        elif name in ("year", "month"):
            value = {"year": 2026, "month": 3}[name]
        elif name == "people":
            value = [ids["assistant_ref"]]
        elif name in ("weekdays",):
            value = "0"
        elif name in ("start_time", "end_time"):
            value = "08:00" if name == "start_time" else "16:00"
        elif name == "valid_from":
            value = MONDAY
        else:
            value = None
        if p.kind is p.KEYWORD_ONLY:
            kwargs[name] = value
        else:
            args.append(value)
    return tuple(args), kwargs


def test_every_service_that_takes_a_client_is_in_the_scope_cases():
    assert len(SCOPE_CASES) >= 20  # the discovery found them (and a rename does not empty the list)


# Lists that take a client as a filter leave another client's rows out rather than refuse:
# asserted on rows of the other client that the admin does see.
FILTERS = {"course_credentials.required_trainings", "reviews.list_reviews"}


def _seed_other_client(db: Database, ids: dict) -> None:
    from bpa_provider.services import course_credentials, courses, reviews

    admin = Actor("admin", "admin")
    course = courses.create_course(
        db, admin, {"name": "Løfteteknikk", "kind": "assistant_training", "hours": 6, "organiser": "Uloba"}
    )
    course_credentials.set_required_training(db, admin, ids["other_ref"], course.id)
    f.assignment(db, admin, ids["assistant_ref"], ids["other_ref"], start_date="2026-01-01")
    reviews.record_review(db, admin, ids["assistant_ref"], ids["other_ref"], "2026-03-02", summary="ok")


@pytest.mark.filterwarnings("ignore:fully NULL primary key")
@pytest.mark.parametrize("name", SCOPE_CASES)
def test_supervisor_is_refused_on_a_client_outside_their_scope(name, world, tmp_path, monkeypatch):
    """Refused for the client wherever the role itself allows the action (with the per-client
    check in `base.require` switched off, these cases fail)."""
    template, ids = world
    shutil.copy(template / "template.sqlite3", tmp_path / "db.sqlite3")
    db = Database(make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}"))
    checked: list[str] = []
    real_require = base.require

    def recording_require(actor: Actor, permission: str, **kw: Any) -> None:
        checked.append(permission)
        return real_require(actor, permission, **kw)

    module = importlib.import_module(SERVICES[name].__module__)
    monkeypatch.setattr(module, "require", recording_require)
    sup = _actor("supervisor", ids)
    args, kwargs = _scope_args(SERVICES[name], ids)
    try:
        if name == "sweden_reports.fk_time_report":  # Swedish clients only: another Swedish client is "not found"
            from bpa_provider.rules.national_id import make_se

            admin = Actor("admin", "admin")
            f.municipality(db, admin, "Bjuv", country="se", timezone="Europe/Stockholm")
            se = f.client(db, admin, "Bjuv", name="Sven Svensson", national_id=make_se(date(1970, 1, 1), 123))
            SERVICES[name](db, admin, 2026, 3, client_ref=se.ref)  # the admin may see it
            with pytest.raises(NotFound, match="that you may see"):
                SERVICES[name](db, sup, 2026, 3, client_ref=se.ref)
            return
        if name in FILTERS:
            _seed_other_client(db, ids)
            assert SERVICES[name](db, Actor("admin", "admin"), *args, **kwargs), "the other client has rows"
            try:
                assert SERVICES[name](db, sup, *args, **kwargs) == []
            except NotFound as exc:  # a reference outside the scope reads as one that does not exist
                assert "no client" in exc.message
            return
        try:
            SERVICES[name](db, sup, *args, **kwargs)
        except NotFound as exc:
            # Looked up by reference: refused in the words of a client that does not exist, so a
            # supervisor cannot probe who exists elsewhere (docs/privacy.md).
            assert "no client" in exc.message, exc.message
            return
        except PermissionDenied as exc:
            refused = exc
        else:
            pytest.fail(f"{name}: a supervisor was not refused another client")
    finally:
        db.dispose()
    message = refused.message.lower()
    assert checked, f"{name} reached no permission check"
    if checked[0] in PERMISSIONS["supervisor"]:
        assert any(w in message for w in SCOPE_WORDS), f"{name}: refused, but not for the client: {message}"
    else:
        assert "may not" in message, message  # the role lacks it: test_service_allows_... covers it
