"""Hostile strings for input-handling tests, and what the shared text rule (`records.clean_text`) makes
of each: the value stored (trimmed) or the word its refusal must contain.

Shared by test_bad_input.py (the client name, CSV import) and test_bad_input_fields.py with its
bad_input_*.py (every other text field and free-text parameter).
"""

from __future__ import annotations

import random
import unicodedata

MAX_NAME = 200

_PIECES = [
    "Kari",
    "Nordmann",
    "Åse",
    "Øvrebø",
    " ",
    "-",
    "'",
    '"',
    ";",
    ",",
    '=HYPERLINK("x")',
    "+1",
    "@SUM(1)",
    "[/bold]",
    "[bold red]",
    "[link=https://evil.example]klikk[/link]",
    "[@click=app.quit]x[/]",
    "[",
    "]",
    "\\[",
    "[b]",
    "${HOME}",
    "$(id)",
    "`id`",
    "%s",
    "%n",
    "{0}",
    "<script>",
    "&amp;",
    "\x1b[31m",
    "\x1b[2J",
    "\x1b]8;;https://evil.example\x1b\\",
    "\x1b]0;title\x07",
    "\x9b31m",
    "\x1bP+q\x1b\\",
    "\x00",
    "\x07",
    "\x08",
    "\r",
    "\n",
    "\t",
    "\x7f",
    "\x85",
    "\x1f",
    "\u202e",
    "\u202d",
    "\u200f",
    "\u200b",
    "\u2066",
    "\ufeff",
    "\u00a0",
    "\u0301",
    "\u200d",
    "مرحبا",
    "שלום",
    "עברית123",
    "日本語",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "🙂",
    "👩‍👩‍👧",
    "１２３",
    "²",
    "Ⅻ",
]

# Why a string is refused, in the order clean_text checks, and the word the refusal must contain.
REQUIRED, INVALID, CONTROL, BIDI, LINE, LONG = "required", "invalid", "control", "bidi", "line", "long"
WORDS = {
    REQUIRED: "required",
    INVALID: "not valid text",
    CONTROL: "control characters",
    BIDI: "control characters",
    LINE: "one line",
    LONG: "too long",
}
# Everything str.splitlines() breaks a line at, plus the tab: none of it belongs in a one-line field.
_LINE_CHARS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x85\u2028\u2029"


def hostile_strings(n: int, seed: int = 2026, max_len: int = MAX_NAME) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        shape = i % 10
        if shape == 0:  # very long
            s = "".join(rng.choice(_PIECES) for _ in range(rng.randint(40, 400)))
        elif shape == 1:  # random code points, any plane except surrogates
            s = "".join(
                chr(
                    rng.choice(
                        [
                            rng.randint(0, 0x7F),
                            rng.randint(0x80, 0x2FF),
                            rng.randint(0x590, 0x6FF),
                            rng.randint(0x2000, 0x206F),
                            rng.randint(0xE000, 0xFFFD),
                            rng.randint(0x10000, 0x1FFFF),
                        ]
                    )
                )
                for _ in range(rng.randint(0, 30))
            )
        elif shape == 2:  # around the length limit
            s = "x" * rng.randint(max_len - 2, max_len + 2)
        else:
            s = "".join(rng.choice(_PIECES) for _ in range(rng.randint(1, 6)))
        out.append(s)
    return out


def problems(raw: str, max_len: int = MAX_NAME, *, multiline: bool = False, required: bool = True) -> list[str]:
    """Every reason the shared rule refuses `raw` for (REQUIRED, INVALID, …), in the order it checks."""
    text = raw.strip()
    if not text:
        return [REQUIRED] if required else []
    found = []
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        found.append(INVALID)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n" for ch in text):
        found.append(CONTROL)
    if any("\u202a" <= ch <= "\u202e" or "\u2066" <= ch <= "\u2069" for ch in text):
        found.append(BIDI)
    if not multiline and any(ch in _LINE_CHARS for ch in text):
        found.append(LINE)
    if len(text) > max_len:
        found.append(LONG)
    return found


def expected(
    raw: str, max_len: int = MAX_NAME, *, multiline: bool = False, required: bool = True
) -> tuple[str, str | None]:
    """(stored value, or the word the refusal must contain), in the order the service checks."""
    found = problems(raw, max_len, multiline=multiline, required=required)
    return raw.strip(), (WORDS[found[0]] if found else None)
