"""A synthetic BPA provider for trying the app and for benchmarks (`bpa-provider demo`).

Deterministic for a seed: every name, reference, national ID and number comes from one
`random.Random(seed)`; only the calendar is relative to "today" (passed in, so tests can fix it).
National IDs are synthetic but valid (`rules.national_id.make_no` / `make_se`), never real people's.

The company: the municipalities of the domain reference (Hamar with its unit PAO, Drammen with
"Tjenestetildeling og koordinerende enhet", Stange, Saltdal, Nordreisa, Oslo and Swedish Bjuv),
contract rates and Sweden's state rates, coordinators, an auditor and a supervisor user; clients
with decisions of 10-80 h/week; supervisors (the client, a parent, a spouse); assistants with
employments and assignments; a weekly rota per client expanded into shifts over the months up to
today (worked/approved) and four weeks ahead (planned); courses, onboarding, reviews, and one
provider switch in progress each way. Every client's months before last month are approved,
locked and exported to payroll, as at a provider that runs payroll monthly (last month's payroll
is still to run), with their hour-ledger rows (services/hour_ledger.py) written as a lock writes
them.

The rota is built so that the working-time rules stay quiet except where a problem is planted on
purpose (a few short rests, two new assistants with shifts but no police certificate): each
assistant's two-week template is checked for overlap, 11 h daily rest, 36 h weekly rest (Sweden's
floor; Norway asks 35), 40 h a week and Sundays before a block of shifts is given to them. The rota
repeats every two weeks so that nobody works two Sundays in a row (NO-SUNDAY, arbeidsmiljøloven
§ 10-8 (4): after Sunday work the next Sunday is off; a Sunday counts from 18:00 the day before to
22:00): a seven-day line is shared by two assistants who swap its two blocks every week (Monday to
Thursday one week, Friday to Sunday the next: each week keeps its weekly rest, as the old weekly
blocks did), and any other line that touches a
Sunday gives its Sunday work in odd weeks to a second assistant. Public holidays are not planned
around.

Rows go in with SQLAlchemy Core `insert()` and executemany lists; the shifts, streamed in chunks,
as tuples straight to the driver (`_ShiftWriter`), so two million take minutes, not hours. The
whole load is one transaction with one audit event.
"""

from __future__ import annotations

import random
import time as _time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, insert, select
from sqlalchemy.engine import Connection

from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.db.engine import Database
from bpa_provider.db.models import (
    Assignment,
    Assistant,
    Client,
    Course,
    CourseEnrollment,
    CourseSession,
    Decision,
    Employment,
    HourBalanceEntry,
    HourlyRate,
    Municipality,
    OnboardingStep,
    PeriodApproval,
    Review,
    RotaPattern,
    Shift,
    Supervision,
    Supervisor,
    Transfer,
    TransferAssistant,
    TransferStep,
    User,
)
from bpa_provider.db.types import utcnow
from bpa_provider.errors import ValidationError
from bpa_provider.rules import national_id as nid
from bpa_provider.rules import transfer_flow, transfer_steps
from bpa_provider.rules.calendar import effective_date
from bpa_provider.services import course_expiry, onboarding_due, review_due_store
from bpa_provider.services.base import require, service

COMPANY = "Demo Assistanse AS"
SHIFT_CHUNK = 20_000

# name, country, time zone, case unit, share of clients, contract rate per hour (currency)
MUNICIPALITIES: tuple[tuple[str, str, str, str, int, float], ...] = (
    ("Oslo", "NO", "Europe/Oslo", "Bydelens tildelingskontor", 28, 520.0),
    ("Drammen", "NO", "Europe/Oslo", "Tjenestetildeling og koordinerende enhet", 18, 498.0),
    ("Hamar", "NO", "Europe/Oslo", "PAO", 14, 489.0),
    ("Stange", "NO", "Europe/Oslo", "Tildelingskontoret", 9, 484.0),
    ("Saltdal", "NO", "Europe/Oslo", "Tildelingskontoret", 6, 479.0),
    ("Nordreisa", "NO", "Europe/Oslo", "Tildelingskontoret", 6, 481.0),
    ("Bjuv", "SE", "Europe/Stockholm", "Vård- och omsorgsförvaltningen", 19, 338.0),
)


def _money(amount: float) -> Decimal:
    """A made-up amount as the exact decimal stored: rounded to øre as before (the same figures
    for the same seed), then turned into a Decimal through its text, never its binary value."""
    return Decimal(str(round(amount, 2)))


SE_STATE_RATES = ((date(2023, 1, 1), 324.50), (date(2024, 1, 1), 332.60))

NO_FIRST = (
    "Kari",
    "Ola",
    "Ingrid",
    "Per",
    "Sigrid",
    "Lars",
    "Astrid",
    "Nils",
    "Solveig",
    "Jon",
    "Marit",
    "Bjørn",
    "Liv",
    "Erik",
    "Anne",
    "Knut",
    "Hilde",
    "Arne",
    "Randi",
    "Tor",
    "Silje",
    "Magnus",
    "Nora",
    "Emil",
    "Ida",
    "Jonas",
    "Thea",
    "Henrik",
    "Maja",
    "Sander",
    "Ragnhild",
    "Eirik",
    "Tone",
    "Håkon",
    "Guro",
    "Øystein",
    "Åse",
    "Vegard",
    "Kristin",
    "Mathias",
    "Amina",
    "Ali",
)
NO_LAST = (
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Dahl",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Bakken",
    "Martinsen",
    "Rasmussen",
    "Lie",
    "Nygård",
    "Aas",
    "Eide",
    "Haugland",
    "Øien",
    "Sæther",
)
SE_FIRST = (
    "Anna",
    "Erik",
    "Maria",
    "Lars",
    "Karin",
    "Anders",
    "Eva",
    "Johan",
    "Sara",
    "Per",
    "Lena",
    "Mikael",
    "Emma",
    "Olof",
    "Kerstin",
    "Nils",
    "Elsa",
    "Gustav",
    "Ingrid",
    "Axel",
)
SE_LAST = (
    "Andersson",
    "Johansson",
    "Karlsson",
    "Nilsson",
    "Eriksson",
    "Larsson",
    "Olsson",
    "Persson",
    "Svensson",
    "Gustafsson",
    "Pettersson",
    "Jonsson",
    "Jansson",
    "Hansson",
    "Bengtsson",
    "Lindberg",
    "Lindström",
    "Berglund",
    "Sandberg",
    "Holm",
    "Åberg",
    "Öberg",
)

# name, kind, hours, validity in months
COURSES = (
    ("Arbeidslederkurs – grunnkurs", "supervisor_basic", 12.0, None),
    ("Arbeidslederkurs – oppfriskning", "supervisor_refresher", 4.0, None),
    ("Førstehjelp", "assistant_training", 4.0, 24),
    ("Forflytningsteknikk", "assistant_training", 3.0, 36),
)
ONBOARDING = (
    ("working_time_intro", "Introduction to the working-time rules", 14),
    ("first_rota", "First rota planned", 14),
    ("job_description", "Job description written", 30),
    ("basic_course", "Supervisor basic course", 90),
)
COUNTERPART_OUT = "Nordlys BPA AS"
COUNTERPART_IN = "Fjordtun Assistans AB"

# A template entry: day of the two-week rotation (0 = Monday of an even week, 7 = Monday of an
# odd one), start and end in minutes from that day's midnight (the end may pass 1440: a night).
# Weeks count from the Monday before the first shift day; their parity picks the rotation week.
Entry = tuple[int, int, int]
_WEEK = 7 * 1440
_FORTNIGHT = 2 * _WEEK
# The Sunday as NO-SUNDAY counts it: from 18:00 the day before to 22:00 (§ 10-8 (4)).
_SUNDAY = (5 * 1440 + 18 * 60, 6 * 1440 + 22 * 60)


# --------------------------------------------------------------------------- result


def _enrollment(
    course_id: int,
    session_id: int | None,
    client_id: int,
    completed_on: date | None,
    *,
    supervisor_id: int | None = None,
    assistant_id: int | None = None,
) -> dict[str, Any]:
    """A course enrollment row of a supervisor or an assistant: completed on `completed_on`, or
    still enrolled (None)."""
    return dict(
        course_id=course_id,
        session_id=session_id,
        supervisor_id=supervisor_id,
        assistant_id=assistant_id,
        client_id=client_id,
        status="enrolled" if completed_on is None else "completed",
        completed_on=completed_on,
        certificate_ref="",
    )


@dataclass(frozen=True)
class DemoSummary:
    """What the demo wrote."""

    seed: int
    first_day: date
    last_day: date
    counts: dict[str, int]
    seconds: float

    def lines(self) -> list[str]:
        c = self.counts
        return [
            f"Demo company loaded (seed {self.seed}), shifts {self.first_day:%d.%m.%Y}–{self.last_day:%d.%m.%Y}:",
            f"  {c['municipality']} municipalities, {c['client']} clients, {c['decision']} decisions, "
            f"{c['supervisor']} supervisors",
            f"  {c['assistant']} assistants, {c['employment']} employments, {c['assignment']} assignments",
            f"  {c['shift']} shifts, {c['review']} reviews, {c['course_enrollment']} course enrollments, "
            f"{c['transfer']} transfers",
            f"  users: {c['app_user']} (coordinators koord1, koord2; auditor revisor; supervisor arbeidsleder)",
            f"  in {self.seconds:.1f} s",
        ]


# --------------------------------------------------------------------------- weekly templates


def weekly(days: list[int], start: int, end: int) -> list[Entry]:
    """Entries for the same weekdays in both weeks of the rotation."""
    return [(w * 7 + d, start, end) for w in (0, 1) for d in days]


def sunday_weeks(entries: list[Entry]) -> set[int]:
    """The weeks (0, 1) of the rotation in which the entries work on the Sunday."""
    lo, hi = _SUNDAY
    return {d // 7 for d, s, e in entries if (d % 7) * 1440 + s < hi and (d % 7) * 1440 + e > lo}


def fits(template: list[Entry], new: list[Entry], *, max_minutes: int = 40 * 60) -> bool:
    """Whether an assistant with two-week `template` can also take `new` without breaking the
    overlap, 11 h daily rest, 9 h in 24 h for two shifts, 36 h weekly rest (Monday-Sunday), 40 h
    week and Sunday rules (a Sunday worked in one week of the rotation only, so the next one is
    always off)."""
    entries = template + new
    if len(sunday_weeks(entries)) > 1:
        return False
    spans = sorted(
        (c * _FORTNIGHT + d * 1440 + s, c * _FORTNIGHT + d * 1440 + e) for c in (0, 1) for d, s, e in entries
    )
    if any(b[0] - a[1] < 11 * 60 for a, b in zip(spans, spans[1:])):
        return False
    for i, (start, _end) in enumerate(spans):  # two shifts within 24 h: at most a 9 h normal day
        within = [(s, min(e, start + 1440)) for s, e in spans[i:] if s < start + 1440]
        if len(within) > 1 and sum(e - s for s, e in within) > 9 * 60:
            return False
    for w in (0, 1):
        week = sorted((d % 7 * 1440 + s, d % 7 * 1440 + e) for d, s, e in entries if d // 7 == w)
        if not week:
            continue
        if sum(e - s for s, e in week) > max_minutes:
            return False
        gaps = [week[0][0], _WEEK - week[-1][1]] + [b[0] - a[1] for a, b in zip(week, week[1:])]
        if max(gaps) < 36 * 60:
            return False
    return True


@dataclass
class _Line:
    """One daily shift of a client's rota on some weekdays, split into blocks of assistants."""

    name: str
    days: list[int]
    start: int  # minutes from midnight
    minutes: int
    kind: str = "active"
    # (days of the two-week rotation, assistant index); see `Entry`.
    blocks: list[tuple[list[int], int]] = field(default_factory=list)
    pattern_ids: list[tuple[int | None, int | None]] = field(default_factory=list)  # per block: week 0, week 1


@dataclass
class _Client:
    idx: int
    ref: str
    muni: int
    country: str
    tz: str
    born: date
    start: date
    hours: float  # decided hours per week, current year
    usage: float
    status: str = "active"
    lines: list[_Line] = field(default_factory=list)
    substitutes: list[int] = field(default_factory=list)
    regulars: list[int] = field(default_factory=list)
    decision_end: date | None = None  # the current decision's last day
    two_helper: float = 0.0
    night: bool = False
    id: int = 0


# --------------------------------------------------------------------------- generator


class _Demo:
    """Builds the company and inserts it, table by table, on one connection."""

    def __init__(self, conn: Connection, seed: int, n_clients: int, n_assistants: int, months: int, today: date):
        self.conn = conn
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_clients = n_clients
        self.n_assistants = n_assistants
        self.today = today
        self.first_day = today - relativedelta(months=months)
        self.ahead = today + timedelta(days=28)  # exclusive
        # What is past: now on a real run, noon UTC when a test fixes "today".
        self.now = utcnow() if today == date.today() else datetime.combine(today, time(12), tzinfo=UTC)
        self.stamp = utcnow()
        self.counts: dict[str, int] = {}
        self.used_ids: set[str] = set()
        self.templates: list[list[Entry]] = []
        self.assistant_country: list[str] = []
        self.assistant_ids: list[int] = []
        self.assistant_clients: list[list[tuple[int, str]]] = []  # (client idx, role)
        self.clients: list[_Client] = []

    # ---- helpers -----------------------------------------------------------------------
    def insert(self, model: type, rows: list[dict[str, Any]], *, returning: bool = False) -> list[int]:
        if not rows:
            return []
        table = model.__table__
        cols = table.columns
        for r in rows:
            if "version" in cols:
                r.setdefault("version", 1)
            if "created_at" in cols:
                r.setdefault("created_at", self.stamp)
            if "updated_at" in cols:
                r.setdefault("updated_at", self.stamp)
        self.counts[table.name] = self.counts.get(table.name, 0) + len(rows)
        if returning:
            result = self.conn.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
            return [r[0] for r in result]
        self.conn.execute(insert(table), rows)
        return []

    def day(self, lo: date, hi: date) -> date:
        """A random day in [lo, hi] (lo when the range is empty)."""
        span = (hi - lo).days
        return lo + timedelta(days=self.rng.randint(0, span)) if span > 0 else lo

    def name(self, country: str, last: str | None = None) -> str:
        first = self.rng.choice(SE_FIRST if country == "SE" else NO_FIRST)
        return f"{first} {last or self.rng.choice(SE_LAST if country == 'SE' else NO_LAST)}"

    def national_id(self, country: str, born: date, foreign: bool = False) -> str:
        while True:
            if country == "SE":
                number = nid.make_se(born, self.rng.randint(0, 999), coordination=foreign)
            else:
                # The individual number tells the century: 000-499 for 1900-1999, 500-999 from 2000.
                lo, hi = (0, 499) if born.year < 2000 else (500, 999)
                number = nid.make_no(born, self.rng.randint(lo, hi), dnr=foreign)
            if number and number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def local_utc(self, tz: ZoneInfo, d: date, minutes: int) -> datetime:
        day = d + timedelta(days=minutes // 1440)
        m = minutes % 1440
        return datetime(day.year, day.month, day.day, m // 60, m % 60, tzinfo=tz).astimezone(UTC)

    # ---- the company -------------------------------------------------------------------
    def run(self, progress: Callable[[str], None]) -> None:
        self.municipalities()
        self.users()
        self.plan_clients()
        progress("clients")
        self.insert_clients()
        self.allocate_assistants()
        self.insert_assistants()
        progress("assistants")
        self.supervisors()
        self.transfers()
        self.patterns()
        self.shifts(progress)
        self.courses()
        self.reviews()
        self.locks()

    @property
    def open_from(self) -> date:
        """The first month not locked: last month (its payroll is still to run)."""
        return self.today.replace(day=1) - relativedelta(months=1)

    def locks(self) -> None:
        """Each client's months before last month approved, locked and exported: one period row
        per client and month (their shifts are all approved or cancelled by `status`)."""
        rows = []
        for c in self.clients:
            m = max(c.start, self.first_day).replace(day=1)
            while m < self.open_from:
                nxt = m + relativedelta(months=1)
                rows.append(
                    {
                        "client_id": c.id,
                        "period_start": m,
                        "period_end": nxt,
                        "approved_by": "demo",
                        "approved_at": self.stamp,
                        "locked_by": "demo",
                        "locked_at": self.stamp,
                        "exported_at": self.stamp,
                    }
                )
                m = nxt
        self.insert(PeriodApproval, rows)

    def municipalities(self) -> None:
        existing = dict(self.conn.execute(select(Municipality.name, Municipality.id)).all())
        rows = [
            dict(
                name=n,
                country=c,
                timezone=tz,
                unit_name=unit,
                unit_contact="",
                notice_months=3,
                approved=True,
                approved_since=date(2018 + i % 4, 1 + i, 1),
                rule_profile="",
            )
            for i, (n, c, tz, unit, _w, _r) in enumerate(MUNICIPALITIES)
            if n not in existing
        ]
        for row, new_id in zip(rows, self.insert(Municipality, rows, returning=True)):
            existing[row["name"]] = new_id
        self.muni_ids = [existing[m[0]] for m in MUNICIPALITIES]
        rates = []
        for mid, (_n, country, _tz, _u, _w, rate) in zip(self.muni_ids, MUNICIPALITIES):
            currency = "SEK" if country == "SE" else "NOK"
            rates.append(
                dict(
                    country=country,
                    municipality_id=mid,
                    valid_from=date(self.today.year - 2, 1, 1),
                    rate=_money(rate / 1.04),
                    currency=currency,
                    note="contract rate",
                )
            )
            rates.append(
                dict(
                    country=country,
                    municipality_id=mid,
                    valid_from=date(self.today.year, 1, 1),
                    rate=_money(rate),
                    currency=currency,
                    note="contract rate",
                )
            )
        for since, rate in SE_STATE_RATES:
            rates.append(
                dict(
                    country="SE",
                    municipality_id=None,
                    valid_from=since,
                    rate=_money(rate),
                    currency="SEK",
                    note="schablonbelopp (state rate)",
                )
            )
        self.insert(HourlyRate, rates)

    def users(self) -> None:
        taken = set(self.conn.execute(select(User.login)).scalars())
        rows = []
        for login, role in (("koord1", "coordinator"), ("koord2", "coordinator"), ("revisor", "auditor")):
            if login not in taken:
                rows.append(
                    dict(login=login, name=self.name("NO"), role=role, supervisor_id=None, disabled=False, lang=None)
                )
        ids = self.insert(User, rows, returning=True)
        coord = list(self.conn.execute(select(User.id).where(User.role == "coordinator").order_by(User.id)).scalars())
        self.coordinators = coord or ids or [None]

    def plan_clients(self) -> None:
        weights = [m[4] for m in MUNICIPALITIES]
        start_floor = self.first_day - relativedelta(years=6)
        for i in range(self.n_clients):
            muni = self.rng.choices(range(len(MUNICIPALITIES)), weights)[0]
            country, tz = MUNICIPALITIES[muni][1], MUNICIPALITIES[muni][2]
            child = self.rng.random() < 0.2
            born = (
                self.day(self.today - relativedelta(years=17), self.today - relativedelta(years=3))
                if child
                else self.day(self.today - relativedelta(years=66), self.today - relativedelta(years=19))
            )
            if self.rng.random() < 0.1:  # new this period
                start = self.day(self.first_day, max(self.first_day, self.today - timedelta(days=21)))
            else:
                start = self.day(max(start_floor, born + relativedelta(years=2)), self.first_day)
            r = self.rng.random()
            hours = (
                self.rng.randint(20, 50) / 2
                if r < 0.35
                else (self.rng.randint(50, 90) / 2 if r < 0.75 else self.rng.randint(90, 160) / 2)
            )
            u = self.rng.random()
            usage = (
                self.rng.uniform(0.93, 1.0)
                if u < 0.75
                else (self.rng.uniform(1.02, 1.12) if u < 0.87 else self.rng.uniform(0.6, 0.78))
            )
            self.clients.append(_Client(i, f"K-{i + 1:04d}", muni, country, tz, born, start, hours, usage))
        # Room for the planted problems: two large clients with two lines a day (short rests),
        # two clients with night shifts (DST nights), two with two-helper hours (new hires).
        cs = self.clients
        for c in cs[:2]:
            c.hours = self.rng.randint(132, 160) / 2
            c.usage = self.rng.uniform(0.95, 1.0)
        for c in cs[2:4]:
            c.hours, c.night, c.usage = max(c.hours, 45.0), True, self.rng.uniform(0.95, 1.0)
        for c in cs[4:6]:
            c.two_helper = 8.0
        for c in cs[6:8]:  # a new supervisor each, whose basic course is overdue
            c.start = min(c.start, self.first_day - timedelta(days=30))
        for c in self.clients:
            if self.rng.random() < 0.08:
                c.two_helper = max(c.two_helper, float(self.rng.choice((2, 4, 6))))
        # The incoming transfer: a Swedish client when there is one (Försäkringskassan's step).
        incoming = (
            next((c for c in reversed(self.clients[8:]) if c.country == "SE"), self.clients[-1])
            if len(self.clients) >= 3
            else None
        )
        if incoming is not None:
            incoming.status = "prospect"
            incoming.night = False
            incoming.two_helper = 0.0
        self.incoming = incoming
        self.outgoing = (
            next((c for c in self.clients[6:] if c.country == "NO" and c.status == "active"), None)
            if len(self.clients) >= 8
            else None
        )
        if self.outgoing is not None:
            self.outgoing.status = "transferring_out"

    def insert_clients(self) -> None:
        rows = []
        for c in self.clients:
            m = MUNICIPALITIES[c.muni]
            rows.append(
                dict(
                    ref=c.ref,
                    name=self.name(c.country),
                    national_id=self.national_id(c.country, c.born),
                    birth_date=c.born,
                    municipality_id=self.muni_ids[c.muni],
                    status=c.status,
                    coordinator_id=self.coordinators[c.idx % len(self.coordinators)],
                    phone=f"+{47 if m[1] == 'NO' else 46} {self.rng.randint(400, 999)} {self.rng.randint(10, 99)} {self.rng.randint(100, 999)}",
                    address="",
                    start_date=c.start if c is not self.incoming else None,
                    end_date=None,
                    end_reason="",
                    anonymised=False,
                )
            )
        self.client_names = [r["name"] for r in rows]
        for c, new_id in zip(self.clients, self.insert(Client, rows, returning=True)):
            c.id = new_id
        self.decisions()

    def decisions(self) -> None:
        rows = []
        for c in self.clients:
            first_year = max(c.start, self.first_day).year if c is not self.incoming else self.today.year
            for year in range(first_year, self.today.year + 1):
                current = year == self.today.year
                # The first decision starts with the data (a renewal then), later ones each 1 January.
                valid_from = (
                    max(date(year, 1, 1), c.start, self.first_day) if c is not self.incoming else date(year, 1, 1)
                )
                valid_to: date | None = date(year, 12, 31)
                hours = c.hours if current else round(c.hours * self.rng.uniform(0.85, 1.0) * 2) / 2
                if current:
                    roll = self.rng.random()
                    if roll < 0.1 and c.status == "active" and c.idx >= 6:
                        # Renewal pending: ends within the dashboard's 60 days.
                        valid_to = min(date(year, 12, 31), self.today + timedelta(days=self.rng.randint(10, 55)))
                    elif roll < 0.15:
                        valid_to = None
                    c.decision_end = valid_to
                fk = c.country == "SE" and hours > 20
                rows.append(
                    dict(
                        client_id=c.id,
                        case_number=f"{'FK ' if fk else ''}{year}/{self.rng.randint(1000, 99999)}",
                        issuer="fk" if fk else "municipality",
                        hours=max(10.0, hours),
                        hours_unit="week",
                        two_helper_hours=c.two_helper if current else 0.0,
                        night_hours_allowed=c.night,
                        services="practical,training" if c.born.year < self.today.year - 18 else "practical,respite",
                        valid_from=valid_from,
                        valid_to=valid_to,
                        note="",
                    )
                )
        self.insert(Decision, rows)

    # ---- rota and assistants -----------------------------------------------------------
    def build_lines(self, c: _Client) -> None:
        weekly = c.hours * c.usage * 60
        lines: list[_Line] = []
        if c.night:
            lines.append(_Line("night", [4, 5], 22 * 60, 10 * 60, "passive"))
            weekly = max(weekly - 20 * 60, 600)  # the nights are hours of the decision too
        if weekly <= 20 * 60:
            days = sorted(self.rng.sample(range(7), self.rng.randint(3, 5)))
            minutes = int(weekly / len(days) / 15) * 15
            lines.append(_Line("day", days, 9 * 60, max(minutes, 120)))
        else:
            per_day = weekly / 7
            if per_day <= 6 * 60:
                lines.append(_Line("day", list(range(7)), 9 * 60, int(per_day / 15) * 15))
            else:
                # Help in the morning and at bedtime (until 22:00), by different people.
                half = int(per_day / 2 / 15) * 15
                lines.append(_Line("morning", list(range(7)), 7 * 60, half))
                lines.append(_Line("evening", list(range(7)), 22 * 60 - half, half))
        c.lines = lines

    @staticmethod
    def rotation(line: _Line) -> list[list[int]]:
        """The line's days of the two-week rotation, one list per assistant (see the module's
        docstring): every other weekend off for everyone, never two Sundays in a row."""
        if len(line.days) == 7:
            return [[4, 5, 6, 7, 8, 9, 10], [0, 1, 2, 3, 11, 12, 13]]
        both = [w * 7 + d for w in (0, 1) for d in line.days]
        sunday = [d for d in both if sunday_weeks([(d, line.start, line.start + line.minutes)])]
        if not sunday:
            return [both]
        # One assistant keeps the other days and every other Sunday; a second takes the rest
        # (a small block, easy to fit beside someone's week).
        return [sorted(d for d in both if d not in sunday or d < 7), [d for d in sunday if d >= 7]]

    def take_assistant(self, entries: list[Entry], fresh: Iterator[int]) -> int:
        i = next(fresh, None)
        if i is None:
            # Out of new people: share someone whose week still has room, else the least busy.
            n = len(self.templates)
            start = self.rng.randrange(n)
            best = None
            for k in range(min(n, 400)):
                j = (start + k) % n
                if fits(self.templates[j], entries):
                    best = j
                    break
            if best is None:
                best = min(range(n), key=lambda j: (len(self.templates[j]), j))
            i = best
        self.templates[i] = self.templates[i] + entries
        return i

    def allocate_assistants(self) -> None:
        n = self.n_assistants
        self.templates = [[] for _ in range(n)]
        self.assistant_clients = [[] for _ in range(n)]
        self.assistant_country = ["NO"] * n
        # Reserved first: two new hires without a police certificate, two who come with the
        # incoming client; the rest is handed out block by block.
        reserve = min(n, 4)
        self.new_hires = list(range(min(2, n)))
        self.incoming_assistants = list(range(2, reserve))
        fresh = iter(range(reserve, n))
        for c in self.clients:
            if c is self.incoming:
                continue
            self.build_lines(c)
            for line in c.lines:
                for days in self.rotation(line):
                    entries = [(d, line.start, line.start + line.minutes) for d in days]
                    a = self.take_assistant(entries, fresh)
                    line.blocks.append((days, a))
                    if a not in c.regulars:
                        c.regulars.append(a)
        # Everyone left over is a substitute (on call), spread over the clients.
        active = [c for c in self.clients if c is not self.incoming]
        leftovers = list(fresh)
        if active:
            for k, a in enumerate(leftovers):
                active[k % len(active)].substitutes.append(a)
            for c in active:
                if not c.substitutes and n:
                    c.substitutes.append(self.rng.randrange(n))
        for c in active:
            for a in c.regulars:
                self.assistant_clients[a].append((c.idx, "regular"))
            for a in c.substitutes:
                if a not in c.regulars:
                    self.assistant_clients[a].append((c.idx, "substitute"))
        helpers = [c for c in active if c.two_helper >= 8][:2] or active[:2]
        self.hire_clients = {}
        for a, c in zip(self.new_hires, helpers):
            self.assistant_clients[a].append((c.idx, "regular"))
            self.hire_clients[a] = c
        if self.incoming is not None:
            for a in self.incoming_assistants:
                self.assistant_clients[a].append((self.incoming.idx, "regular"))
        for a in range(n):
            if self.assistant_clients[a]:
                self.assistant_country[a] = self.clients[self.assistant_clients[a][0][0]].country

    def insert_assistants(self) -> None:
        rows, jobs, links = [], [], []
        eff = self.incoming_effective()
        for a in range(self.n_assistants):
            country = self.assistant_country[a]
            born = self.day(self.today - relativedelta(years=63), self.today - relativedelta(years=19))
            foreign = self.rng.random() < 0.05
            rows.append(
                dict(
                    ref=f"A-{a + 1:04d}",
                    name=self.name(country),
                    national_id=self.national_id(country, born, foreign),
                    birth_date=born,
                    phone=f"+{47 if country == 'NO' else 46} {self.rng.randint(400, 999)} {self.rng.randint(10, 99)} {self.rng.randint(100, 999)}",
                    email="",
                    eea_resident=True,
                    anonymised=False,
                )
            )
        self.assistant_ids = self.insert(Assistant, rows, returning=True)
        for a, aid in enumerate(self.assistant_ids):
            country = self.assistant_country[a]
            starts = []
            for ci, role in self.assistant_clients[a]:
                c = self.clients[ci]
                if a in self.new_hires:
                    s = self.today - timedelta(days=5)
                elif c is self.incoming:
                    s = eff
                else:
                    s = self.day(c.start, max(c.start, self.first_day))
                starts.append(s)
                links.append(
                    dict(
                        assistant_id=aid,
                        client_id=c.id,
                        role=role,
                        start_date=s,
                        end_date=None,
                        family_relation=False,
                        family_permission_on=None,
                        fk_reported_on=s - timedelta(days=3) if c.country == "SE" else None,
                    )
                )
            incoming = (
                bool(self.assistant_clients[a]) and self.clients[self.assistant_clients[a][0][0]] is self.incoming
            )
            hired = (
                min(starts) - timedelta(days=self.rng.randint(0, 30))
                if starts
                else self.day(self.first_day - relativedelta(years=2), self.today - timedelta(days=30))
            )
            if a in self.new_hires:
                hired = self.today - timedelta(days=5)
            elif incoming:
                hired = eff  # they become our employees on the day the switch takes effect
            minutes = sum(e - s for _, s, e in self.templates[a]) // 2  # a week, on average
            percent = (
                max(10.0, min(100.0, round(minutes / 60 / 37.5 * 100 / 5) * 5))
                if minutes
                else float(self.rng.choice((10, 15, 20, 25)))
            )
            kind = "on_call" if not minutes else ("permanent" if self.rng.random() < 0.8 else "temporary")
            certificate = None if a in self.new_hires else hired - timedelta(days=self.rng.randint(3, 20))
            signed = None if a == 0 else hired - timedelta(days=self.rng.randint(0, 5))
            jobs.append(
                dict(
                    assistant_id=aid,
                    start_date=hired,
                    end_date=None,
                    end_reason="",
                    position_percent=percent,
                    kind=kind,
                    hourly_wage=_money(
                        self.rng.uniform(206.38, 262.0) if country == "NO" else self.rng.uniform(150.0, 186.0)
                    ),
                    seniority_date=hired - relativedelta(years=self.rng.randint(1, 6)) if incoming else hired,
                    police_certificate_on=certificate,
                    police_certificate_checked_by="koord1" if certificate else "",
                    confidentiality_on=signed,
                    transferred_from=COUNTERPART_IN if incoming else "",
                )
            )
        self.insert(Employment, jobs)
        self.insert(Assignment, links)

    # ---- supervisors, courses, onboarding ----------------------------------------------
    def supervisors(self) -> None:
        rows, links = [], []
        self.supervision: list[tuple[int, _Client, date]] = []  # (client index, client, since)
        for c in self.clients:
            adult = c.born <= self.today - relativedelta(years=18)
            roll = self.rng.random()
            relation = (
                "parent"
                if not adult or roll < 0.25
                else ("self" if roll < 0.85 else ("spouse" if roll < 0.95 else "sibling"))
            )
            last = self.client_names[c.idx].split()[-1]
            name = self.client_names[c.idx] if relation == "self" else self.name(c.country, last)
            since = c.start if c is not self.incoming else self.incoming_effective()
            if c.idx in (6, 7):
                since = max(c.start, self.today - timedelta(days=100 + 15 * (c.idx - 6)))
            elif self.rng.random() < 0.12 and c.status == "active":
                since = self.day(max(c.start, self.today - timedelta(days=200)), self.today - timedelta(days=20))
            rows.append(dict(ref=f"S-{c.idx + 1:04d}", name=name, phone="", email=""))
            self.supervision.append((c.idx, c, since))
            links.append(relation)
        sup_ids = self.insert(Supervisor, rows, returning=True)
        self.supervisor_ids = sup_ids
        self.insert(
            Supervision,
            [
                dict(supervisor_id=sid, client_id=c.id, relation=rel, since=since, until=None)
                for sid, (_i, c, since), rel in zip(sup_ids, self.supervision, links)
            ],
        )
        if sup_ids and "arbeidsleder" not in set(self.conn.execute(select(User.login)).scalars()):
            self.insert(
                User,
                [
                    dict(
                        login="arbeidsleder",
                        name=rows[0]["name"],
                        role="supervisor",
                        supervisor_id=sup_ids[0],
                        disabled=False,
                        lang=None,
                    )
                ],
            )

    def courses(self) -> None:
        taken = dict(self.conn.execute(select(Course.name, Course.id)).all())
        new = [
            dict(name=n, organiser=COMPANY, kind=k, hours=h, validity_months=v)
            for n, k, h, v in COURSES
            if n not in taken
        ]
        for row, cid in zip(new, self.insert(Course, new, returning=True)):
            taken[row["name"]] = cid
        course_ids = [taken[c[0]] for c in COURSES]
        places = ("Oslo", "Drammen", "Hamar", "Bjuv", "Digitalt")
        sessions: list[list[tuple[date, int]]] = []
        for k, cid in enumerate(course_ids):
            rows = []
            d = self.first_day - relativedelta(months=12) + timedelta(days=7 * k)
            while d < self.today + relativedelta(months=3):
                rows.append(
                    dict(
                        course_id=cid,
                        starts_on=d,
                        ends_on=d + timedelta(days=1 if k == 0 else 0),
                        place=self.rng.choice(places),
                        capacity=20,
                    )
                )
                d += timedelta(days=self.rng.randint(35, 70))
            ids = self.insert(CourseSession, rows, returning=True)
            sessions.append([(r["starts_on"], i) for r, i in zip(rows, ids)])

        def session_after(k: int, lo: date, hi: date) -> tuple[date, int | None]:
            for on, sid in sessions[k]:
                if lo <= on <= hi:
                    return on, sid
            return self.day(lo, hi), None

        enrollments, steps = [], []
        for (_i, c, since), sid in zip(self.supervision, self.supervisor_ids):
            if c is self.incoming:
                continue
            due = since + timedelta(days=90)
            recent = since >= self.today - timedelta(days=365)
            done_basic = None
            if due < self.today and c.idx not in (6, 7) and self.rng.random() < (0.5 if recent else 0.88):
                on, sess = session_after(0, since + timedelta(days=10), min(due, self.today - timedelta(days=1)))
                done_basic = on
                enrollments.append(_enrollment(course_ids[0], sess, c.id, on, supervisor_id=sid))
            else:
                upcoming = next(((on, s) for on, s in sessions[0] if on > self.today), None)
                if upcoming is not None and self.rng.random() < 0.6:
                    enrollments.append(_enrollment(course_ids[0], upcoming[1], c.id, None, supervisor_id=sid))
            if done_basic and not recent and self.rng.random() < 0.2:
                on, sess = session_after(1, done_basic + timedelta(days=180), self.today - timedelta(days=1))
                if on <= self.today and on > done_basic:
                    enrollments.append(_enrollment(course_ids[1], sess, c.id, on, supervisor_id=sid))
            if recent:
                for code, title, days in ONBOARDING:
                    step_due = since + timedelta(days=days)
                    if code == "basic_course":
                        done = done_basic
                    else:
                        done = (
                            since + timedelta(days=self.rng.randint(2, days))
                            if step_due < self.today or self.rng.random() < 0.5
                            else None
                        )
                        done = done if done is None or done <= self.today else None
                    steps.append(
                        dict(
                            supervisor_id=sid,
                            client_id=c.id,
                            code=code,
                            title=title,
                            responsible="koord1" if c.idx % 2 == 0 else "koord2",
                            due_date=step_due,
                            done_on=done,
                            note="",
                        )
                    )
        for a, aid in enumerate(self.assistant_ids):
            if not self.assistant_clients[a]:
                continue
            client = self.clients[self.assistant_clients[a][0][0]]
            for k in (2, 3):
                roll = self.rng.random()
                if roll < (0.6 if k == 2 else 0.3):
                    past = [s for s in sessions[k] if s[0] <= self.today]
                    if past:
                        on, sess = self.rng.choice(past)
                        enrollments.append(_enrollment(course_ids[k], sess, client.id, on, assistant_id=aid))
                elif roll < (0.65 if k == 2 else 0.35):
                    future = [s for s in sessions[k] if s[0] > self.today]
                    if future:
                        on, sess = future[0]
                        enrollments.append(_enrollment(course_ids[k], sess, client.id, None, assistant_id=aid))
        self.insert(CourseEnrollment, enrollments)
        course_expiry.refresh(self.conn)  # the latest completions' expiry, as every write keeps it
        self.insert(OnboardingStep, steps)
        onboarding_due.refresh(self.conn)  # why each supervision may be overdue, as every write keeps it

    def reviews(self) -> None:
        rows = []
        with_start = self.conn.execute(
            select(Assignment.assistant_id, Assignment.client_id, Assignment.start_date)
            .where(Assignment.role == "regular")
            .order_by(Assignment.id)
        ).all()
        for aid, cid, start in with_start:
            due = start + relativedelta(months=6)
            overdue = self.rng.random() < 0.15
            held: list[date] = []
            while due <= self.today:
                held.append(min(self.today, due + timedelta(days=self.rng.randint(-20, 10))))
                due = held[-1] + relativedelta(months=12)
            if overdue and held:
                held.pop()
            rows.extend(
                dict(
                    assistant_id=aid,
                    client_id=cid,
                    held_on=h,
                    participants="assistant, supervisor",
                    summary="",
                    created_by="demo",
                )
                for h in held
            )
        self.insert(Review, rows)
        review_due_store.refresh(self.conn)  # the pairs' next reviews due, as every write keeps them

    # ---- transfers ---------------------------------------------------------------------
    def incoming_effective(self) -> date:
        return effective_date(self.today - timedelta(days=35), 3)

    def transfers(self) -> None:
        plans = []
        if self.outgoing is not None:
            notice = self.today - timedelta(days=20)
            c = self.outgoing
            people = [self.assistant_ids[a] for a in dict.fromkeys(c.regulars + c.substitutes)]
            informed = notice + timedelta(days=14)
            deadline = informed + timedelta(days=14)
            people_rows = [
                dict(
                    assistant_id=aid,
                    informed_on=informed,
                    refusal_deadline=deadline,
                    refused_on=(informed + timedelta(days=3)) if k == 0 and len(people) > 1 else None,
                    note="",
                )
                for k, aid in enumerate(people)
            ]
            done = (
                "notice",
                "client_signed",
                "sent_to_unit",
                "municipality_signed",
                "provider_told",
                "assistants_informed",
            )
            plans.append(("out", c, COUNTERPART_OUT, notice, done, informed, people_rows))
        if self.incoming is not None:
            notice = self.today - timedelta(days=35)
            c = self.incoming
            people_rows = [
                dict(
                    assistant_id=self.assistant_ids[a],
                    informed_on=None,
                    refusal_deadline=None,
                    refused_on=None,
                    note=f"employed by {COUNTERPART_IN}",
                )
                for a in self.incoming_assistants
            ]
            plans.append(
                (
                    "in",
                    c,
                    COUNTERPART_IN,
                    notice,
                    ("notice", "client_signed", "sent_to_unit", "municipality_signed"),
                    None,
                    people_rows,
                )
            )
        for direction, c, counterpart, notice, done, informed, people_rows in plans:
            effective = effective_date(notice, 3)
            deadlines = [r["refusal_deadline"] for r in people_rows]
            due = transfer_steps.due_dates(direction, c.country, notice, effective, informed, deadlines=deadlines)
            done_on = {code: min(self.today, max(notice, due[code])) for code in done if code in due}
            if c.country == "SE" and "fk_notice" in due and direction == "in":
                done_on["fk_notice"] = min(self.today, notice + timedelta(days=20))
            last = [s.code for s in transfer_flow.steps_for(direction, c.country) if s.code in done_on]
            [tid] = self.insert(
                Transfer,
                [
                    dict(
                        client_id=c.id,
                        direction=direction,
                        counterpart=counterpart,
                        notice_date=notice,
                        agreed_date=None,
                        effective_date=effective,
                        state=last[-1] if last else "notice",
                        client_consent_on=notice if direction == "out" else None,
                        cancelled_reason="",
                        created_by="koord1",
                    )
                ],
                returning=True,
            )
            self.insert(
                TransferStep,
                [
                    dict(
                        transfer_id=tid,
                        code=s.code,
                        seq=k,
                        due_date=due.get(s.code),
                        done_on=done_on.get(s.code),
                        done_by="koord1" if s.code in done_on else "",
                        note="",
                    )
                    for k, s in enumerate(transfer_flow.steps_for(direction, c.country))
                ],
            )
            for r in people_rows:
                r["transfer_id"] = tid
            self.insert(TransferAssistant, people_rows)
        # An opening balance from an earlier handover, for the hour account to show.
        newcomer = next((c for c in self.clients if c.start.year == self.today.year and c.status == "active"), None)
        if newcomer is not None:
            self.insert(
                HourBalanceEntry,
                [
                    dict(
                        client_id=newcomer.id,
                        decision_id=None,
                        entry_date=newcomer.start,
                        hours=round(self.rng.uniform(10, 60) * 2) / 2,
                        source="handover",
                        note="opening balance from the previous provider",
                    )
                ],
            )

    # ---- shifts ------------------------------------------------------------------------
    def patterns(self) -> None:
        rows, owners = [], []
        monday0 = self.first_day - timedelta(days=self.first_day.weekday())
        for c in self.clients:
            valid_from = max(c.start, self.first_day)
            # A rotation is anchored on the Monday of valid_from (roster.occurrences): shift the
            # rotation week so the pattern's weeks are the generator's weeks of that parity.
            offset = (valid_from - timedelta(days=valid_from.weekday()) - monday0).days // 7
            for line in c.lines:
                for k, (days, a) in enumerate(line.blocks):
                    line.pattern_ids.append((None, None))
                    end = (line.start + line.minutes) % 1440
                    weeks = [[d for d in days if d // 7 == w] for w in (0, 1)]
                    plans = (
                        [((0, 1), 1, 0)]
                        if weeks[0] == [d - 7 for d in weeks[1]]
                        else [((w,), 2, (w - offset) % 2) for w in (0, 1) if weeks[w]]
                    )
                    for parities, cycle_weeks, cycle_week in plans:
                        weekdays = [d % 7 for d in weeks[parities[0]]]
                        rows.append(
                            dict(
                                client_id=c.id,
                                assistant_id=self.assistant_ids[a],
                                name=f"{line.name} {'/'.join(str(d) for d in weekdays)}"
                                + (f" (week {cycle_week + 1} of 2)" if cycle_weeks == 2 else ""),
                                weekdays=",".join(str(d) for d in weekdays),
                                start_time=time(line.start // 60, line.start % 60),
                                end_time=time(end // 60, end % 60),
                                kind=line.kind,
                                cycle_weeks=cycle_weeks,
                                cycle_week=cycle_week,
                                valid_from=valid_from,
                                valid_to=None,
                                generated_until=self.ahead - timedelta(days=1),
                            )
                        )
                        owners.append((line, k, parities))
        for (line, k, parities), pid in zip(owners, self.insert(RotaPattern, rows, returning=True)):
            ids = list(line.pattern_ids[k])
            for w in parities:
                ids[w] = pid
            line.pattern_ids[k] = (ids[0], ids[1])

    def status(self, end: datetime, start_day: date) -> str:
        """The status of a generated shift: the past is worked, the future planned."""
        roll = self.rng.random()
        if roll < 0.015:
            return "cancelled"
        if end > self.now:
            return "planned"
        if start_day < self.today.replace(day=1):
            return "approved"
        if start_day >= self.today - timedelta(days=7) and roll < 0.35:
            return "planned"  # the plan becomes the actuals: nobody ticked these off
        return "worked"

    def shifts(self, progress: Callable[[str], None]) -> None:
        """Expand the rota week by week over all clients, so rows are stored in time order as in a
        database that grew over the years (the start-time index then reads the table in order)."""
        writer = _ShiftWriter(self.conn, self.stamp)
        violations = self.planted_violations()
        sub_weeks: set[tuple[int, int]] = set()
        sub_sundays: dict[int, set[int]] = {}  # week -> substitutes who stood in on its Sunday
        pending_left = 3
        monday0 = self.first_day - timedelta(days=self.first_day.weekday())
        weeks = (self.ahead - monday0).days // 7 + 1
        plans = []
        for c in self.clients:
            if c is self.incoming or not c.lines:
                continue
            by_day: list[list[tuple[int, _Line, int, int]]] = [[] for _ in range(14)]  # rotation days
            for li, line in enumerate(c.lines):
                for k, (days, a) in enumerate(line.blocks):
                    for d in days:
                        by_day[d].append((li, line, k, a))
            last = self.ahead if c.decision_end is None else min(self.ahead, c.decision_end + timedelta(days=1))
            hires = [a for a, hc in self.hire_clients.items() if hc is c]
            plans.append((c, ZoneInfo(c.tz), max(c.start, self.first_day), last, by_day, hires))
        for w in range(weeks):
            monday = monday0 + timedelta(days=7 * w)
            for c, tz, first, last, by_day, hires in plans:
                sub_day = None
                if c.substitutes and self.rng.random() < 0.3:
                    sub = self.rng.choice(c.substitutes)
                    if (sub, w) not in sub_weeks:
                        sub_weeks.add((sub, w))
                        sub_day = (self.rng.randint(1, 5), sub)
                for d in range(7):
                    day = monday + timedelta(days=d)
                    if day < first or day >= last:
                        continue
                    rd = w % 2 * 7 + d  # the day of the two-week rotation
                    for li, line, k, a in by_day[rd]:
                        replaces = None
                        slot = [(rd, line.start, line.start + line.minutes)]
                        if (
                            sub_day
                            and sub_day[0] == d
                            and li == len(c.lines) - 1
                            and fits(self.templates[sub_day[1]], slot)
                            and not (sunday_weeks(slot) and sub_day[1] in sub_sundays.get(w - 1, ()))
                        ):
                            replaces, a = self.assistant_ids[a], sub_day[1]
                            if sunday_weeks(slot):  # a one-off Sunday: not the next week as well
                                sub_sundays.setdefault(w, set()).add(a)
                        if (c.idx, day, line.name) in violations:
                            a = violations[(c.idx, day, line.name)]
                        start = self.local_utc(tz, day, line.start)
                        end = self.local_utc(tz, day, line.start + line.minutes)
                        status = self.status(end, day)
                        if status == "planned" and end <= self.now and pending_left and self.rng.random() < 0.05:
                            # A recorded deviation waiting for approval: stayed an hour longer.
                            pending_left -= 1
                            writer.add(
                                c.id,
                                self.assistant_ids[a],
                                start,
                                end + timedelta(hours=1),
                                line.kind,
                                status,
                                line.pattern_ids[k][w % 2],
                                replaces,
                                deviation=(start, end),
                            )
                        else:
                            writer.add(
                                c.id,
                                self.assistant_ids[a],
                                start,
                                end,
                                line.kind,
                                status,
                                line.pattern_ids[k][w % 2],
                                replaces,
                            )
                    for a in hires:
                        self.training_shift(writer, c, a, tz, day)
            if w % 8 == 0:
                progress("shifts")
        writer.flush()
        self.counts["shift"] = writer.count

    def planted_violations(self) -> dict[tuple[int, date, str], int]:
        """A few short rests on purpose: the evening assistant also takes the next morning."""
        out: dict[tuple[int, date, str], int] = {}
        two_line = [c for c in self.clients if [ln.name for ln in c.lines][-2:] == ["morning", "evening"]]
        for k, c in enumerate(two_line[:3]):
            day = self.today - timedelta(days=10 + 7 * k)
            evening = next(ln for ln in c.lines if ln.name == "evening")
            rd = (day - (self.first_day - timedelta(days=self.first_day.weekday()))).days % 14
            a = next(a for days, a in evening.blocks if rd in days)
            out[(c.idx, day + timedelta(days=1), "morning")] = a
        return out

    def training_shift(self, writer: _ShiftWriter, c: _Client, a: int, tz: ZoneInfo, day: date) -> None:
        """A new hire learns alongside a regular on Tuesdays and Thursdays from their first day,
        inside the decision's two-helper hours."""
        if day < self.today - timedelta(days=4) or day.weekday() not in (1, 3):
            return
        line = c.lines[-1]
        start = self.local_utc(tz, day, line.start)
        end = self.local_utc(tz, day, line.start + min(240, line.minutes))
        writer.add(
            c.id, self.assistant_ids[a], start, end, "active", "planned" if end > self.now else "worked", None, None
        )


class _ShiftWriter:
    """Shift rows as tuples through the driver's executemany, in chunks.

    The million-row table skips SQLAlchemy's per-value type processing (most of the time of a
    Core insert): instants are given as naive UTC in the form the UTCDateTime column stores —
    text on SQLite, `timestamp` on PostgreSQL.
    """

    COLUMNS = (
        "client_id",
        "assistant_id",
        "start_utc",
        "end_utc",
        "kind",
        "status",
        "active_minutes",
        "pattern_id",
        "detached",
        "deviation_status",
        "planned_start_utc",
        "planned_end_utc",
        "replaces_assistant_id",
        "legal_basis",
        "note",
        "created_at",
        "updated_at",
        "version",
    )

    def __init__(self, conn: Connection, stamp: datetime):
        self.conn = conn
        dialect = conn.dialect
        self.sqlite = dialect.name == "sqlite"
        mark = "?" if dialect.paramstyle == "qmark" else "%s"
        quote = dialect.identifier_preparer.quote
        self.sql = (
            f"INSERT INTO {quote(Shift.__tablename__)} ({', '.join(quote(c) for c in self.COLUMNS)}) "
            f"VALUES ({', '.join([mark] * len(self.COLUMNS))})"
        )
        self.stamp = self.instant(stamp)
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0

    def instant(self, value: datetime | None) -> Any:
        if value is None:
            return None
        v = value.astimezone(UTC)
        if self.sqlite:
            # SQLAlchemy's SQLite DATETIME storage format, so the ORM reads these back unchanged.
            return (
                f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}"
            )
        return v.replace(tzinfo=None)

    def add(
        self,
        client_id: int,
        assistant_id: int,
        start: datetime,
        end: datetime,
        kind: str,
        status: str,
        pattern: int | None,
        replaces: int | None,
        *,
        deviation: tuple[datetime, datetime] | None = None,
    ) -> None:
        planned_start, planned_end = deviation or (None, None)
        self.rows.append(
            (
                client_id,
                assistant_id,
                self.instant(start),
                self.instant(end),
                kind,
                status,
                60 if kind == "passive" else 0,
                pattern,
                replaces is not None or deviation is not None,
                "pending" if deviation else "none",
                self.instant(planned_start),
                self.instant(planned_end),
                replaces,
                "",
                "stayed an hour longer" if deviation else "",
                self.stamp,
                self.stamp,
                1,
            )
        )
        if len(self.rows) >= SHIFT_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.conn.exec_driver_sql(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows = []


# --------------------------------------------------------------------------- service


def has_clients(db: Database) -> bool:
    """True when the database already holds clients (the demo refuses to mix with real data)."""
    with db.read() as s:
        return bool(s.execute(select(func.count()).select_from(Client)).scalar_one())


@service
def load_demo(
    db: Database,
    actor: Actor,
    *,
    seed: int = 1,
    clients: int = 40,
    assistants: int | None = None,
    months: int = 6,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo company (one transaction, one audit event)."""
    require(actor, "demo.load", what="load demo data")
    assistants = clients * 3 if assistants is None else assistants
    errors = []
    if not 1 <= clients <= 100_000:
        errors.append("clients must be between 1 and 100000")
    if not 1 <= assistants <= 500_000:
        errors.append("assistants must be between 1 and 500000")
    if not 1 <= months <= 120:
        errors.append("months must be between 1 and 120")
    if errors:
        raise ValidationError("; ".join(errors), field="demo")
    today = today or date.today()
    began = _time.monotonic()
    with db.write() as s:
        if s.execute(select(func.count()).select_from(Client)).scalar_one():
            raise ValidationError(
                "the database already has clients; the demo only fills an empty database (give another one with --db)",
                field="database",
            )
        demo = _Demo(s.connection(), seed, clients, assistants, months, today)
        demo.run(progress or (lambda _step: None))
        # The locked months' hour-ledger rows, as a lock writes them (the outlook reads them).
        from bpa_provider.services import hour_ledger

        demo.counts["hour_ledger"] = hour_ledger.refresh(
            s, [c.id for c in demo.clients], demo.first_day, demo.open_from, demo.now
        )
        counts = {**demo.counts}
        summary = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        audit.record(s, actor, "demo", "database", summary=f"demo data loaded (seed {seed}): {summary}")
    for key in (
        "municipality",
        "client",
        "decision",
        "supervisor",
        "assistant",
        "employment",
        "assignment",
        "shift",
        "review",
        "course_enrollment",
        "transfer",
        "app_user",
    ):
        counts.setdefault(key, 0)
    return DemoSummary(seed, demo.first_day, demo.ahead - timedelta(days=1), counts, _time.monotonic() - began)
