"""Command groups whose members live one module each in a package (`report …`, `export …`).

Each member module has `register(subparsers)`; adding a report is adding a file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil


def register_group(sub: argparse._SubParsersAction, name: str, help_text: str, package: str) -> None:
    parser = sub.add_parser(name, help=help_text)
    members = parser.add_subparsers(dest=f"{name}_command", metavar="WHAT", required=True)
    pkg = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        importlib.import_module(f"{package}.{info.name}").register(members)
