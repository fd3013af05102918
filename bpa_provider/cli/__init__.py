"""The `bpa-provider` command: the composition root.

It parses arguments, builds settings, the database and the acting user, and runs a subcommand; with
no subcommand it opens the Textual app (imported lazily, so reports never pay for Textual).
Subcommands live one module each in `bpa_provider.cli.commands` and are found by name, so a new
command is a new file. Exit codes: 0 ok, 1 refused (permission, unknown user, conflict), 2 bad input.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from typing import Sequence

from bpa_provider.cli.context import CliError, Context
from bpa_provider.errors import ServiceError


class _Parser(argparse.ArgumentParser):
    """argparse, but bad usage is one clear line on stderr and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"bpa-provider: {message} (see 'bpa-provider --help')\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="bpa-provider", description="Run a BPA / personal-assistance provider.")
    parser.add_argument("--db", metavar="URL", help="database URL or SQLite file (default: BPA_DATABASE_URL or the user data folder)")
    parser.add_argument("--as", dest="as_user", metavar="NAME", help="act as this user (SSH forced command, or an admin impersonating)")
    parser.add_argument("--lang", choices=("nb", "en", "sv"), help="language of the app")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    from bpa_provider.cli import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"bpa_provider.cli.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context.from_args(args)
    try:
        if not getattr(args, "func", None):
            return ctx.open_app()
        return int(args.func(ctx, args) or 0)
    except CliError as exc:
        sys.stderr.write(f"bpa-provider: {exc.message}\n")
        return exc.exit_code
    except ServiceError as exc:
        sys.stderr.write(f"bpa-provider: {exc.message}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except SystemExit:
        raise
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - never a traceback in front of a person
        where = _log_crash(exc)
        sys.stderr.write(f"bpa-provider: unexpected error ({type(exc).__name__}); details in {where}\n")
        return 1
    finally:
        ctx.close()


def _log_crash(exc: BaseException) -> str:
    """Write the traceback to the user's log folder (never to the terminal) and say where."""
    import traceback
    from pathlib import Path

    from platformdirs import user_log_dir

    path = Path(user_log_dir("bpa-provider", appauthor=False)) / "errors.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as fh:
            fh.write("".join(traceback.format_exception(exc)) + "\n")
    except OSError:
        return "(the log could not be written)"
    return str(path)


if __name__ == "__main__":
    raise SystemExit(main())
