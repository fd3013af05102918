"""The readable copy of a handover package (Markdown), for people and for printing.

National IDs are masked here: the full numbers are only in the JSON file, so a printed copy left
on a desk does not carry them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bpa_provider.i18n import _
from bpa_provider.rules import money
from bpa_provider.rules import national_id as nid
from bpa_provider.rules.absence import KIND_LABELS
from bpa_provider.rules.dates import format_date


def _d(value: str | None) -> str:
    return format_date(date.fromisoformat(value)) if value else "—"


def render_markdown(pkg: dict[str, Any], sha256: str) -> str:
    """A readable copy of the package. National IDs are masked here: the full numbers are only in
    the JSON file, so a printed copy left on a desk does not carry them."""
    t, c = pkg["transfer"], pkg["client"]
    basis = (
        _("transfer of undertaking (arbeidsmiljøloven ch. 16): assistants keep terms and seniority")
        if t["basis"] == "transfer_of_undertaking"
        else _("no transfer of undertaking (Sweden): the new provider employs the assistants anew")
    )
    lines = [
        f"# {_('Handover package')}: {c['name']} ({c['sender_ref']})",
        "",
        f"{_('From')} **{pkg['from_provider']['name']}** {_('to')} **{pkg['to_provider']['name']}**. "
        f"{_('Generated')} {pkg['generated_at']}, {_('stage')}: `{pkg['stage']}`, "
        f"{_('schema version')} {pkg['schema_version']}.",
        "",
        f"{_('SHA-256 of the JSON file')}: `{sha256}`",
        "",
        f"## {_('Transfer')}",
        "",
        f"- {_('Country')}: {t['country']}; {basis}",
        f"- {_('Notice date')}: {_d(t['notice_date'])}",
        f"- {_('Effective date')}: {_d(t['effective_date'])}" + (f" ({_('agreed')})" if t["agreed_date"] else ""),
        f"- {_('Client consent to the client part')}: "
        + (_d(t["client_consent_on"]) if t["client_consent_on"] else _("not recorded")),
        "",
        f"## {_('Client')}",
        "",
        f"- {c['name']}, {_('national ID')} {nid.mask(c['national_id']) or '—'}, {_('born')} {_d(c['birth_date'])}",
        f"- {_('Municipality')}: {c['municipality']['name']} ({c['municipality']['country']})",
        "",
    ]
    part = pkg["employment_part"]
    lines += [f"## {_('Employment part')} ({len(part['assistants'])})", ""]
    for a in part["assistants"]:
        e, pc = a["employment"], a["police_certificate"]
        # Text in new packages ("230.50"), a number in older ones: read either as a Decimal.
        wage = money.as_text(money.to_decimal(e["hourly_wage"])) if e["hourly_wage"] is not None else "—"
        courses = "; ".join(
            f"{x['name']} ({_d(x['completed_on'])}"
            + (f", {_('expires')} {_d(x['expires_on'])}" if x.get("expires_on") else "")
            + ")"
            for x in a["courses"]
        ) or _("none recorded")
        absences = (
            "; ".join(
                f"{_(KIND_LABELS.get(x['kind'], x['kind']))} {_d(x['from_date'])}–{_d(x['to_date'])}"
                + (f" ({x['grade']} %)" if x["grade"] != 100 else "")
                for x in a.get("absences") or []
            )
            or "—"
        )
        lines += [
            f"### {a['name']} ({a['sender_ref']})",
            "",
            f"- {_('National ID')}: {nid.mask(a['national_id'])} ({_('full number in the JSON file')})",
            f"- {_('With the client')}: {a['role']} {_('since')} {_d(a['with_client_since'])}",
            f"- {_('Informed')}: {_d(a['informed_on'])}, {_('refusal deadline')}: {_d(a['refusal_deadline'])}",
            f"- {_('Employment')}: {e['kind']} {_('from')} {_d(e['start_date'])}, {_('seniority from')} "
            f"{_d(e['seniority_date'])}, {e['position_percent']:g} %, {_('hourly wage')} {wage}",
            f"- {_('Police certificate checked')}: " + (_d(pc["checked_on"]) if pc["checked"] else _("no")),
            f"- {_('Confidentiality declaration')}: {_d(a['confidentiality_signed_on'])}",
            f"- {_('Courses completed')}: {courses}",
            f"- {_('Last staff review')}: {_d(a['last_review_on'])}",
            f"- {_('Absence from the effective date')}: {absences}",
            "",
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
        lines += [
            f"### {_('Decision')}",
            "",
            f"- {d['hours']:g} {_('hours per')} {d['hours_unit']}, {_('from')} {_d(d['valid_from'])} "
            f"{_('to')} {_d(d['valid_to'])}; {_('services')}: {', '.join(d['services']) or '—'}",
            f"- {_('Two-helper hours')}: {d['two_helper_hours']:g}; {_('night hours granted')}: "
            f"{_('yes') if d['night_hours_allowed'] else _('no')}; {_('case')} {d['case_number'] or '—'}",
            "",
        ]
    lines += [f"### {_('Work supervisors')}", ""]
    for s in cp["supervisors"]:
        lines.append(
            f"- {s['name']} ({s['relation']}) {_('since')} {_d(s['since'])}; {_('basic course')}: "
            f"{_d(s['basic_course_completed_on']) if s['basic_course_completed_on'] else _('not completed')}"
        )
    lines += ["", f"### {_('Rota')}", ""]
    if cp["rota_patterns"]:
        lines += [
            f"| {_('Name')} | {_('Days')} | {_('Time')} | {_('Kind')} | {_('Cycle')} | {_('Assistant')} |",
            "|---|---|---|---|---|---|",
        ]
        days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
        for p in cp["rota_patterns"]:
            lines.append(
                f"| {p['name'] or '—'} | {' '.join(days[x] for x in p['weekdays'])} | "
                f"{p['start_time']}–{p['end_time']} | {p['kind']} | {p['cycle_week'] + 1}/{p['cycle_weeks']} | "
                f"{p['assistant_sender_ref'] or '—'} |"
            )
    else:
        lines.append(_("No rota pattern recorded."))
    hb = cp["hour_balance"]
    lines += ["", f"### {_('Hour balance')}", ""]
    if hb:
        lines += [
            f"- {_('Decision period')}: {_d(hb['period_start'])} – {_d(hb['period_end'])}",
            f"- {_('Counted')} {_d(hb['counted_from'])} – {_('before')} {_d(hb['as_of'])}: "
            f"{_('decided')} {hb['decided_hours']:.2f} h, {_('worked')} {hb['worked_hours']:.2f} h, "
            f"{_('adjustments')} {hb['adjustment_hours']:.2f} h",
            f"- **{_('Balance')}: {hb['balance_hours']:.2f} h**",
        ]
    else:
        lines.append(_("No decision in force: no balance."))
    return lines + [""]
