"""argparse's words — its own (bad usage, --help headings) and ours (every command's help) — in
the person's language.

argparse looks its messages up through a module-level `_` at the moment it needs them, with its
English text as the message id. `install()` points that `_` at our catalog, so "the following
arguments are required: --month" reads "følgende argumenter mangler: --month" with `--lang nb`.
The message ids argparse uses are listed here (with N_) so the extractor puts them in our
catalogs; one that is not listed stays English, as argparse wrote it.

Our own `help=`, `description=`, `epilog=` and `metavar=` words are English message ids too: the
extractor collects them from `bpa_provider/cli` (bpa_provider/locale/extract.py), and `HelpWords`
translates them when --help is *shown*, not when the parser is built. The parser is built once,
before the language of a command given over SSH (`ssh … list --help --lang nb`) is known, so
translating at build time would freeze the wrong language. A sub-command's `help=` is also its
`--help` description (`SubCommands`).
"""

from __future__ import annotations

import argparse
from typing import Any

from bpa_provider.i18n import N_, _, ngettext

MESSAGES = (
    N_("the following arguments are required: %s"),
    N_("unrecognized arguments: %s"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("invalid %(type)s value: %(value)r"),
    N_("expected one argument"),
    N_("expected at least one argument"),
    N_("expected at most one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("ignored explicit argument %r"),
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
)


_argparse_action_name = argparse._get_action_name  # type: ignore[attr-defined]


def _action_name(argument: argparse.Action | None) -> str | None:
    """How argparse names an argument in a refusal: a metavar ("ASSISTANT_REF") in the language,
    as --help writes it."""
    name = _argparse_action_name(argument)
    return _shown(name) if argument is not None and name == argument.metavar else name


def install() -> None:
    """Let argparse speak the language in force (set by `i18n.set_language`)."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
    argparse._get_action_name = _action_name  # type: ignore[attr-defined]


def _shown(text: Any) -> Any:
    """A message id translated for showing; argparse's SUPPRESS, None and tuples as they are."""
    return _(text) if isinstance(text, str) and text and text != argparse.SUPPRESS else text


class HelpWords(argparse.HelpFormatter):
    """--help in the language in force: section headings, descriptions, epilogs, each option's
    help and metavar are looked up in the catalog as they are written out."""

    def start_section(self, heading: str | None) -> None:
        # argparse words its group titles ("options") when the parser is made, in English then.
        super().start_section(_shown(heading))

    def add_text(self, text: str | None) -> None:
        super().add_text(_shown(text))

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return _shown(action.help)

    def _metavar_formatter(self, action: argparse.Action, default_metavar: str):
        if isinstance(action.metavar, str):
            shown = _shown(action.metavar)
            return lambda size: (shown,) * size
        return super()._metavar_formatter(action, default_metavar)


class SubCommands(argparse._SubParsersAction):  # argparse offers no public base for this
    """Sub-commands whose one-line `help=` is also the first line of their own --help."""

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        if kwargs.get("help") and "description" not in kwargs:
            kwargs["description"] = kwargs["help"]
        return super().add_parser(name, **kwargs)
