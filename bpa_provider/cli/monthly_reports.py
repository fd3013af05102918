"""What the monthly reports (cli/reports/) share: the `report NAME --month YYYY-MM [--format ...]`
subcommand, the month read once (`context.month_arg`: one line on stderr, exit 2, when it is not a
month), and a service's lines (dataclasses) turned into the rows `ctx.emit` writes. Not in
cli/reports/ itself: every module there is a report."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from bpa_provider.cli.context import add_format, month_arg


def register_monthly(
    sub: argparse._SubParsersAction, name: str, *, help: str, run: Callable[..., int]
) -> argparse.ArgumentParser:
    """Add `report NAME --month YYYY-MM` with the output formats, run by `run(ctx, args)`. `help` is
    a keyword, so `locale/extract.py` finds it as a --help word."""
    p = sub.add_parser(name, help=help)
    p.add_argument("--month", required=True, metavar="YYYY-MM")
    add_format(p)
    p.set_defaults(func=run)
    return p


def month_of(args: argparse.Namespace) -> tuple[int, int]:
    """The report's month as (year, month)."""
    return month_arg(args.month)


def rows_of(lines: Iterable[Any], **computed: Callable[[Any], object]) -> list[dict[str, Any]]:
    """Each line's fields as a row, with the `computed` columns (name=function of the line) added
    or replacing a field."""
    return [{**asdict(line), **{name: f(line) for name, f in computed.items()}} for line in lines]
