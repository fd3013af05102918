"""`bpa-provider completion bash|zsh`: the shell's tab-completion script for every command and
option, generated from the parser by shtab (so it never falls behind the commands).

    bpa-provider completion bash > ~/.local/share/bash-completion/completions/bpa-provider
    bpa-provider completion zsh > ~/.zfunc/_bpa-provider     # with fpath+=(~/.zfunc) before compinit

The descriptions zsh shows beside each command and option are the parser's `help=` words. The
parser keeps them as English message ids (they are translated when --help is shown, see
argparse_words.py), and shtab reads them as they are; so the script is generated from a parser of
its own whose words are first put in the language in force (`--lang nb completion zsh`).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("completion", help="print the tab-completion script for bash or zsh")
    p.add_argument("shell", choices=("bash", "zsh"))
    p.set_defaults(func=run)


def run(ctx, args) -> int:  # noqa: ANN001
    import shtab

    from bpa_provider.cli import build_parser

    ctx.out.write(shtab.complete(in_language(build_parser()), shell=args.shell))
    return 0


def in_language(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`parser` (a fresh one, never the one running the command) with every help word, description
    and sub-command's help translated into the language in force, for shtab to read."""
    from bpa_provider.cli.argparse_words import _shown

    seen: set[int] = set()

    def walk(p: argparse.ArgumentParser) -> None:
        if id(p) in seen:  # a sub-command's aliases share its parser
            return
        seen.add(id(p))
        p.description = _shown(p.description)
        for action in p._actions:
            action.help = _shown(action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:  # the one-line help beside each sub-command
                    choice.help = _shown(choice.help)
                for child in action.choices.values():
                    walk(child)

    walk(parser)
    return parser
