"""Wage-type codes and overtime numbers in the config: documented defaults, the TOML tables and
`BPA_*` variables override them, a bad code is refused in one sentence naming it."""

from __future__ import annotations

import pytest

from bpa_provider.config import PAXML_CODES, WAGE_KINDS, WageTypes, load_settings


def test_every_kind_has_a_documented_default_in_both_tables():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "payroll.md").read_text(encoding="utf-8")
    for kind in WAGE_KINDS:
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{kind}` |"))
        assert f"`{WageTypes().code(kind)}`" in row and f"`{PAXML_CODES.code(kind)}`" in row
    assert {
        "ordinary",
        "evening",
        "night",
        "weekend",
        "holiday",
        "passive",
        "overtime",
        "sick_employer_period",
        "holiday_absence",
        "unpaid_leave",
    } == set(WAGE_KINDS)


def test_the_config_file_and_the_environment_override_the_codes(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(
        '[wage_types]\novertime = "340"\nnight = 221\n[paxml_codes]\nnight = "OB3"\n'
        "[policy]\novertime_supplement_percent = 50\n",
        encoding="utf-8",
    )
    s = load_settings(path, env={"BPA_WAGE_TYPE_ORDINARY": "100"})
    assert (s.wage_types.ordinary, s.wage_types.overtime, s.wage_types.night) == ("100", "340", "221")
    assert (s.paxml_codes.night, s.paxml_codes.overtime) == ("OB3", "ÖT1")
    assert s.policy.overtime_supplement_percent == 50.0


@pytest.mark.parametrize("bad", ["=1+1", "", "12345678901", "a b", "@SUM"])
def test_a_bad_code_is_refused_naming_it(bad):
    with pytest.raises(ValueError, match=r"\[wage_types\] evening"):
        load_settings(env={"BPA_WAGE_TYPE_EVENING": bad})
