"""`bpa-provider export …`: files for other systems and people, one module each in `bpa_provider.cli.exports`."""

from __future__ import annotations


def register(sub) -> None:  # noqa: ANN001
    from bpa_provider.cli.groups import register_group

    register_group(
        sub, "export", "write files: payroll, handover package, calendars, rosters", "bpa_provider.cli.exports"
    )
