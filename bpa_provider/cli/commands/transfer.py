"""`bpa-provider transfer …`: provider switches — open, show, list, record steps, inform and
refusals, consent, cancel. The handover package is `export handover` / `import handover`."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from bpa_provider.cli.context import CliError, Context, add_action
from bpa_provider.i18n import N_, Msg, _
from bpa_provider.rules.dates import format_date
from bpa_provider.rules.transfer_steps import STEP_CODES

if TYPE_CHECKING:
    from bpa_provider.services.transfer_views import TransferView


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("transfer", help="provider switches: open, show, list, steps, assistants, cancel")
    ts = p.add_subparsers(dest="transfer_command", metavar="ACTION", required=True)
    add_action(
        ts,
        "open",
        "open a transfer in or out for a client",
        _open,
        {
            "client_ref": dict(metavar="CLIENT_REF"),
            "--direction": dict(required=True, choices=("in", "out")),
            "--counterpart": dict(required=True, metavar="NAME", help="the other provider"),
            "--notice-date": dict(required=True, metavar="DATE", help="dd.mm.yyyy or YYYY-MM-DD"),
            "--agreed-date": dict(metavar="DATE", help="an effective date agreed between the providers"),
        },
        formatted=True,
    )
    add_action(
        ts,
        "show",
        "a transfer's checklist and assistants",
        _show,
        {
            "id": dict(type=int, metavar="ID"),
        },
        formatted=True,
    )
    add_action(
        ts,
        "list",
        "transfers with days left and the next step",
        _list,
        {
            "--all": dict(action="store_true", help="include cancelled and closed transfers"),
        },
        formatted=True,
    )
    add_action(
        ts,
        "step",
        "record a step as done",
        _step,
        {
            "id": dict(type=int, metavar="ID"),
            "code": dict(metavar="CODE", choices=STEP_CODES, help=", ".join(STEP_CODES)),
            "--on": dict(required=True, metavar="DATE"),
            "--note": dict(default=""),
        },
    )
    add_action(
        ts,
        "inform",
        "record that an assistant was informed, and their refusal deadline",
        _inform,
        {
            "id": dict(type=int, metavar="ID"),
            "assistant_ref": dict(metavar="ASSISTANT_REF"),
            "--on": dict(required=True, metavar="DATE"),
            "--deadline": dict(required=True, metavar="DATE", help="at least 14 days after --on"),
        },
    )
    add_action(
        ts,
        "refuse",
        "record an assistant's written refusal to transfer",
        _refuse,
        {
            "id": dict(type=int, metavar="ID"),
            "assistant_ref": dict(metavar="ASSISTANT_REF"),
            "--on": dict(required=True, metavar="DATE"),
        },
    )
    consent = add_action(
        ts,
        "consent",
        "record the client's consent to hand over the client part",
        _consent,
        {
            "id": dict(type=int, metavar="ID"),
        },
    )
    group = consent.add_mutually_exclusive_group(required=True)
    group.add_argument("--on", metavar="DATE")
    group.add_argument("--withdraw", action="store_true")
    add_action(
        ts,
        "cancel",
        "cancel a transfer before cut-over (the history is kept)",
        _cancel,
        {
            "id": dict(type=int, metavar="ID"),
            "--reason": dict(required=True),
            "--on": dict(metavar="DATE", help="default: today"),
        },
    )


# --------------------------------------------------------------------------- output


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _summary_row(v: TransferView) -> dict[str, Any]:
    return {
        "id": v.id,
        "client": v.client_ref,
        "direction": v.direction,
        "counterpart": v.counterpart,
        "notice_date": v.notice_date,
        "effective_date": v.effective_date,
        "days_left": v.days_left,
        "state": v.state,
        "next_step": v.next_step,
        "next_due": v.next_due,
    }


def _as_json(v: TransferView) -> dict[str, Any]:
    from dataclasses import asdict

    def plain(x: Any) -> Any:
        if isinstance(x, dict):
            return {k: plain(val) for k, val in x.items()}
        if isinstance(x, (list, tuple)):
            return [plain(val) for val in x]
        if isinstance(x, Msg):  # changes and warnings: in the reader's language
            return str(x)
        return _iso(x)

    out: dict[str, Any] = plain(asdict(v))
    return out


def _print_view(ctx: Context, v: TransferView, fmt: str) -> None:
    if fmt == "json":
        ctx.out.write(json.dumps(_as_json(v), ensure_ascii=False, indent=2) + "\n")
        return
    ctx.emit([_summary_row(v)], fmt)
    if fmt != "table":
        return
    steps = [
        {
            "step": s.code,
            "title": _(s.title) + (" *" if s.reported else ""),
            "due": s.due_date,
            "days_left": s.days_left,
            "done": s.done_on,
            "by": s.done_by,
            "note": s.note,
        }
        for s in v.steps
    ]
    ctx.out.write("\n")
    ctx.emit(steps, "table")
    if any(s.reported for s in v.steps):
        ctx.out.write(_("* the new provider's step, recorded as reported to us") + "\n")
    if v.assistants:
        rows = [
            {
                "assistant": a.ref,
                "name": a.name,
                "status": a.status,
                "informed": a.informed_on,
                "deadline": a.refusal_deadline,
                "days_left": a.deadline_days_left,
                "refused": a.refused_on,
            }
            for a in v.assistants
        ]
        ctx.out.write("\n")
        ctx.emit(rows, "table")
        for a in v.assistants:
            ctx.out.write(f"{a.ref}: {a.consequence}\n")
    if v.cancelled_reason:
        ctx.out.write(_("Cancelled: {reason}").format(reason=v.cancelled_reason) + "\n")
    _print_warnings(ctx, v)


def _print_warnings(ctx: Context, v: TransferView) -> None:
    for warning in v.warnings:
        ctx.out.write(f"{_('warning')}: {warning}\n")


def _confirm(ctx: Context, v: TransferView, message: str) -> None:
    ctx.out.write(message + "\n")
    for change in v.changes:
        ctx.out.write(f"  - {change}\n")
    if v.next_step:
        due = format_date(v.next_due) if v.next_due else "—"
        ctx.out.write(_("Next: {title} (due {due})").format(title=_(v.next_title or v.next_step), due=due) + "\n")


# --------------------------------------------------------------------------- actions


def _open(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.transfers import open_transfer

    v = open_transfer(
        ctx.database(),
        ctx.actor(),
        args.client_ref,
        args.direction,
        args.counterpart,
        args.notice_date,
        args.agreed_date,
        policy=ctx.settings.policy,
    )
    if args.format == "json":
        row = {k: _iso(val) for k, val in _summary_row(v).items()}
        ctx.out.write(
            json.dumps({**row, "warnings": [str(w) for w in v.warnings]}, ensure_ascii=False, indent=2) + "\n"
        )
    else:
        ctx.emit([_summary_row(v)], args.format)
        if args.format == "table":
            _print_warnings(ctx, v)
    return 0


def _show(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.transfers import get_transfer

    _print_view(ctx, get_transfer(ctx.database(), ctx.actor(), args.id), args.format)
    return 0


def _list(ctx: Context, args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from bpa_provider.services.transfers import list_transfers

    rows = [asdict(t) for t in list_transfers(ctx.database(), ctx.actor(), include_ended=args.all)]
    columns = [
        "id",
        "client_ref",
        "client_name",
        "direction",
        "counterpart",
        "effective_date",
        "days_left",
        "state",
        "next_title",
        "next_due",
        "next_days_left",
    ]
    ctx.emit(rows, args.format, columns)
    return 0


def _step(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.transfers import complete_step

    v = complete_step(ctx.database(), ctx.actor(), args.id, args.code, args.on, args.note, policy=ctx.settings.policy)
    title = _(next(s.title for s in v.steps if s.code == args.code))
    _confirm(ctx, v, _("Transfer {id}: {title} done {date}.").format(id=v.id, title=title, date=args.on))
    return 0


def _inform(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.transfers import inform_assistant

    v = inform_assistant(
        ctx.database(), ctx.actor(), args.id, args.assistant_ref, args.on, args.deadline, policy=ctx.settings.policy
    )
    _confirm(ctx, v, _assistant_line(v, args.assistant_ref))
    return 0


def _refuse(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.transfers import record_refusal

    v = record_refusal(ctx.database(), ctx.actor(), args.id, args.assistant_ref, args.on, policy=ctx.settings.policy)
    _confirm(ctx, v, _assistant_line(v, args.assistant_ref))
    return 0


def _assistant_line(v: TransferView, ref: str) -> str:
    a = next((a for a in v.assistants if a.ref == ref or str(a.assistant_id) == ref), None)
    if a is None:  # the service found them, so this cannot happen; say something useful anyway
        raise CliError(N_("Assistant {ref} is not on transfer {id}"), ref=ref, id=v.id)
    return f"{a.ref} ({a.name}): {a.consequence}"


def _consent(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.transfers import record_consent

    v = record_consent(ctx.database(), ctx.actor(), args.id, args.on, withdraw=args.withdraw)
    message = (
        _("Transfer {id}: client consent withdrawn; the client part is left out of the package.")
        if args.withdraw
        else _("Transfer {id}: client consent recorded; the package includes the client part.")
    )
    _confirm(ctx, v, message.format(id=v.id))
    return 0


def _cancel(ctx: Context, args: argparse.Namespace) -> int:
    from bpa_provider.services.transfers import cancel_transfer

    v = cancel_transfer(ctx.database(), ctx.actor(), args.id, args.reason, args.on)
    ctx.out.write(_("Transfer {id} cancelled; its steps are kept as history.").format(id=v.id) + "\n")
    return 0
