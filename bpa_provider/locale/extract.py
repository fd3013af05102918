"""Collect every translatable string into `bpa.pot`, merge it into each language's `bpa.po`,
and compile the `.mo` files the app reads.

    python -m bpa_provider.locale.extract          # update bpa.pot, the .po files and the .mo files
    python -m bpa_provider.locale.extract --check  # exit 1 if the catalogs are out of date or nb
                                                   # has an untranslated message (for CI)

What counts as translatable, found with Python's `ast` (no build tool needed to extract):
- the first argument of `_()` and `N_()`, the first two of `ngettext()`;
- the labels and hints of `records.FieldSpec` (written `_T(name, label, ..., hint=...)`) and the
  label of an `EntitySpec`: the specs are English data shown by forms, so their words belong here;
- in `bpa_provider/cli/`, the words of the command line's --help: every string given as `help=`,
  `description=`, `epilog=` or `metavar=`, and the help text (third argument) of `add_action` and
  `register_group`. They are translated when --help is shown (cli/argparse_words.py), so they are
  written plain; a help text that is not such a literal (a loop over a table) is marked with N_().
Merging and compiling use GNU gettext's `msgmerge` and `msgfmt` (apt package `gettext`).
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SOURCES = ("bpa_provider", "screens")
DOMAIN = "bpa"
POT = HERE / f"{DOMAIN}.pot"
LANGUAGES = ("nb", "sv")
MUST_BE_COMPLETE = ("nb", "sv")
HEADERS = {
    "nb": "Norwegian Bokmål",
    "sv": "Swedish",
}


@dataclass
class Message:
    """One msgid (with its plural, if any) and where it occurs."""

    msgid: str
    plural: str | None = None
    places: list[str] = field(default_factory=list)


def _const(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _name(func: ast.AST) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


#: The keywords whose string is a --help word (in bpa_provider/cli only).
HELP_KEYWORDS = ("help", "description", "epilog", "metavar")
#: The CLI's helpers that take a sub-command's help text as their third argument.
HELP_HELPERS = ("add_action", "register_group")


def strings_in(path: Path, *, help_words: bool = False) -> list[tuple[str, str | None, int]]:
    """(msgid, plural, line) for every translatable string in one Python file (with `help_words`,
    also the argparse words of a command-line module)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[str, str | None, int]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        args = node.args
        if name in ("_", "N_") and args and (text := _const(args[0])):
            found.append((text, None, node.lineno))
        elif name == "ngettext" and len(args) >= 2 and (one := _const(args[0])) and (many := _const(args[1])):
            found.append((one, many, node.lineno))
        elif name in ("_T", "FieldSpec"):
            if len(args) >= 2 and (label := _const(args[1])):
                found.append((label, None, node.lineno))
            for kw in node.keywords:
                if kw.arg in ("label", "hint") and (text := _const(kw.value)):
                    found.append((text, None, node.lineno))
        elif name == "EntitySpec" and len(args) >= 3 and (label := _const(args[2])):
            found.append((label, None, node.lineno))
        if help_words:
            if name in HELP_HELPERS and len(args) >= 3 and (text := _const(args[2])):
                found.append((text, None, node.lineno))
            for kw in node.keywords:
                if kw.arg in HELP_KEYWORDS and (text := _const(kw.value)):
                    found.append((text, None, node.lineno))
    return found


def collect(root: Path = ROOT) -> list[Message]:
    """Every message of the code base, in order of first appearance (files sorted by path)."""
    messages: dict[str, Message] = {}
    for top in SOURCES:
        for path in sorted((root / top).rglob("*.py")):
            if "locale" in path.parts:
                continue
            rel = path.relative_to(root).as_posix()
            for msgid, plural, line in strings_in(path, help_words=rel.startswith("bpa_provider/cli/")):
                msg = messages.setdefault(msgid, Message(msgid, plural))
                msg.plural = msg.plural or plural
                msg.places.append(f"{rel}:{line}")
    return list(messages.values())


def _quote(text: str) -> str:
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    return f'"{body}"'


def render_pot(messages: list[Message]) -> str:
    """The template, without a creation date so it only changes when the strings do."""
    out = [
        "# Translatable strings of bpa-provider. Generated by bpa_provider/locale/extract.py: do not edit.",
        'msgid ""',
        'msgstr ""',
        '"Project-Id-Version: bpa-provider\\n"',
        '"MIME-Version: 1.0\\n"',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        '"Content-Transfer-Encoding: 8bit\\n"',
        "",
    ]
    # Sorted and without source references: a catalog changes only when its strings do, and two
    # branches that add strings seldom touch the same lines (fewer merge conflicts).
    for msg in sorted(messages, key=lambda m: m.msgid):
        if "{" in msg.msgid:
            out.append("#, python-brace-format")
        out.append(f"msgid {_quote(msg.msgid)}")
        if msg.plural:
            out.append(f"msgid_plural {_quote(msg.plural)}")
            out += ['msgstr[0] ""', 'msgstr[1] ""']
        else:
            out.append('msgstr ""')
        out.append("")
    return "\n".join(out)


def new_po(lang: str, pot: str) -> str:
    """A fresh catalog for a language, from the template."""
    header = (
        f'"Language: {lang}\\n"\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n'
        f'"Language-Team: {HEADERS.get(lang, lang)}\\n"\n'
    )
    po = pot.replace('"Content-Transfer-Encoding: 8bit\\n"\n', '"Content-Transfer-Encoding: 8bit\\n"\n' + header, 1)
    first, rest = po.split("\n", 1)
    return (
        f"# {HEADERS.get(lang, lang)} messages of bpa-provider. Translate here; "
        "python -m bpa_provider.locale.extract keeps it in step with the code.\n" + rest
    )


def po_entries(text: str) -> dict[str, str]:
    """msgid -> msgstr (first form) of a .po file; obsolete (#~) entries are left out."""
    entries: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None

    def flush() -> None:
        if msgid is not None and msgstr is not None:
            entries["".join(msgid)] = "".join(msgstr)

    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#"):
            continue
        if line.startswith("msgid "):
            flush()
            msgid, msgstr = [ast.literal_eval(line[6:])], None
            current = msgid
        elif line.startswith("msgid_plural "):
            current = None
        elif line.startswith("msgstr ") or line.startswith("msgstr[0] "):
            msgstr = [ast.literal_eval(line.split(" ", 1)[1])]
            current = msgstr
        elif line.startswith("msgstr["):
            current = None
        elif line.startswith('"') and current is not None:
            current.append(ast.literal_eval(line))
    flush()
    entries.pop("", None)
    return entries


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True)


def update(root: Path = ROOT) -> None:
    """Write bpa.pot, merge it into every language's .po, and compile the .mo files."""
    pot = render_pot(collect(root))
    POT.write_text(pot + "\n", encoding="utf-8")
    for lang in LANGUAGES:
        folder = HERE / lang / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        po = folder / f"{DOMAIN}.po"
        if not po.exists():
            po.write_text(new_po(lang, pot) + "\n", encoding="utf-8")
        else:
            _run(
                "msgmerge",
                "--quiet",
                "--update",
                "--backup=none",
                "--no-fuzzy-matching",
                "--no-wrap",
                "--no-location",
                "--sort-output",
                str(po),
                str(POT),
            )
        _run("msgfmt", "--check-format", "-o", str(folder / f"{DOMAIN}.mo"), str(po))


def problems(root: Path = ROOT) -> list[str]:
    """What is out of date: the template, or a message missing or untranslated in nb."""
    found = []
    messages = collect(root)
    if not POT.exists() or POT.read_text(encoding="utf-8") != render_pot(messages) + "\n":
        found.append("bpa.pot is out of date: run python -m bpa_provider.locale.extract")
    for lang in MUST_BE_COMPLETE:
        po = HERE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        entries = po_entries(po.read_text(encoding="utf-8")) if po.exists() else {}
        for msg in messages:
            if not entries.get(msg.msgid):
                found.append(f"{lang}: untranslated: {msg.msgid!r} ({msg.places[0]})")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bpa_provider.locale.extract", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="report, change nothing; exit 1 on a problem")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    update()
    missing = [p for p in problems() if "untranslated" in p]
    print(f"{POT.relative_to(ROOT)}: {len(collect())} messages; {len(missing)} untranslated in nb")
    return 0


if __name__ == "__main__":
    sys.exit(main())
