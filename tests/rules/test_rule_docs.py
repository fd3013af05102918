"""docs/rosters.md lists every working-time rule with its law and default severity: the table is
read and held to `RULE_LAWS` and `DEFAULT_SEVERITIES`, so a new rule cannot go undocumented."""

from __future__ import annotations

import re
from pathlib import Path

from bpa_provider.rules.worktime import DEFAULT_SEVERITIES, RULE_LAWS

DOC = Path(__file__).resolve().parents[2] / "docs" / "rosters.md"


def _table() -> dict[str, list[str]]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 5 and cells[0] in RULE_LAWS:
            rows[cells[0]] = cells
    return rows


def test_every_rule_is_in_the_table_with_its_severity_and_law():
    rows = _table()
    assert set(rows) == set(RULE_LAWS) == set(DEFAULT_SEVERITIES)
    for rule_id, (_id, _what, _default, severity, law) in rows.items():
        assert severity == DEFAULT_SEVERITIES[rule_id], rule_id
        # The law column names the statute and section the rule cites (policy rules say so).
        cited = RULE_LAWS[rule_id].split(";")[0].split(" (")[0].strip()
        if rule_id.startswith(("NO-", "SE-")) and "§" in cited:
            assert cited.split("§")[0].strip().lower() in law.lower(), (rule_id, cited, law)
            for section in re.findall(r"\d+(?:-\d+)?(?: \(\d+\))?", cited.split("§", 1)[1]):
                assert section in law, (rule_id, section, law)
