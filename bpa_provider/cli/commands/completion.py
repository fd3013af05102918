"""`bpa-provider completion bash|zsh`: the shell's tab-completion script for every command and
option, generated from the parser by shtab (so it never falls behind the commands).

    bpa-provider completion bash > ~/.local/share/bash-completion/completions/bpa-provider
    bpa-provider completion zsh > ~/.zfunc/_bpa-provider     # with fpath+=(~/.zfunc) before compinit
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

    ctx.out.write(shtab.complete(build_parser(), shell=args.shell))
    return 0
