"""Settings are checked at start: a bad value or an unknown key in config.toml or a BPA_* variable
is one line naming it, exit code 2, no traceback, nothing opened (bpa_provider/config.py)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from bpa_provider.cli import main
from bpa_provider.config import ConfigError, Policy, RetentionPolicy, load_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path, monkeypatch):
    path = tmp_path / "config.toml"
    monkeypatch.setenv("BPA_CONFIG", str(path))
    return path


@pytest.mark.parametrize(
    "text, env, names",
    [
        ("[policy]\nnotice_month = 3\n", {}, ["notice_month", "did you mean 'notice_months'"]),
        ('[policy]\nnotice_months = "three"\n', {}, ["notice_months", "three", "whole number"]),
        ("[policy]\nnotice_months = -1\n", {}, ["notice_months", "-1"]),
        ("[policy]\nusage_warn = nan\n", {}, ["usage_warn", "nan"]),
        ('[policy]\ncoapproval_when_course_overdue = "maybe"\n', {}, ["coapproval_when_course_overdue", "maybe"]),
        ('[policy]\ncourse_expiry_reminders = [90, "x"]\n', {}, ["course_expiry_reminders"]),
        ("[retention]\nclient_years = 500\n", {}, ["client_years", "500"]),
        ("[retension]\nclient_years = 5\n", {}, ["retension", "did you mean 'retention'"]),
        ('databse_url = "/srv/x.sqlite3"\n', {}, ["databse_url", "database_url"]),
        ('lang = "de"\n', {}, ["lang", "'de'"]),
        ("policy = 3\n", {}, ["policy", "table"]),
        ("[policy\n", {}, ["config.toml", "TOML"]),
        ("", {"BPA_NOTICE_MONTHS": "3 months"}, ["BPA_NOTICE_MONTHS", "3 months"]),
        ("", {"BPA_LANGUAGE": "nb"}, ["BPA_LANGUAGE", "did you mean 'BPA_LANG'"]),
        ("", {"BPA_RETENTION_CLIENT_YEARS": "-1"}, ["BPA_RETENTION_CLIENT_YEARS", "-1"]),
        ("", {"BPA_PROVIDER_NAME": "Acme\x1b[2J"}, ["BPA_PROVIDER_NAME"]),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_2(config, monkeypatch, capsys, tmp_path, text, env, names):
    config.write_text(text)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "never.sqlite3"
    assert main(["--db", str(db), "list", "clients"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("bpa-provider: ")
    assert "Traceback" not in err and "\x1b" not in err
    for name in names:
        assert name in err
    assert not db.exists()


def test_the_app_start_is_checked_too(config, monkeypatch, capsys, tmp_path):
    """The quick path that opens the app reads the settings as well: no screen for a bad file."""
    import bpa_provider.screens.app

    monkeypatch.setattr(bpa_provider.screens.app, "run_app", lambda *a, **kw: pytest.fail("the app opened"))
    config.write_text("[policy]\nreview_intervall_months = 6\n")
    assert main(["--db", str(tmp_path / "x.sqlite3")]) == 2
    assert "review_intervall_months" in capsys.readouterr().err


def test_good_settings_from_file_and_environment(config):
    config.write_text(
        'database_url = "/srv/bpa/data/bpa.sqlite3"\nlang = "nb"\nprovider_name = "Assistanse AS"\n'
        "[policy]\nnotice_months = 2\ncourse_expiry_reminders = [60, 14]\nusage_warn = 1.1\n"
        "coapproval_when_course_overdue = false\n[retention]\nclient_years = 10\n"
    )
    s = load_settings(
        config,
        {
            "BPA_NOTICE_MONTHS": "4",
            "BPA_RETENTION_REVIEW_YEARS": "3",
            "BPA_COAPPROVAL_WHEN_COURSE_OVERDUE": "yes",
            "BPA_TEST_PG_URL": "x",
        },
    )
    assert (s.database_url, s.lang, s.provider_name) == ("/srv/bpa/data/bpa.sqlite3", "nb", "Assistanse AS")
    assert s.policy.notice_months == 4 and s.policy.course_expiry_reminders == (60, 14)
    assert s.policy.usage_warn == 1.1 and s.policy.coapproval_when_course_overdue is True
    assert (s.retention.client_years, s.retention.review_years) == (10, 3)
    assert load_settings(config.with_name("absent.toml"), {}).policy == Policy()


def test_every_setting_can_be_given_by_its_variable():
    """The environment names are derived from the fields: each one is accepted as a setting."""
    from datetime import date

    env = {
        f"BPA_{name.upper()}": "2017-01-01" if isinstance(getattr(Policy(), name), date) else "1"
        for name in Policy.__dataclass_fields__
        if not name.startswith("rule_profile")
    }
    env.update({f"BPA_RETENTION_{f.upper()}": "9" for f in RetentionPolicy.__dataclass_fields__})
    env.update({"BPA_RULE_PROFILE_NO": "no-default", "BPA_RULE_PROFILE_SE": "se-default"})
    s = load_settings(Path("/nonexistent/config.toml"), env)
    assert s.policy.notice_months == 1 and s.retention.client_years == 9


def test_the_documented_config_file_loads(tmp_path):
    """The config.toml shown in docs/deploy-ssh.md is accepted as it stands."""
    doc = (ROOT / "docs" / "deploy-ssh.md").read_text(encoding="utf-8")
    block = re.search(r"tee /etc/bpa-provider/config.toml >/dev/null <<'EOF'\n(.*?)\nEOF", doc, re.S)
    assert block
    path = tmp_path / "config.toml"
    path.write_text(block.group(1))
    assert load_settings(path, {}).retention.client_years == 5


def test_config_error_is_a_value_error_for_older_callers():
    with pytest.raises(ValueError):
        load_settings(Path("/nonexistent"), {"BPA_RETENTION_CLIENT_YEARS": "x"})
    assert issubclass(ConfigError, ValueError)


def test_a_real_process_shows_no_traceback(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[policy]\nnotice_months = []\n")
    env = {"PATH": "/usr/bin:/bin", "BPA_CONFIG": str(cfg), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    p = subprocess.run(
        [sys.executable, "-m", "bpa_provider", "list", "clients"], capture_output=True, text=True, env=env, timeout=60
    )
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.count("\n") == 1 and "notice_months" in p.stderr


def test_every_table_is_a_field_of_settings():
    """A table added to SECTIONS is read into the Settings field of the same name."""
    from dataclasses import fields

    from bpa_provider.config import SECTIONS, Settings

    names = {f.name for f in fields(Settings)}
    assert set(SECTIONS) <= names
    s = load_settings(Path("/nonexistent"), {})
    for name, (defaults, _prefix, _largest) in SECTIONS.items():
        assert getattr(s, name) == defaults
