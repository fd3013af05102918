"""`bpa-provider report …`: every report, one module each in `bpa_provider.cli.reports`."""

from __future__ import annotations


def register(sub) -> None:  # noqa: ANN001
    from bpa_provider.cli.groups import register_group

    register_group(
        sub, "report", "reports (hours, reviews, courses, …) as table, CSV or JSON", "bpa_provider.cli.reports"
    )
