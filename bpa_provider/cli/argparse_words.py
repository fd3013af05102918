"""argparse's own words (bad usage, --help headings) in the person's language.

argparse looks its messages up through a module-level `_` at the moment it needs them, with its
English text as the message id. `install()` points that `_` at our catalog, so "the following
arguments are required: --month" reads "følgende argumenter mangler: --month" with `--lang nb`.
The message ids argparse uses are listed here (with N_) so the extractor puts them in our
catalogs; one that is not listed stays English, as argparse wrote it.
"""

from __future__ import annotations

import argparse

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
)


def install() -> None:
    """Let argparse speak the language in force (set by `i18n.set_language`)."""
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
