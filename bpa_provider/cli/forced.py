"""What arrives through an SSH forced command (docs/architecture.md, "cli/"): the environment cut
down to an allow-list, the person's own command read from SSH_ORIGINAL_COMMAND and checked, file
arguments that would name the server's files, and the refusal (one line, exit 1, an access-log row).

bpa_provider/cli/__init__.py runs these and names them too, where callers and tests import them from.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from collections.abc import MutableMapping

from bpa_provider.cli.context import Context
from bpa_provider.errors import ServiceError
from bpa_provider.i18n import N_, _

# --------------------------------------------------------------------------- clean environment

# What a process started by sshd may keep; everything else (TEXTUAL_*, PYTHON*, LD_*, …) goes.
_SSH_KEEP = {
    "HOME",
    "USER",
    "LOGNAME",
    "SSH_CONNECTION",
    "SSH_ORIGINAL_COMMAND",
    "SSH_TTY",
    "SSH_CLIENT",
    "BPA_CONFIG",
    "BPA_DATABASE_URL",
    "BPA_AUTHORIZED_KEYS",
    "BPA_DATA_DIR",
    "BPA_LANG",
}
# Kept only when they look like what they claim to be (a TERM of "../x" could name any file).
# LANG and LC_* arrive from the person's laptop through sshd's AcceptEnv: they pick the language.
_SSH_CHECKED = {
    "TERM": r"[A-Za-z0-9._+-]{1,64}",
    "COLORTERM": r"[A-Za-z0-9._+-]{1,32}",
    "LANG": r"[A-Za-z0-9_.@-]{1,40}",
    "LC_ALL": r"[A-Za-z0-9_.@-]{1,40}",
    "LC_MESSAGES": r"[A-Za-z0-9_.@-]{1,40}",
    "TZ": r"[A-Za-z0-9_+/-]{1,40}",
}
_ALWAYS_DROP = (
    "TEXTUAL",
    "PYTHONINSPECT",
    "PYTHONSTARTUP",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONBREAKPOINT",
    "PYTHONDEBUG",
    "PYTHONUSERBASE",
    "PYTHONWARNINGS",
)


def clean_environment(env: MutableMapping[str, str]) -> None:
    """Cut the environment down before anything reads it.

    Under SSH: an allow-list, PATH reset. Elsewhere: Textual's switches (TEXTUAL_DRIVER,
    TEXTUAL_SCREENSHOT, …) and the interpreter hooks that `python -I` would ignore, so that a
    later `os.environ` check (PYTHONINSPECT at exit) cannot reopen them.
    """
    if "SSH_CONNECTION" in env:
        for name in list(env):
            pattern = _SSH_CHECKED.get(name)
            if name in _SSH_KEEP or (pattern and re.fullmatch(pattern, env[name])):
                continue
            del env[name]
        env["PATH"] = "/usr/bin:/bin"
        # Nothing in a session may start a browser on the server (a console browser would hand
        # the terminal to another program): Python's webbrowser then runs /bin/true.
        env["BROWSER"] = "/bin/true"
        return
    for name in list(env):
        if name.startswith("TEXTUAL_") or name in _ALWAYS_DROP:
            del env[name]


# --------------------------------------------------------------------------- forced command

# Commands that work on the server's files or schema: run them on the server, not through a key.
REMOTE_REFUSED = frozenset({"init", "backup", "restore"})
_IDENTITY_OPTIONS = ("--as", "--db")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")  # C0 (tab allowed), DEL, C1 such as CSI


class Refused(ServiceError):
    """An SSH_ORIGINAL_COMMAND that is not a bpa-provider command this key may run."""


def remote_argv(original: str | None, commands: set[str]) -> list[str] | None:
    """The subcommand a person asked for over SSH, as argv; None means "open the app".

    Raises Refused for anything that is not one of our subcommands.
    """
    if original is None or not original.strip():
        return None
    if any("\ud800" <= ch <= "\udfff" for ch in original):
        raise Refused(N_("the command is not valid UTF-8"))
    if _CONTROL.search(original):
        raise Refused(N_("the command contains control characters"))
    try:
        words = shlex.split(original)
    except ValueError as exc:
        raise Refused(N_("the command cannot be read ({detail})"), detail=str(exc)) from None
    if words and words[0] == "bpa-provider":
        words = words[1:]
    if not words:
        return None
    for w in words:
        name = w.split("=", 1)[0]
        # argparse also accepts unambiguous prefixes (--a, --d): refuse those too.
        if name.startswith("--") and len(name) > 2 and any(o.startswith(name) for o in _IDENTITY_OPTIONS):
            raise Refused(
                N_("“{option}” cannot be given over SSH: your key decides who you are and which database"), option=name
            )
    from bpa_provider.cli import take_lang  # the package imports this module: not at the top

    # `--lang nb` may stand anywhere, also before the command (`ssh … --lang nb list clients`);
    # alone it opens the app in that language.
    first = take_lang(words, strict=False)[0][:1]
    if not first:
        return None
    if first[0] in ("-h", "--help"):
        return ["--help"]
    if first[0] == "--version":
        return ["--version"]
    if first[0] not in commands:
        raise Refused(
            N_("“{word}” is not a bpa-provider command; this key runs only bpa-provider (no shell, no file copy)"),
            word=first[0][:40],
        )
    if first[0] in REMOTE_REFUSED:
        raise Refused(N_("“{word}” runs only on the server itself, not over SSH"), word=first[0])
    return words


# Arguments that name a file or folder. Over SSH they would name the *server's* files, written or
# read as the service account (an export could overwrite authorized_keys): only "-" (standard
# input/output) is allowed there.
_PATH_ARGS = ("out", "file", "dir", "path", "output", "target", "signature")


def server_paths(args: argparse.Namespace) -> list[str]:
    """The file arguments of a parsed command that name something other than stdin/stdout."""
    return [
        f"{name}={value}" for name in _PATH_ARGS if isinstance(value := getattr(args, name, None), str) and value != "-"
    ]


def _subcommands(parser: argparse.ArgumentParser) -> set[str]:
    for action in parser._actions:  # noqa: SLF001 - argparse offers no public accessor
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return set(action.choices)
    return set()


def refuse_forced(args: argparse.Namespace, shown: str, logged: str | None = None) -> int:
    """Turn away a forced command's request: one line in the person's language (`shown`), exit 1,
    and a row in the access log (`logged`: the English words, the log's language).

    The line comes first and stands whatever happens next; the log row needs the database,
    which may be missing or unreadable (then there is nothing to log into)."""
    sys.stderr.write(_("bpa-provider: refused: {reason}").format(reason=shown) + "\n")
    log_forced_refusal(args, logged or shown)
    return 1


def log_forced_refusal(args: argparse.Namespace, reason: str) -> None:
    """The access-log row of a forced command's refusal (nothing is printed here)."""
    from bpa_provider import identity

    ctx = None
    try:
        ctx = Context.from_args(args)
        identity.log_refusal(ctx.database(), args.as_user, reason)
    except ServiceError:
        pass  # no usable database (or settings): the refusal stands without a log row
    finally:
        if ctx is not None:
            ctx.close()
