"""The `bpa-provider` command: the composition root.

It parses arguments, builds settings, the database and the acting user, and runs a subcommand; with
no subcommand it opens the Textual app (imported lazily, so reports never pay for Textual).
Subcommands live one module each in `bpa_provider.cli.commands` and are found by name, so a new
command is a new file. Exit codes: 0 ok, 1 refused (permission, unknown user, conflict), 2 bad input.

Under an SSH forced command (`--as NAME` with SSH_CONNECTION set, no subcommand of its own — the
line `bpa-provider users key add` writes) the person's own command arrives in
SSH_ORIGINAL_COMMAND, the gitolite way: none opens the app; a bpa-provider subcommand runs as NAME;
anything else (a shell, scp/sftp, another program, an attempt at `--as`/`--db`, a file path on the
server) is refused with one line and exit code 1. The environment is cut down to an allow-list
before anything else runs.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import pkgutil
import shlex
import sys
from collections.abc import MutableMapping, Sequence

from bpa_provider.cli.context import Context

# The SSH forced command's environment, command and refusals (cli/forced.py), named here too.
from bpa_provider.cli.forced import (
    _PATH_ARGS,  # noqa: F401 - the tests walk it
    Refused,
    _subcommands,  # noqa: F401 - the tests read it
    clean_environment,
    log_forced_refusal,
    refuse_forced,
    remote_argv,
    server_paths,
)
from bpa_provider.config import ConfigError
from bpa_provider.crashlog import log_crash
from bpa_provider.errors import ServiceError
from bpa_provider.i18n import LANGUAGES, N_, _, current_language, set_language


class _Parser(argparse.ArgumentParser):
    """argparse, but bad usage is one clear line on stderr and exit code 2, in the person's
    language (argparse's own words too: cli/argparse_words.py), and --help in it as well."""

    def __init__(self, *args, **kwargs) -> None:
        from bpa_provider.cli.argparse_words import HelpWords, SubCommands

        kwargs.setdefault("formatter_class", HelpWords)
        super().__init__(*args, **kwargs)
        self.register("action", "parsers", SubCommands)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(_("bpa-provider: {message} (see 'bpa-provider --help')").format(message=message) + "\n")
        raise SystemExit(2)


def _global_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--db", metavar="URL", help="database URL or SQLite file (default: BPA_DATABASE_URL or the user data folder)"
    )
    parser.add_argument(
        "--as", dest="as_user", metavar="NAME", help="act as this user (SSH forced command, or an admin impersonating)"
    )
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        help="language of the app and of every message (also after the command; "
        "default: BPA_LANG, then LANG/LC_ALL/LC_MESSAGES)",
    )
    return parser


def take_lang(argv: Sequence[str], *, strict: bool = True) -> tuple[list[str], str | None]:
    """`--lang X` (or `--lang=X`) wherever it stands, before or after the subcommand, and the
    rest of argv without it. Subcommands do not declare --lang themselves: a person types it
    where it comes to mind (`list clients --lang nb`), also over SSH. A bad value is one line, exit 2.
    """
    rest: list[str] = []
    lang: str | None = None
    words = list(argv)
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":  # everything after is an argument, never an option
            rest.extend(words[i:])
            break
        if word == "--lang" or word.startswith("--lang="):
            value = word.split("=", 1)[1] if "=" in word else (words[i + 1] if i + 1 < len(words) else "")
            i += 1 if "=" in word else 2
            if value not in LANGUAGES:
                if not strict:
                    continue
                # in the language of the environment (BPA_LANG, LANG…): --lang is what is wrong
                set_language(None)
                problem = _("invalid choice: %(value)r (choose from %(choices)s)") % {
                    "value": value[:20],
                    "choices": ", ".join(LANGUAGES),
                }
                sys.stderr.write(
                    "bpa-provider: "
                    + _("argument %(argument_name)s: %(message)s") % {"argument_name": "--lang", "message": problem}
                    + "\n"
                )
                raise SystemExit(2)
            lang = value
            continue
        rest.append(word)
        i += 1
    return rest, lang


def app_only_args(argv: Sequence[str], env: MutableMapping[str, str]) -> argparse.Namespace | None:
    """The global options when `argv` only opens the app; None when there is a subcommand to find.

    Opening the app is the everyday start: it need not import every subcommand (and with them
    SQLAlchemy and our models) only to learn that there is none. Anything else — a word that is
    not a global option, -h, an error, an SSH forced command carrying a command of its own — takes
    the full parser, which also gives every refusal its usual words.
    """
    if "SSH_CONNECTION" in env and (env.get("SSH_ORIGINAL_COMMAND") or "").strip():
        return None
    quick = _global_options(_Parser(prog="bpa-provider", add_help=False))
    quick.error = _no_quick_answer  # type: ignore[method-assign]
    try:
        args, rest = quick.parse_known_args(list(argv))
    except _NotQuick:
        return None
    if rest:
        return None
    args.command = None
    return args


class _NotQuick(Exception):
    """The quick parser met something only the full parser can word."""


def _no_quick_answer(message: str) -> None:
    raise _NotQuick(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _global_options(_Parser(prog="bpa-provider", description="Run a BPA / personal-assistance provider."))
    from bpa_provider import __version__

    parser.add_argument("--version", action="version", version=f"bpa-provider {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    from bpa_provider.cli import commands

    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"bpa_provider.cli.commands.{info.name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script (no argv: this process is the command, and ends here)."""
    if argv is not None:  # a test or a caller in the same process: its language is left as it was
        before = current_language()
        try:
            return _main(argv, own_process=False)
        finally:
            set_language(before)
    try:
        code: object = _main(sys.argv[1:], own_process=True)
    except SystemExit as exc:  # argparse's usage errors and --help
        code = exc.code
    end_process(code)
    return 1  # not reached


def end_process(code: object) -> None:
    """Leave now: flush what was written, run the exit handlers, skip the interpreter's teardown.

    A command's work is done when its output is flushed; tearing down the ~300,000 objects that
    SQLAlchemy, pydantic, our models (and psycopg) created costs another 10-35 ms of every command
    on this machine (bench/run.py), and the operating system frees the memory at once anyway.
    Connections were closed by the command's Context; `atexit` handlers (logging) still run.
    Worker threads still running (a dashboard section after the app quit) end with the process:
    their transactions roll back, so nothing is half-written."""
    if code is None:
        status = 0
    elif isinstance(code, int):
        status = code
    else:  # sys.exit("message") semantics
        sys.stderr.write(f"{code}\n")
        status = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError, OSError):
            pass  # a reader that went away (`| head`) or a closed stream: nothing more to say
    import atexit

    atexit._run_exitfuncs()  # noqa: SLF001 - what interpreter shutdown would have run first
    os._exit(status)  # noqa: SLF001


def _main(argv: Sequence[str], *, own_process: bool) -> int:
    if own_process:
        clean_environment(os.environ)
    argv, lang = take_lang(argv)
    quick = app_only_args(argv, os.environ)
    if quick is not None:
        quick.lang = lang
        return _start(quick, remote=bool(quick.as_user) and "SSH_CONNECTION" in os.environ)
    if own_process:
        # Building the parser imports the commands and with them SQLAlchemy, pydantic and our
        # models: ~300,000 objects that are never garbage, which the cyclic collector walked
        # over and over while they were being created (~150 ms of every command on a 2-core
        # machine, bench/run.py). Collection is paused while they are created, then they are
        # frozen (left out of every later collection), as the app does (screens/app.py). Not
        # for a test calling main(): freezing would keep its earlier garbage alive.
        gc.disable()
        parser = build_parser()
        gc.freeze()
        gc.enable()
    else:
        parser = build_parser()
    # Bad usage is refused by argparse itself: its words follow the language too.
    from bpa_provider.cli import argparse_words

    argparse_words.install()
    set_language(_settings_lang(lang))
    args = parser.parse_args(argv)
    args.lang = lang
    remote = bool(args.as_user) and "SSH_CONNECTION" in os.environ and not getattr(args, "command", None)
    if remote:
        # The refusals below are read in the person's language too, also one asked for in the
        # very command that is refused (`ssh … sh --lang nb`).
        set_language(_settings_lang(args.lang or _lang_asked(os.environ.get("SSH_ORIGINAL_COMMAND"))))
        try:
            inner = remote_argv(os.environ.get("SSH_ORIGINAL_COMMAND"), _subcommands(parser))
            if inner is not None:
                inner, inner_lang = take_lang(inner)
        except Refused as exc:
            return refuse_forced(args, exc.localized(), exc.message)
        if inner is None:
            args.lang = args.lang or _lang_asked(os.environ.get("SSH_ORIGINAL_COMMAND"))
        else:
            outer = args
            try:
                args = parser.parse_args(inner)
            except SystemExit as exc:
                if exc.code:  # a usage error (a shell's `;` or `$(…)`, a typo): argparse said why
                    log_forced_refusal(outer, "the command was not understood (usage error)")
                raise
            args.as_user, args.db = outer.as_user, outer.db
            args.lang = inner_lang or outer.lang
            named = server_paths(args)
            if named:
                set_language(_settings_lang(args.lang))
                reason = N_(
                    "over SSH a command cannot name files on the server ({names}); use “-” for standard input or output"
                )
                names = ", ".join(named)[:80]
                return refuse_forced(args, _(reason).format(names=names), reason.format(names=names))
    return _start(args, remote=remote)


def _start(args: argparse.Namespace, *, remote: bool) -> int:
    """Read the settings, then run: a setting that cannot be used is one line and exit 2, before
    anything else happens (bpa_provider.config)."""
    try:
        ctx = Context.from_args(args)
    except ConfigError as exc:
        sys.stderr.write(f"bpa-provider: {_one_line(exc.localized())}\n")
        return exc.exit_code
    return _run(ctx, args, remote=remote)


def _run(ctx: Context, args: argparse.Namespace, *, remote: bool) -> int:
    """Open the app or run the parsed subcommand; every failure becomes one line and an exit code."""
    ctx.remote = remote
    # Every command speaks the person's language, not only the app: refusals, errors, headings.
    set_language(ctx.lang)
    try:
        if not getattr(args, "func", None):
            return ctx.open_app()
        return int(args.func(ctx, args) or 0)
    except ServiceError as exc:  # CliError among them
        from bpa_provider.cli.refusal_words import said

        sys.stderr.write(f"bpa-provider: {_one_line(said(exc))}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except SystemExit:
        raise
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as exc:  # noqa: BLE001 - never a traceback in front of a person
        damaged = _damaged_database(exc)
        if damaged:
            sys.stderr.write(f"bpa-provider: {damaged}\n")
            return 1
        where = log_crash(exc)
        sys.stderr.write(
            "bpa-provider: "
            + _("unexpected error ({name}); details in {where}").format(name=type(exc).__name__, where=where)
            + "\n"
        )
        return 1
    finally:
        ctx.close()


def _lang_asked(original: str | None) -> str | None:
    """The `--lang` of an SSH command line that may yet be refused (None when there is none)."""
    try:
        return take_lang(shlex.split(original or ""), strict=False)[1]
    except ValueError:
        return None


def _settings_lang(explicit: str | None) -> str | None:
    """The language before a Context exists: `--lang`, else the config's (BPA_LANG or `lang`)."""
    if explicit:
        return explicit
    try:
        from bpa_provider.config import load_settings

        return load_settings().lang
    except Exception:  # noqa: BLE001 - a bad config is refused later, with its own words
        return None


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _damaged_database(exc: BaseException) -> str:
    """A clear refusal for a damaged SQLite file (never a silent repair)."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "malformed" in text or "not a database" in text or "disk i/o error" in text:
        return _(
            "the database file is damaged ({detail}); nothing was changed: restore it from a "
            "backup (“bpa-provider restore FILE”)"
        ).format(detail=_one_line(text)[:120])
    return ""


if __name__ == "__main__":
    raise SystemExit(main())


__all__ = [
    "Refused",
    "app_only_args",
    "build_parser",
    "clean_environment",
    "end_process",
    "log_forced_refusal",
    "main",
    "refuse_forced",
    "remote_argv",
    "server_paths",
    "take_lang",
]
