"""Handover packages: what the old provider hands the new one when a client switches provider.

- `export_package` writes the package of an outgoing transfer: a versioned JSON document (schema
  `bpa_provider/handover_schema.json`, a copy of `docs/handover.schema.json`) and a readable
  Markdown copy; the SHA-256 of the JSON is returned and stored, and every export is logged.
- `import_package` reads one on the receiving side: everything is checked first (JSON, schema,
  version, national IDs, dates, consent) and a bad file is refused with every problem listed and
  nothing written; then, in one transaction, the client, municipality, decision, supervisors,
  assistants and the incoming transfer are created, the hour balance becomes an opening entry,
  and the package is stored as received. A newer package for the same open incoming transfer
  updates it (packages may be sent early, at any stage).
- `apply_cutover_in` runs inside the incoming cut-over step: employments, assignments and rota
  from the stored package, from the effective date.

Privacy (domain.md: the new provider becomes a new data controller; hand over only what is
needed): no health details, no review notes, no decision notes, no contact details, nothing about
other clients (courses tied to another client, reviews at another client), and the client part only
on the client's recorded consent. docs/handover.md explains each choice.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bpa_provider.services.courses import HANDOVER_CERTIFICATE_PREFIX
from bpa_provider.services.worked import counted_as_worked
from bpa_provider import audit
from bpa_provider.access import Actor
from bpa_provider.config import Policy, load_settings
from bpa_provider.errors import FieldError, ValidationError
from bpa_provider.i18n import _
from bpa_provider.rules import national_id as nid
from bpa_provider.rules import transfer_flow as flow
from bpa_provider.rules.dates import format_date, local_day_start_utc, to_local
from bpa_provider.rules.hours import decided_hours, hours_in_range
from bpa_provider.services import records, transfers
from bpa_provider.services.base import require, service
from db.engine import Database
from db.models import (
    Assignment, Assistant, Client, Course, CourseEnrollment, Decision, Employment, HandoverExport,
    HourBalanceEntry, Municipality, Review, RotaPattern, Shift, Supervision, Supervisor, Transfer,
    TransferAssistant, TransferStep,
)
from db.types import utcnow

SCHEMA_VERSION = "1"
SUPPORTED_VERSIONS = frozenset({"1"})
#: A package lists one client and their assistants; anything this large is not one.
MAX_PACKAGE_BYTES = 5_000_000
SCHEMA_FILE = Path(__file__).resolve().parent.parent / "handover_schema.json"
DEFAULT_PROVIDER_NAME = "bpa-provider"


@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The JSON Schema of the current package version (shipped inside the package)."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ExportResult:
    """Where the package went, and the SHA-256 of the JSON file (also stored and logged)."""

    json_path: Path
    md_path: Path
    sha256: str
    export_id: int
    stage: str
    assistants: int
    client_part: bool


@dataclass(frozen=True)
class ImportResult:
    """What an import created or updated."""

    transfer_id: int
    client_ref: str
    sha256: str
    stage: str
    assistants: tuple[str, ...]  # our references of the assistants in the package
    client_part: bool
    updated: bool  # True when the package updated an incoming transfer that was already open
    opening_balance: float | None


# =========================================================================== export


def _provider_name() -> str:
    return load_settings().provider_name or DEFAULT_PROVIDER_NAME


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _completed_courses(session: Session, client_id: int, **who: int) -> list[dict[str, Any]]:
    # Courses taken for another client (its required trainings) would tell the receiver about that
    # client — possibly about their health — so only general ones and this client's are included.
    (column, person_id), = who.items()
    rows = session.execute(
        select(Course, CourseEnrollment.completed_on)
        .join(CourseEnrollment, CourseEnrollment.course_id == Course.id)
        .where(getattr(CourseEnrollment, column) == person_id, CourseEnrollment.status == "completed",
               CourseEnrollment.completed_on.is_not(None),
               or_(CourseEnrollment.client_id.is_(None), CourseEnrollment.client_id == client_id))
        .order_by(CourseEnrollment.completed_on, Course.name)
    ).all()
    return [{"name": c.name, "organiser": c.organiser, "kind": c.kind, "hours": c.hours,
             "completed_on": _iso(done)} for c, done in rows]


def _assistant_entry(session: Session, ctx: Any, ta: TransferAssistant, person: Assistant,
                     problems: list[FieldError]) -> dict[str, Any] | None:
    t, client = ctx.transfer, ctx.client
    assignment = session.execute(
        select(Assignment).where(Assignment.assistant_id == person.id, Assignment.client_id == client.id)
        .order_by(Assignment.start_date.desc()).limit(1)
    ).scalar()
    emp = session.execute(
        select(Employment).where(Employment.assistant_id == person.id, Employment.start_date <= t.effective_date)
        .order_by(Employment.start_date.desc()).limit(1)
    ).scalar()
    if not person.national_id:
        problems.append(FieldError("assistant", _("Assistant {ref} has no national ID: the new employer needs it")
                                   .format(ref=person.ref)))
    if emp is None:
        problems.append(FieldError("assistant", _("Assistant {ref} has no employment recorded").format(ref=person.ref)))
    if assignment is None or emp is None or not person.national_id:
        return None
    last_review = session.execute(
        select(func.max(Review.held_on)).where(Review.assistant_id == person.id, Review.client_id == client.id)
    ).scalar()
    return {
        "sender_ref": person.ref,
        "name": person.name,
        "national_id": person.national_id,
        "birth_date": _iso(person.birth_date),
        "role": assignment.role,
        "with_client_since": _iso(assignment.start_date),
        "informed_on": _iso(ta.informed_on),
        "refusal_deadline": _iso(ta.refusal_deadline),
        "employment": {
            "kind": emp.kind,
            "start_date": _iso(emp.start_date),
            "seniority_date": _iso(emp.seniority_date or emp.start_date),
            "position_percent": emp.position_percent,
            "hourly_wage": emp.hourly_wage,
        },
        "police_certificate": {"checked": emp.police_certificate_on is not None,
                               "checked_on": _iso(emp.police_certificate_on)},
        "confidentiality_signed_on": _iso(emp.confidentiality_on),
        "courses": _completed_courses(session, client.id, assistant_id=person.id),
        "last_review_on": _iso(last_review),
    }


def _current_decision(session: Session, client_id: int, on: date) -> Decision | None:
    """The decision in force on `on`, else the latest one that started by then."""
    return session.execute(
        select(Decision).where(Decision.client_id == client_id, Decision.valid_from <= on)
        .order_by(or_(Decision.valid_to.is_(None), Decision.valid_to >= on).desc(), Decision.valid_from.desc())
        .limit(1)
    ).scalar()


def worked_hours(session: Session, client_id: int, tz: str, first: date, last_exclusive: date,
                 now: datetime) -> float:
    """Hours worked for a client on local days `[first, last_exclusive)`.

    The plan becomes the actuals: a shift counts when worked or approved, or when planned, ended
    and without a pending deviation; cancelled shifts never count. Every hour counts in full (the
    decision's account is in hours of assistance; passive-time pay is payroll's business).
    """
    if last_exclusive <= first:
        return 0.0
    lo, hi = local_day_start_utc(first, tz), local_day_start_utc(last_exclusive, tz)
    rows = session.execute(
        select(Shift.start_utc, Shift.end_utc).where(
            Shift.client_id == client_id, Shift.start_utc < hi, Shift.end_utc > lo,
            counted_as_worked(now),
        )
    ).all()
    return sum(hours_in_range(start, end, tz, first, last_exclusive) for start, end in rows)


def hour_balance(session: Session, client: Client, decision: Decision, tz: str, as_of: date,
                 now: datetime) -> dict[str, Any]:
    """The client's hour account in the current decision period, before day `as_of`.

    Decided hours are counted from the later of the period start and the client's start with us
    (an earlier provider's part arrived as an opening entry); adjustments are the account's
    entries in the period up to `as_of`, such as that opening entry.
    """
    counted_from = max(decision.valid_from, client.start_date or decision.valid_from)
    counted_from = min(counted_from, as_of)
    decided = decided_hours(decision.hours, decision.hours_unit, decision.valid_from, decision.valid_to,
                            counted_from, as_of)
    worked = worked_hours(session, client.id, tz, counted_from, as_of, now)
    adjust = session.execute(
        select(func.coalesce(func.sum(HourBalanceEntry.hours), 0.0)).where(
            HourBalanceEntry.client_id == client.id, HourBalanceEntry.entry_date >= decision.valid_from,
            HourBalanceEntry.entry_date <= as_of)
    ).scalar_one()
    decided, worked, adjust = round(decided, 2), round(worked, 2), round(float(adjust), 2)
    return {
        "period_start": _iso(decision.valid_from), "period_end": _iso(decision.valid_to),
        "counted_from": _iso(counted_from), "as_of": _iso(as_of),
        "decided_hours": decided, "worked_hours": worked, "adjustment_hours": adjust,
        "balance_hours": round(adjust + decided - worked, 2),
    }


def _client_part(session: Session, ctx: Any, tz: str, as_of: date, now: datetime,
                 transferring: set[str]) -> dict[str, Any]:
    client = ctx.client
    decision = _current_decision(session, client.id, as_of)
    supervisors = []
    for sup, sv in session.execute(
        select(Supervisor, Supervision).join(Supervision, Supervision.supervisor_id == Supervisor.id)
        .where(Supervision.client_id == client.id, or_(Supervision.until.is_(None), Supervision.until >= as_of))
        .order_by(Supervision.since, Supervisor.id)
    ).all():
        courses = _completed_courses(session, client.id, supervisor_id=sup.id)
        basic = [c["completed_on"] for c in courses if c["kind"] == "supervisor_basic"]
        supervisors.append({"name": sup.name, "relation": sv.relation, "since": _iso(sv.since),
                            "basic_course_completed_on": min(basic) if basic else None, "courses": courses})
    patterns = []
    refs = dict(session.execute(select(Assistant.id, Assistant.ref).join(
        RotaPattern, RotaPattern.assistant_id == Assistant.id).where(RotaPattern.client_id == client.id)).all())
    for p in session.execute(
        select(RotaPattern).where(RotaPattern.client_id == client.id,
                                  or_(RotaPattern.valid_to.is_(None), RotaPattern.valid_to >= as_of))
        .order_by(RotaPattern.valid_from, RotaPattern.id)
    ).scalars():
        ref = refs.get(p.assistant_id)
        patterns.append({
            "name": p.name, "assistant_sender_ref": ref if ref in transferring else None,
            "weekdays": sorted({int(x) for x in p.weekdays.split(",") if x.strip()}),
            "start_time": p.start_time.strftime("%H:%M"), "end_time": p.end_time.strftime("%H:%M"),
            "kind": p.kind, "cycle_weeks": p.cycle_weeks, "cycle_week": p.cycle_week,
            "valid_from": _iso(p.valid_from), "valid_to": _iso(p.valid_to),
        })
    return {
        "decision": None if decision is None else {
            "case_number": decision.case_number, "issuer": decision.issuer, "hours": decision.hours,
            "hours_unit": decision.hours_unit, "two_helper_hours": decision.two_helper_hours,
            "night_hours_allowed": decision.night_hours_allowed,
            "services": [x for x in decision.services.split(",") if x],
            "valid_from": _iso(decision.valid_from), "valid_to": _iso(decision.valid_to),
        },
        "supervisors": supervisors,
        "rota_patterns": patterns,
        "hour_balance": None if decision is None else hour_balance(session, client, decision, tz, as_of, now),
    }


def build_package(session: Session, ctx: Any, provider: str, now: datetime) -> dict[str, Any]:
    """The package of an outgoing transfer as a JSON-able dict (ValidationError when data is missing)."""
    t, client = ctx.transfer, ctx.client
    muni = session.get(Municipality, client.municipality_id)
    assert muni is not None
    # The balance and "current" records are as of today, or the effective date once it has come:
    # a package exported after cut-over carries the final balance.
    as_of = min(to_local(now, muni.timezone).date(), t.effective_date)
    people = {a.id: a for a in session.execute(
        select(Assistant).where(Assistant.id.in_([ta.assistant_id for ta in ctx.assistants]))).scalars()}
    problems: list[FieldError] = []
    assistants, refusals = [], []
    for ta in ctx.assistants:
        person = people[ta.assistant_id]
        if ta.refused_on is not None:
            # Who refused stays with us: the receiver learns only our reference and the date.
            refusals.append({"sender_ref": person.ref, "refused_on": _iso(ta.refused_on)})
            continue
        entry = _assistant_entry(session, ctx, ta, person, problems)
        if entry is not None:
            assistants.append(entry)
    if problems:
        raise ValidationError(problems)
    transferring = {a["sender_ref"] for a in assistants}
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "stage": flow.stage(transfers.flow_state(ctx)),
        "from_provider": {"name": provider},
        "to_provider": {"name": t.counterpart},
        "transfer": {
            "sender_transfer_id": t.id,
            "country": ctx.country,
            "basis": "new_employment" if ctx.country == "SE" else "transfer_of_undertaking",
            "notice_date": _iso(t.notice_date), "agreed_date": _iso(t.agreed_date),
            "effective_date": _iso(t.effective_date), "client_consent_on": _iso(t.client_consent_on),
        },
        "client": {
            "sender_ref": client.ref, "name": client.name, "national_id": client.national_id,
            "birth_date": _iso(client.birth_date),
            "municipality": {"name": muni.name, "country": ctx.country, "timezone": muni.timezone,
                             "notice_months": muni.notice_months},
        },
        "employment_part": {"assistants": assistants, "refusals": refusals},
        "client_part": (_client_part(session, ctx, muni.timezone, as_of, now, transferring)
                        if t.client_consent_on is not None else None),
    }


def _write_private(path: Path, data: bytes) -> None:
    # The JSON holds national IDs and pay: readable by the owner only, and never half-written.
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


@service
def export_package(
    db: Database, actor: Actor, transfer_id: int, out_dir: str | Path, *,
    provider_name: str | None = None, now: datetime | None = None,
) -> ExportResult:
    """Write the handover package of an outgoing transfer to `out_dir` (JSON + Markdown).

    Allowed at any stage (the package states it); recording it as sent is the `handover` step.
    The export is logged with its SHA-256; if the files cannot be written nothing is logged.
    """
    require(actor, "handover.export", what="export handover packages")
    now = now or utcnow()
    out = Path(out_dir).expanduser()
    if out.exists() and not out.is_dir():
        raise ValidationError(_("{path} is not a folder").format(path=out), field="out_dir")
    written: list[Path] = []
    try:
        with db.write() as s:
            ctx = transfers.load_ctx(s, transfer_id)
            require(actor, "handover.export", client_id=ctx.client.id, what="export handover packages")
            t = ctx.transfer
            if t.direction != "out":
                raise ValidationError(_("A handover package is exported on an outgoing transfer; "
                                        "transfer {id} is incoming").format(id=t.id), field="transfer")
            if t.state == flow.STAGE_CANCELLED:
                raise ValidationError(_("Transfer {id} is cancelled").format(id=t.id), field="transfer")
            transfers.sync_assistants(s, actor, ctx)
            pkg = build_package(s, ctx, provider_name or _provider_name(), now)
            _self_check(pkg)
            data = (json.dumps(pkg, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
            digest = hashlib.sha256(data).hexdigest()
            row = HandoverExport(transfer_id=t.id, direction="export", sha256=digest, stage=pkg["stage"],
                                 schema_version=SCHEMA_VERSION, by=actor.login, at=now)
            s.add(row)
            s.flush()
            n = len(pkg["employment_part"]["assistants"])
            audit.record(s, actor, "export", "handover", row.id, subject=ctx.client.ref,
                         summary=f"handover package of transfer {t.id} for {t.counterpart}, stage {pkg['stage']}: "
                                 f"{n} assistant(s), client part "
                                 f"{'included' if pkg['client_part'] is not None else 'not included (no consent)'}; "
                                 f"sha256 {digest}")
            stem = f"handover-{ctx.client.ref}-transfer{t.id}-{now.astimezone(timezone.utc):%Y%m%dT%H%M%SZ}"
            try:
                out.mkdir(parents=True, exist_ok=True)
                json_path, md_path = out / f"{stem}.json", out / f"{stem}.md"
                _write_private(json_path, data)
                written.append(json_path)
                _write_private(md_path, render_markdown(pkg, digest).encode("utf-8"))
                written.append(md_path)
            except OSError as exc:
                raise ValidationError(_("Cannot write to {path}: {why}").format(
                    path=out, why=exc.strerror or exc), field="out_dir") from None
            return ExportResult(json_path, md_path, digest, row.id, pkg["stage"], n, pkg["client_part"] is not None)
    except BaseException:
        for p in written:  # the log entry was rolled back: leave no unlogged package behind
            p.unlink(missing_ok=True)
        raise


def _self_check(pkg: dict[str, Any]) -> None:
    # What we send must pass the schema we publish; failing here is a bug, not bad input.
    from jsonschema import Draft202012Validator, FormatChecker

    Draft202012Validator(load_schema(), format_checker=FormatChecker()).validate(pkg)


# --------------------------------------------------------------------------- Markdown


def _d(value: str | None) -> str:
    return format_date(date.fromisoformat(value)) if value else "—"


def render_markdown(pkg: dict[str, Any], sha256: str) -> str:
    """A readable copy of the package. National IDs are masked here: the full numbers are only in
    the JSON file, so a printed copy left on a desk does not carry them."""
    t, c = pkg["transfer"], pkg["client"]
    basis = (_("transfer of undertaking (arbeidsmiljøloven ch. 16): assistants keep terms and seniority")
             if t["basis"] == "transfer_of_undertaking" else
             _("no transfer of undertaking (Sweden): the new provider employs the assistants anew"))
    lines = [
        f"# {_('Handover package')}: {c['name']} ({c['sender_ref']})", "",
        f"{_('From')} **{pkg['from_provider']['name']}** {_('to')} **{pkg['to_provider']['name']}**. "
        f"{_('Generated')} {pkg['generated_at']}, {_('stage')}: `{pkg['stage']}`, "
        f"{_('schema version')} {pkg['schema_version']}.", "",
        f"{_('SHA-256 of the JSON file')}: `{sha256}`", "",
        f"## {_('Transfer')}", "",
        f"- {_('Country')}: {t['country']}; {basis}",
        f"- {_('Notice date')}: {_d(t['notice_date'])}",
        f"- {_('Effective date')}: {_d(t['effective_date'])}"
        + (f" ({_('agreed')})" if t["agreed_date"] else ""),
        f"- {_('Client consent to the client part')}: "
        + (_d(t["client_consent_on"]) if t["client_consent_on"] else _("not recorded")), "",
        f"## {_('Client')}", "",
        f"- {c['name']}, {_('national ID')} {nid.mask(c['national_id']) or '—'}, "
        f"{_('born')} {_d(c['birth_date'])}",
        f"- {_('Municipality')}: {c['municipality']['name']} ({c['municipality']['country']})", "",
    ]
    part = pkg["employment_part"]
    lines += [f"## {_('Employment part')} ({len(part['assistants'])})", ""]
    for a in part["assistants"]:
        e, pc = a["employment"], a["police_certificate"]
        wage = f"{e['hourly_wage']:.2f}" if e["hourly_wage"] is not None else "—"
        courses = "; ".join(f"{x['name']} ({_d(x['completed_on'])})" for x in a["courses"]) or _("none recorded")
        lines += [
            f"### {a['name']} ({a['sender_ref']})", "",
            f"- {_('National ID')}: {nid.mask(a['national_id'])} ({_('full number in the JSON file')})",
            f"- {_('With the client')}: {a['role']} {_('since')} {_d(a['with_client_since'])}",
            f"- {_('Informed')}: {_d(a['informed_on'])}, {_('refusal deadline')}: {_d(a['refusal_deadline'])}",
            f"- {_('Employment')}: {e['kind']} {_('from')} {_d(e['start_date'])}, {_('seniority from')} "
            f"{_d(e['seniority_date'])}, {e['position_percent']:g} %, {_('hourly wage')} {wage}",
            f"- {_('Police certificate checked')}: "
            + (_d(pc["checked_on"]) if pc["checked"] else _("no")),
            f"- {_('Confidentiality declaration')}: {_d(a['confidentiality_signed_on'])}",
            f"- {_('Courses completed')}: {courses}",
            f"- {_('Last staff review')}: {_d(a['last_review_on'])}", "",
        ]
    if part["refusals"]:
        refused = ", ".join(f"{r['sender_ref']} ({_d(r['refused_on'])})" for r in part["refusals"])
        lines += [f"{_('Refused the transfer in writing (our references only)')}: {refused}", ""]
    lines += _client_part_md(pkg["client_part"])
    return "\n".join(lines).rstrip() + "\n"


def _client_part_md(cp: dict[str, Any] | None) -> list[str]:
    lines = [f"## {_('Client part')}", ""]
    if cp is None:
        return lines + [_("Not included: the client's consent is not recorded."), ""]
    d = cp["decision"]
    if d:
        lines += [f"### {_('Decision')}", "",
                  f"- {d['hours']:g} {_('hours per')} {d['hours_unit']}, {_('from')} {_d(d['valid_from'])} "
                  f"{_('to')} {_d(d['valid_to'])}; {_('services')}: {', '.join(d['services']) or '—'}",
                  f"- {_('Two-helper hours')}: {d['two_helper_hours']:g}; {_('night hours granted')}: "
                  f"{_('yes') if d['night_hours_allowed'] else _('no')}; {_('case')} {d['case_number'] or '—'}", ""]
    lines += [f"### {_('Work supervisors')}", ""]
    for s in cp["supervisors"]:
        lines.append(f"- {s['name']} ({s['relation']}) {_('since')} {_d(s['since'])}; {_('basic course')}: "
                     f"{_d(s['basic_course_completed_on']) if s['basic_course_completed_on'] else _('not completed')}")
    lines += ["", f"### {_('Rota')}", ""]
    if cp["rota_patterns"]:
        lines += [f"| {_('Name')} | {_('Days')} | {_('Time')} | {_('Kind')} | {_('Cycle')} | {_('Assistant')} |",
                  "|---|---|---|---|---|---|"]
        days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        for p in cp["rota_patterns"]:
            lines.append(f"| {p['name'] or '—'} | {' '.join(days[x] for x in p['weekdays'])} | "
                         f"{p['start_time']}–{p['end_time']} | {p['kind']} | {p['cycle_week'] + 1}/{p['cycle_weeks']} | "
                         f"{p['assistant_sender_ref'] or '—'} |")
    else:
        lines.append(_("No rota pattern recorded."))
    hb = cp["hour_balance"]
    lines += ["", f"### {_('Hour balance')}", ""]
    if hb:
        lines += [f"- {_('Decision period')}: {_d(hb['period_start'])} – {_d(hb['period_end'])}",
                  f"- {_('Counted')} {_d(hb['counted_from'])} – {_('before')} {_d(hb['as_of'])}: "
                  f"{_('decided')} {hb['decided_hours']:.2f} h, {_('worked')} {hb['worked_hours']:.2f} h, "
                  f"{_('adjustments')} {hb['adjustment_hours']:.2f} h",
                  f"- **{_('Balance')}: {hb['balance_hours']:.2f} h**"]
    else:
        lines.append(_("No decision in force: no balance."))
    return lines + [""]


# =========================================================================== validation


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _schema_errors(doc: Any) -> list[FieldError]:
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import best_match

    validator = Draft202012Validator(load_schema(), format_checker=FormatChecker())
    errors = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path]):
        where = list(err.absolute_path)
        if err.validator == "oneOf" and err.context:
            # "x is not valid under any of the given schemas" helps nobody: say what was expected.
            err = best_match(err.context)
            where = list(err.absolute_path) or where
        if err.validator == "required":
            m = re.match(r"'(.+)' is a required property", err.message)
            errors.append(FieldError(_path(where + [m.group(1)]) if m else _path(where) or "package",
                                     _("is missing")))
            continue
        errors.append(FieldError(_path(where) or "package", err.message))
    return errors


def _get(doc: Any, *keys: Any) -> Any:
    for k in keys:
        if isinstance(k, int):
            if not isinstance(doc, list) or k >= len(doc):
                return None
        elif not isinstance(doc, dict):
            return None
        doc = doc[k] if isinstance(k, int) else doc.get(k)
    return doc


def _as_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _id_country(number: str) -> str:
    # The same reading as the registry: 11 digits is Norwegian, otherwise Swedish.
    digits = number.replace("-", "").replace("+", "").replace(" ", "")
    return "NO" if len(digits) == 11 else "SE"


def _check_person(errors: list[FieldError], where: str, person: Any, country: str | None) -> str | None:
    number = _get(person, "national_id")
    if not isinstance(number, str):
        return None
    try:
        parsed = nid.validate(number, country or _id_country(number))
    except ValueError as exc:
        errors.append(FieldError(f"{where}.national_id", str(exc)))
        return None
    born = _as_date(_get(person, "birth_date"))
    if born and born != parsed.birth_date:
        errors.append(FieldError(f"{where}.birth_date", _("does not match the national ID")))
    return parsed.compact


def _semantic_errors(doc: dict[str, Any]) -> list[FieldError]:
    """What the schema cannot say: national IDs, date order, consent, references, sums."""
    errors: list[FieldError] = []
    tr = _get(doc, "transfer") or {}
    notice, eff = _as_date(_get(tr, "notice_date")), _as_date(_get(tr, "effective_date"))
    agreed, consent = _as_date(_get(tr, "agreed_date")), _get(tr, "client_consent_on")
    if notice and eff and eff < notice:
        errors.append(FieldError("transfer.effective_date", _("is before the notice date")))
    if agreed and eff and agreed != eff:
        errors.append(FieldError("transfer.agreed_date", _("an agreed date is the effective date, but they differ")))
    generated = _get(doc, "generated_at")
    if isinstance(generated, str):
        try:
            datetime.fromisoformat(generated.replace("Z", "+00:00"))
        except ValueError:
            errors.append(FieldError("generated_at", _("is not a real date and time")))
    country = _get(doc, "client", "municipality", "country")
    if country and _get(tr, "country") and country != _get(tr, "country"):
        errors.append(FieldError("client.municipality.country", _("differs from transfer.country")))
    tz = _get(doc, "client", "municipality", "timezone")
    if isinstance(tz, str) and tz not in available_timezones():
        errors.append(FieldError("client.municipality.timezone", _("is not a known time zone")))
    _check_person(errors, "client", _get(doc, "client"), country if country in ("NO", "SE") else None)
    if _get(doc, "client_part") is not None and consent is None:
        errors.append(FieldError("client_part", _("is included without the client's consent "
                                                  "(transfer.client_consent_on is empty)")))
    seen_ids: set[str] = set()
    refs: set[str] = set()
    for i, a in enumerate(_get(doc, "employment_part", "assistants") or []):
        where = f"employment_part.assistants[{i}]"
        compact = _check_person(errors, where, a, None)
        if compact and compact in seen_ids:
            errors.append(FieldError(f"{where}.national_id", _("appears twice in the package")))
        seen_ids.add(compact or "")
        ref = _get(a, "sender_ref")
        if ref in refs:
            errors.append(FieldError(f"{where}.sender_ref", _("appears twice in the package")))
        refs.add(ref)
        informed, deadline = _as_date(_get(a, "informed_on")), _as_date(_get(a, "refusal_deadline"))
        if informed and deadline and deadline < informed:
            errors.append(FieldError(f"{where}.refusal_deadline", _("is before the assistant was informed")))
        seniority = _as_date(_get(a, "employment", "seniority_date"))
        if seniority and eff and seniority > eff:
            errors.append(FieldError(f"{where}.employment.seniority_date", _("is after the effective date")))
        pc = _get(a, "police_certificate") or {}
        if _get(pc, "checked") is False and _get(pc, "checked_on"):
            errors.append(FieldError(f"{where}.police_certificate", _("has a date but is not marked as checked")))
    for i, r in enumerate(_get(doc, "employment_part", "refusals") or []):
        if _get(r, "sender_ref") in refs:
            errors.append(FieldError(f"employment_part.refusals[{i}].sender_ref",
                                     _("is also listed as transferring")))
    cp = _get(doc, "client_part")
    if isinstance(cp, dict):
        frm, to = _as_date(_get(cp, "decision", "valid_from")), _as_date(_get(cp, "decision", "valid_to"))
        if frm and to and to < frm:
            errors.append(FieldError("client_part.decision.valid_to", _("is before valid_from")))
        for i, p in enumerate(_get(cp, "rota_patterns") or []):
            who = _get(p, "assistant_sender_ref")
            if who is not None and who not in refs:
                errors.append(FieldError(f"client_part.rota_patterns[{i}].assistant_sender_ref",
                                         _("is not an assistant in the package")))
            weeks, week = _get(p, "cycle_weeks"), _get(p, "cycle_week")
            if isinstance(weeks, int) and isinstance(week, int) and week >= weeks:
                errors.append(FieldError(f"client_part.rota_patterns[{i}].cycle_week",
                                         _("must be less than cycle_weeks")))
        hb = _get(cp, "hour_balance")
        if isinstance(hb, dict):
            nums = [_get(hb, k) for k in ("adjustment_hours", "decided_hours", "worked_hours", "balance_hours")]
            if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in nums):
                if abs(nums[0] + nums[1] - nums[2] - nums[3]) > 0.011:
                    errors.append(FieldError("client_part.hour_balance.balance_hours",
                                             _("is not adjustments + decided - worked")))
    return errors


def validate_package(raw: bytes) -> tuple[dict[str, Any] | None, list[FieldError]]:
    """Check a package file's bytes; returns (package, []) or (None, every problem found).

    Pure: the import screen can call it to show the problems before anything is imported.
    """
    if len(raw) > MAX_PACKAGE_BYTES:
        return None, [FieldError("file", _("is too large to be a handover package"))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [FieldError("file", _("is not UTF-8 text"))]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [FieldError("file", _("is not valid JSON: {msg} at line {line}, column {col}").format(
            msg=exc.msg, line=exc.lineno, col=exc.colno))]
    if not isinstance(doc, dict):
        return None, [FieldError("file", _("is not a handover package (expected a JSON object)"))]
    version = doc.get("schema_version")
    if version not in SUPPORTED_VERSIONS:
        # Another version's fields cannot be judged by this version's schema: say only that.
        message = (_("is missing") if version is None else
                   _("version {v} is not supported (this bpa-provider reads version {ours})").format(
                       v=json.dumps(version), ours=", ".join(json.dumps(v) for v in sorted(SUPPORTED_VERSIONS))))
        return None, [FieldError("schema_version", message)]
    errors = _schema_errors(doc)
    # A field the schema already refused is not reported twice.
    refused = {e.field for e in errors}
    errors += [e for e in _semantic_errors(doc) if e.field not in refused]
    return (None, errors) if errors else (doc, [])


# =========================================================================== import


def _compact_id(number: str | None, country: str | None = None) -> str | None:
    if not number:
        return None
    return nid.validate(number, country or _id_country(number)).compact


def _by_national_id(session: Session, model: type, compact: str | None) -> Any:
    if not compact:
        return None
    return session.execute(select(model).where(model.national_id == compact).order_by(model.id).limit(1)).scalar()


@dataclass
class _Target:
    client: Client | None = None
    transfer: Transfer | None = None


def _check_against_db(session: Session, doc: dict[str, Any], digest: str) -> tuple[_Target, list[FieldError]]:
    errors: list[FieldError] = []
    target = _Target()
    seen = session.execute(select(HandoverExport.transfer_id).where(
        HandoverExport.direction == "import", HandoverExport.sha256 == digest).limit(1)).scalar()
    if seen is not None:
        errors.append(FieldError("file", _("This package was already imported (transfer {id})").format(id=seen)))
    m = doc["client"]["municipality"]
    muni = session.execute(select(Municipality).where(Municipality.name == m["name"])).scalar()
    if muni is not None and (muni.country or "").upper() != m["country"]:
        errors.append(FieldError("client.municipality.country", _("Municipality {name} is in {country} here").format(
            name=muni.name, country=muni.country)))
    client = _by_national_id(session, Client, _compact_id(doc["client"]["national_id"], m["country"]))
    if client is not None:
        target.client = client
        open_t = transfers.open_transfer_for(session, client.id)
        cut = open_t is not None and session.execute(select(func.count()).select_from(TransferStep).where(
            TransferStep.transfer_id == open_t.id, TransferStep.code == "cutover",
            TransferStep.done_on.is_not(None))).scalar_one()
        if open_t is not None and open_t.direction == "in" and not cut:
            target.transfer = open_t  # a newer package for a transfer already on its way
        elif open_t is not None:
            errors.append(FieldError("client", _("Client {ref} has an open transfer ({id}) that this package "
                                                 "cannot update").format(ref=client.ref, id=open_t.id)))
        elif client.status in ("active", "transferring_out"):
            errors.append(FieldError("client", _("Client {ref} with this national ID is already ours").format(
                ref=client.ref)))
    return target, errors


def _audit_create(session: Session, actor: Actor, entity: str, row: Any, subject: str, summary: str) -> None:
    session.add(row)
    session.flush()
    audit.record(session, actor, "create", entity, row.id, subject=subject, summary=summary, after=row)


def _ensure_courses(session: Session, actor: Actor, courses: list[dict[str, Any]], provider: str,
                    subject: str, **who: int) -> None:
    """Record courses completed at the old provider (marked as such, so they are not reported as
    our training for the state grant)."""
    (column, person_id), = who.items()
    for c in courses:
        course = session.execute(select(Course).where(Course.name == c["name"])).scalar()
        if course is None:
            course = Course(name=c["name"], organiser=c["organiser"], kind=c["kind"], hours=c["hours"])
            _audit_create(session, actor, "course", course, "", f"course from handover by {provider}")
        done = date.fromisoformat(c["completed_on"])
        exists = session.execute(select(CourseEnrollment.id).where(
            getattr(CourseEnrollment, column) == person_id, CourseEnrollment.course_id == course.id,
            CourseEnrollment.completed_on == done)).scalar()
        if exists is None:
            _audit_create(session, actor, "course_enrollment", CourseEnrollment(
                course_id=course.id, status="completed", completed_on=done,
                certificate_ref=f"{HANDOVER_CERTIFICATE_PREFIX} {provider}"[:100], **{column: person_id}),
                subject, f"completed {format_date(done)} (handover from {provider})")


def _ensure_client_part(session: Session, actor: Actor, ctx: Any, cp: dict[str, Any], provider: str,
                        as_received: str) -> float | None:
    client, t = ctx.client, ctx.transfer
    d = cp["decision"]
    decision = None
    if d is not None:
        frm, to = date.fromisoformat(d["valid_from"]), _as_date(d["valid_to"])
        q = select(Decision).where(Decision.client_id == client.id,
                                   or_(Decision.valid_to.is_(None), Decision.valid_to >= frm))
        if to is not None:
            q = q.where(Decision.valid_from <= to)
        decision = session.execute(q.limit(1)).scalar()
        if decision is None:  # an existing decision for the period is the municipality's word: kept
            decision = records.create_in(session, actor, "decision", {
                "client_id": client.id, "case_number": d["case_number"], "issuer": d["issuer"],
                "hours": d["hours"], "hours_unit": d["hours_unit"], "two_helper_hours": d["two_helper_hours"],
                "night_hours_allowed": d["night_hours_allowed"], "services": ",".join(d["services"]),
                "valid_from": frm, "valid_to": to})
    current = {name for (name,) in session.execute(
        select(Supervisor.name).join(Supervision, Supervision.supervisor_id == Supervisor.id)
        .where(Supervision.client_id == client.id, Supervision.until.is_(None))).all()}
    for s in cp["supervisors"]:
        if s["name"] in current:
            continue
        sup = records.create_in(session, actor, "supervisor", {
            "name": s["name"], "client_id": client.id, "relation": s["relation"], "since": s["since"]})
        _ensure_courses(session, actor, s["courses"], provider, sup.ref, supervisor_id=sup.id)
    hb = cp["hour_balance"]
    if hb is None:
        return None
    # The entries of this transfer add up to the newest package's balance: a later package adds
    # the difference instead of a second opening balance.
    marker = f"transfer {t.id}:"
    booked = session.execute(select(func.coalesce(func.sum(HourBalanceEntry.hours), 0.0)).where(
        HourBalanceEntry.client_id == client.id, HourBalanceEntry.source == "handover",
        HourBalanceEntry.note.like(f"{marker}%"))).scalar_one()
    delta = round(hb["balance_hours"] - float(booked), 2)
    if abs(delta) >= 0.01:
        what = "opening balance" if not booked else "balance correction"
        _audit_create(session, actor, "hour_balance_entry", HourBalanceEntry(
            client_id=client.id, decision_id=decision.id if decision else None, entry_date=t.effective_date,
            hours=delta, source="handover",
            note=f"{marker} {what} from {provider}, as of {format_date(_as_date(hb['as_of']))} "
                 f"(package {as_received})"[:500]),
            client.ref, f"{what} {delta:+.2f} h from handover")
    return hb["balance_hours"]


def _ensure_assistants(session: Session, actor: Actor, ctx: Any, doc: dict[str, Any]) -> list[str]:
    t = ctx.transfer
    part = doc["employment_part"]
    deadline_done = "refusal_deadline_passed" in ctx.done
    refs = []
    for a in part["assistants"]:
        person = _by_national_id(session, Assistant, _compact_id(a["national_id"]))
        if person is None:
            person = records.create_in(session, actor, "assistant", {
                "name": a["name"], "national_id": a["national_id"], "birth_date": a["birth_date"]})
        refs.append(person.ref)
        ta = next((x for x in ctx.assistants if x.assistant_id == person.id), None)
        informed, deadline = _as_date(a["informed_on"]), _as_date(a["refusal_deadline"])
        if ta is None:
            ta = TransferAssistant(transfer_id=t.id, assistant_id=person.id, informed_on=informed,
                                   refusal_deadline=deadline)
            _audit_create(session, actor, "transfer_assistant", ta, person.ref,
                          f"listed on incoming transfer {t.id} of client {ctx.client.ref}")
            ctx.assistants.append(ta)
        elif informed and not deadline_done and (ta.informed_on, ta.refusal_deadline) != (informed, deadline):
            before = ta.model_dump()
            ta.informed_on, ta.refusal_deadline = informed, deadline
            session.flush()
            audit.record(session, actor, "inform", "transfer_assistant", ta.id, subject=person.ref,
                         summary=f"dates from a newer handover package of transfer {t.id}", before=before, after=ta)
    # A refusal names only the sender's reference: earlier packages of this transfer say who that is.
    earlier: dict[str, str] = {}
    for (payload,) in session.execute(select(HandoverExport.payload).where(
            HandoverExport.transfer_id == t.id, HandoverExport.direction == "import",
            HandoverExport.payload.is_not(None)).order_by(HandoverExport.id)).all():
        for a in json.loads(payload)["employment_part"]["assistants"]:
            earlier[a["sender_ref"]] = _compact_id(a["national_id"]) or ""
    for r in part["refusals"]:
        person = _by_national_id(session, Assistant, earlier.get(r["sender_ref"]))
        ta = next((x for x in ctx.assistants if person is not None and x.assistant_id == person.id), None)
        if ta is not None and ta.refused_on is None:
            before = ta.model_dump()
            ta.refused_on = date.fromisoformat(r["refused_on"])
            session.flush()
            audit.record(session, actor, "refuse", "transfer_assistant", ta.id, subject=person.ref,
                         summary=f"written refusal {format_date(ta.refused_on)} reported in the handover package",
                         before=before, after=ta)
    return refs


@service
def import_package(
    db: Database, actor: Actor, path: str | Path, *, today: date | None = None, policy: Policy | None = None,
) -> ImportResult:
    """Open (or update) the incoming transfer a handover package describes.

    Everything is validated before anything is written; a bad file raises one ValidationError with
    a FieldError per problem (field = the place in the package, e.g.
    `employment_part.assistants[1].national_id`). Employments and assignments are created at
    cut-over, from the package stored here.
    """
    require(actor, "handover.import", what="import handover packages")
    policy = policy if policy is not None else load_settings().policy
    p = Path(path).expanduser()
    try:
        if p.stat().st_size > MAX_PACKAGE_BYTES:
            raise ValidationError(_("is too large to be a handover package"), field="file")
        raw = p.read_bytes()
    except OSError as exc:
        raise ValidationError(_("Cannot read {path}: {why}").format(path=p, why=exc.strerror or exc),
                              field="file") from None
    doc, errors = validate_package(raw)
    if errors:
        raise ValidationError(errors)
    assert doc is not None
    digest = hashlib.sha256(raw).hexdigest()
    provider = doc["from_provider"]["name"]
    tr, c = doc["transfer"], doc["client"]
    with db.write() as s:
        target, errors = _check_against_db(s, doc, digest)
        if errors:
            raise ValidationError(errors)
        notice, eff = date.fromisoformat(tr["notice_date"]), date.fromisoformat(tr["effective_date"])
        agreed = _as_date(tr["agreed_date"])
        updated = target.transfer is not None
        if target.transfer is not None:
            ctx = transfers.load_ctx(s, target.transfer.id)
            _follow_dates(s, actor, ctx, agreed, eff, provider)
        else:
            client = target.client or _create_client(s, actor, c, eff)
            ctx = transfers.open_in(s, actor, client, "in", provider[:200], notice, agreed, eff, policy)
        refs = _ensure_assistants(s, actor, ctx, doc)
        balance = None
        if doc["client_part"] is not None:
            balance = _ensure_client_part(s, actor, ctx, doc["client_part"], provider, doc["generated_at"])
        transfers.refresh_due_dates(ctx, policy)
        transfers.touch(ctx.transfer)
        row = HandoverExport(transfer_id=ctx.transfer.id, direction="import", sha256=digest, stage=doc["stage"],
                             schema_version=doc["schema_version"], by=actor.login,
                             payload=raw.decode("utf-8-sig"))
        s.add(row)
        s.flush()
        audit.record(s, actor, "import", "handover", row.id, subject=ctx.client.ref,
                     summary=f"handover package from {provider}, stage {doc['stage']}: {len(refs)} assistant(s), "
                             f"client part {'included' if doc['client_part'] is not None else 'not included'}; "
                             f"{'updated' if updated else 'opened'} transfer {ctx.transfer.id}; sha256 {digest}")
        return ImportResult(ctx.transfer.id, ctx.client.ref, digest, doc["stage"], tuple(refs),
                            doc["client_part"] is not None, updated, balance)


def _create_client(session: Session, actor: Actor, c: dict[str, Any], eff: date) -> Client:
    m = c["municipality"]
    muni = session.execute(select(Municipality).where(Municipality.name == m["name"])).scalar()
    if muni is None:
        muni = records.create_in(session, actor, "municipality", {
            "name": m["name"], "country": m["country"].lower(), "timezone": m["timezone"],
            "notice_months": m["notice_months"]})
    data: dict[str, Any] = {"name": c["name"], "municipality_id": muni.id, "status": "prospect", "start_date": eff}
    if c["national_id"]:
        data["national_id"] = c["national_id"]
    if c["birth_date"]:
        data["birth_date"] = c["birth_date"]
    return records.create_in(session, actor, "client", data)


def _follow_dates(session: Session, actor: Actor, ctx: Any, agreed: date | None, eff: date, provider: str) -> None:
    # The two providers may agree a new date between packages; the newest package says it.
    t = ctx.transfer
    if (t.agreed_date, t.effective_date) == (agreed, eff) or eff < t.notice_date:
        return
    before = t.model_dump()
    t.agreed_date, t.effective_date = agreed or eff, eff
    session.flush()
    audit.record(session, actor, "update", "transfer", t.id, subject=ctx.client.ref,
                 summary=f"effective date {format_date(eff)} from a newer package by {provider}",
                 before=before, after=t)


# =========================================================================== incoming cut-over


def latest_import(session: Session, transfer_id: int) -> dict[str, Any] | None:
    """The newest package imported for a transfer, parsed, or None."""
    payload = session.execute(select(HandoverExport.payload).where(
        HandoverExport.transfer_id == transfer_id, HandoverExport.direction == "import",
        HandoverExport.payload.is_not(None)).order_by(HandoverExport.id.desc()).limit(1)).scalar()
    return json.loads(payload) if payload else None


def apply_cutover_in(session: Session, actor: Actor, ctx: Any) -> list[str]:
    """The client joins us: employments and assignments from the effective date for every assistant
    in the newest package who did not refuse (keeping pay, position percent and seniority), their
    courses, the rota, and the client becomes active. Runs inside the cut-over step's transaction."""
    t, client = ctx.transfer, ctx.client
    eff = t.effective_date
    doc = latest_import(session, t.id)
    changes: list[str] = []
    refs: dict[str, int] = {}
    if doc is None:
        changes.append(_("no handover package imported: no employments created"))
    else:
        provider = doc["from_provider"]["name"]
        joined = []
        for a in doc["employment_part"]["assistants"]:
            person = _by_national_id(session, Assistant, _compact_id(a["national_id"]))
            ta = next((x for x in ctx.assistants if person is not None and x.assistant_id == person.id), None)
            if person is None or ta is None or ta.refused_on is not None:
                continue
            e, pc = a["employment"], a["police_certificate"]
            emp = records.create_in(session, actor, "employment", {
                "assistant_id": person.id, "start_date": eff, "position_percent": e["position_percent"],
                "kind": e["kind"], "hourly_wage": e["hourly_wage"], "seniority_date": e["seniority_date"],
                "police_certificate_on": pc["checked_on"] if pc["checked"] else None,
                "police_certificate_checked_by": f"{provider} (handover)"[:64] if pc["checked"] else "",
                "confidentiality_on": a["confidentiality_signed_on"]})
            emp.transferred_from = t.counterpart[:200]
            session.flush()
            records.create_in(session, actor, "assignment", {
                "assistant_id": person.id, "client_id": client.id, "role": a["role"], "start_date": eff})
            _ensure_courses(session, actor, a["courses"], provider, person.ref, assistant_id=person.id)
            refs[a["sender_ref"]] = person.id
            joined.append(person.ref)
        if joined:
            changes.append(_("employment and assignment from {date} for {refs}").format(
                date=format_date(eff), refs=", ".join(joined)))
        n = _create_rota(session, actor, client, (doc["client_part"] or {}).get("rota_patterns", []), refs, eff)
        if n:
            changes.append(_("{n} rota pattern(s) from {date}").format(n=n, date=format_date(eff)))
    before = client.model_dump()
    client.status, client.start_date, client.end_date, client.end_reason = "active", eff, None, ""
    client.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "update", "client", client.id, subject=client.ref,
                 summary=f"active from {format_date(eff)}: transfer {t.id} from {t.counterpart}",
                 before=before, after=client)
    changes.append(_("client {ref} active from {date}").format(ref=client.ref, date=format_date(eff)))
    return changes


def _create_rota(session: Session, actor: Actor, client: Client, patterns: list[dict[str, Any]],
                 refs: dict[str, int], eff: date) -> int:
    # Patterns start on our first day; a week of a multi-week cycle keeps its number, so the
    # roster owner should check the cycle's anchor after a transfer (docs/transfers.md).
    n = 0
    for p in patterns:
        valid_to = _as_date(p["valid_to"])
        if valid_to is not None and valid_to < eff:
            continue
        row = RotaPattern(
            client_id=client.id, assistant_id=refs.get(p["assistant_sender_ref"] or ""), name=p["name"],
            weekdays=",".join(str(x) for x in p["weekdays"]),
            start_time=time.fromisoformat(p["start_time"]), end_time=time.fromisoformat(p["end_time"]),
            kind=p["kind"], cycle_weeks=p["cycle_weeks"], cycle_week=p["cycle_week"],
            valid_from=max(eff, date.fromisoformat(p["valid_from"])), valid_to=valid_to)
        _audit_create(session, actor, "rota_pattern", row, client.ref, "rota pattern from handover package")
        n += 1
    return n


__all__ = [
    "ExportResult", "ImportResult", "MAX_PACKAGE_BYTES", "SCHEMA_VERSION", "apply_cutover_in",
    "build_package", "export_package", "hour_balance", "import_package", "latest_import", "load_schema",
    "render_markdown", "validate_package", "worked_hours",
]
