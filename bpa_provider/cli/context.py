"""What a CLI command gets: settings, the database (opened on first use), the acting user,
and output helpers that share one renderer."""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bpa_provider.access import Actor
from bpa_provider.config import Settings, load_settings
from bpa_provider.errors import DatabaseUnavailable, ServiceError
from bpa_provider.i18n import N_


class CliError(ServiceError):
    """A problem with what was typed on the command line: exit code 2 by default.

    Like every ServiceError it is a message id and parameters, shown with `.localized()`:
    `CliError(N_("--days must be at least {n}"), n=1)`."""

    def __init__(self, message: str, exit_code: int = 2, **params: Any):
        super().__init__(message, **params)
        self.exit_code = exit_code


@dataclass
class Context:
    """Per-invocation state; the database and actor are created lazily."""

    settings: Settings
    db_url: str | None = None
    as_user: str | None = None
    lang: str | None = None
    _db: Any = None
    _actor: Actor | None = None
    out: Any = field(default_factory=lambda: sys.stdout)
    remote: bool = False  # running as an SSH forced command: server-side file paths are off limits

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Context:
        settings = load_settings()
        return cls(
            settings=settings,
            db_url=args.db or settings.database_url,
            as_user=args.as_user,
            lang=args.lang or settings.lang,
        )

    # -- database -------------------------------------------------------------------------
    def database(self, *, check_schema: bool = True, check_guards: bool = True):
        """The Database, refusing one that is missing, damaged or of an unknown schema, or whose
        access log lost its append-only triggers (`check_guards`; `audit --verify` reports it)."""
        if self._db is None:
            from sqlalchemy.exc import DatabaseError, OperationalError

            from bpa_provider.db import migrate
            from bpa_provider.db.engine import default_url, open_database, sqlite_file

            path = sqlite_file(self.db_url or default_url())
            if check_schema and path is not None:
                # Only `init` and `demo` make a database: a mistyped path is not created here.
                if not os.path.exists(path):
                    raise DatabaseUnavailable(
                        N_(
                            "there is no database at {path}: create it with "
                            "'bpa-provider init' (or 'bpa-provider demo')"
                        ),
                        path=path,
                    )
            if path is not None:
                self._private_file(path)
            db = open_database(self.db_url)
            if check_schema:
                try:
                    migrate.check_current(db.engine)
                except migrate.SchemaMismatch as exc:
                    refusal = self._schema_refusal(db, exc)
                    db.dispose()
                    raise refusal from None
                except (OperationalError, DatabaseError) as exc:
                    db.dispose()
                    first = str(exc.orig or exc).splitlines()[0]
                    raise DatabaseUnavailable(N_("cannot open the database ({detail})"), detail=first) from None
                if check_guards:
                    self._check_guards(db)
            self._db = db
        return self._db

    @staticmethod
    def _private_file(path: str) -> None:
        """A new SQLite file is made 0600 in a 0700 folder before SQLite opens it (SQLite gives
        its -wal and -shm files the same mode); scratch copies a killed backup or restore left
        beside the database are removed (services/backup.py)."""
        from pathlib import Path

        from bpa_provider.services.backup import remove_stale_copies

        file = Path(path)
        if not file.exists():
            file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass
        remove_stale_copies(file.parent)

    @staticmethod
    def _schema_refusal(db, exc: Exception) -> DatabaseUnavailable:  # noqa: ANN001
        """db/migrate.py says what is wrong in English (db/ does not import bpa_provider): the same
        words as message ids here, decided on the revision, so the person reads their language."""
        from bpa_provider.db import migrate

        try:
            rev = migrate.current_revision(db.engine)
        except Exception:  # noqa: BLE001 - the refusal itself must still reach the person
            return DatabaseUnavailable("{problem}", problem=str(exc))
        if rev is None:
            return DatabaseUnavailable(N_("the database has no schema yet: run 'bpa-provider init'"))
        if rev not in migrate.known_revisions():
            return DatabaseUnavailable(
                N_(
                    "the database is at schema revision {rev}, which this version of "
                    "bpa-provider does not know (was it written by a newer version?)"
                ),
                rev=rev,
            )
        return DatabaseUnavailable(N_("the database schema is out of date ({rev}): run 'bpa-provider init'"), rev=rev)

    @staticmethod
    def _check_guards(db) -> None:  # noqa: ANN001
        """Refuse a database whose access log can be rewritten: a trigger dropped or disabled
        outside the app (docs/privacy.md, "What each deployment can detect")."""
        from bpa_provider.audit import missing_guards

        with db.read() as s:  # a plain BEGIN: never waits for a writer
            missing = missing_guards(s)
        if missing:
            db.dispose()
            raise DatabaseUnavailable(
                N_(
                    "the access log's append-only triggers are missing or disabled ({triggers}): the "
                    "database was changed outside bpa-provider; see 'bpa-provider audit --verify' "
                    "and restore a checked backup"
                ),
                triggers=", ".join(missing),
            )

    def close(self) -> None:
        if self._db is not None:
            self._db.dispose()
            self._db = None

    # -- identity -------------------------------------------------------------------------
    def actor(self) -> Actor:
        """The acting user: the OS login, or `--as NAME` where that is honoured."""
        if self._actor is None:
            from bpa_provider import identity

            self._actor = identity.actor_for(self.database(), self.as_user)
        return self._actor

    # -- output ---------------------------------------------------------------------------
    def say(self, template: str, **params: Any) -> None:
        """One line for a person: an N_() message id with its values, in the language in force."""
        from bpa_provider.i18n import render_message

        self.out.write(render_message(template, params) + "\n")

    def emit(self, rows: Iterable[Mapping[str, Any]], fmt: str, columns: Sequence[str] | None = None) -> None:
        from bpa_provider.render import render

        self.out.write(render(rows, fmt, columns) + "\n")

    def open_app(self) -> int:
        """Open the Textual app (the only place the CLI imports `screens`).

        The everyday start reads who you are with the database driver alone and gives the app a
        deferred database: the first screen is painted while SQLAlchemy and the models load in a
        worker (docs/performance.md). Anything unusual takes the ordinary path first, which
        refuses with its exact words before the screen is touched.
        """
        from bpa_provider import identity
        from bpa_provider.db.engine import default_url, open_database

        actor = identity.early_actor(self.db_url or default_url(), self.as_user)
        if actor is not None:
            self._db = db = open_database(self.db_url, deferred=True)
            self._actor = actor
        else:
            db = self.database()
            actor = self.actor()
        # Textual and the screens create ~100,000 objects on import, none of them garbage: the
        # cyclic collector stays off while they are created; run_app freezes them and switches it
        # back on (bpa_provider.screens.app.tune_garbage_collector).
        gc.disable()
        from bpa_provider.screens.app import run_app  # lazy: reports never import Textual

        return run_app(db, actor, lang=self.lang, settings=self.settings) or 0


def date_arg(text: str | None, flag: str = "", *, default_today: bool = False) -> date | None:
    """A typed date option (`dd.mm.yyyy` or ISO), or a one-line CliError naming the option.

    Empty means no date, or today with `default_today`.
    """
    from bpa_provider.rules.dates import parse_optional_date

    try:
        value = parse_optional_date(text)
    except ValueError as exc:
        raise CliError(N_("{flag}: {problem}") if flag else "{problem}", flag=flag, problem=problem_of(exc)) from None
    return date.today() if value is None and default_today else value


def month_arg(text: str, flag: str = "--month") -> tuple[int, int]:
    """A `YYYY-MM` option as (year, month), or a one-line CliError."""
    from bpa_provider.rules.dates import parse_month

    try:
        return parse_month(text)
    except ValueError as exc:
        raise CliError(N_("{flag}: {problem}"), flag=flag, problem=problem_of(exc)) from None


def problem_of(exc: ValueError) -> Any:
    """A rule's refusal as a parameter of another message, still translated where it is shown."""
    from bpa_provider.i18n import Msg

    template = getattr(exc, "template", None)
    return Msg(template, **exc.params) if template is not None else str(exc)  # type: ignore[attr-defined]


def add_format(parser: argparse.ArgumentParser) -> None:
    """The shared `--format table|csv|json` option."""
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")


def env_flag(name: str) -> bool:
    return bool(os.environ.get(name))


def add_action(
    actions: argparse._SubParsersAction,
    name: str,
    help_text: str,
    handler: Any,
    arguments: Mapping[str, Mapping[str, Any]] | None = None,
    *,
    formatted: bool = False,
) -> argparse.ArgumentParser:
    """One sub-command of a command group: its parser, `arguments` in the order given (name or
    flag -> `add_argument` options), then `--format` when `formatted`, and the handler `main()`
    calls as `handler(ctx, args)`. The parser is returned for what a table cannot say (a mutually
    exclusive group)."""
    parser = actions.add_parser(name, help=help_text)
    for arg, options in (arguments or {}).items():
        parser.add_argument(arg, **options)
    if formatted:
        add_format(parser)
    parser.set_defaults(func=handler)
    return parser
