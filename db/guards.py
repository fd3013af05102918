"""The names of the access log's append-only triggers (migrations 0002, 0003, 0005) and the words
they refuse with: what `bpa_provider.audit.missing_guards` and the app's fast start (`peek.py`)
check is in place before anything else runs; and the names of the stored hour outlook's triggers
(migration 0015o) and of the stored day counts' (0017c), which tests check a migrated database has."""

MESSAGE = "audit log is append-only"
SQLITE_GUARDS = ("audit_event_no_update", "audit_event_no_delete", "audit_event_no_replace")
PG_GUARDS = ("audit_event_append_only",)

# The triggers that keep each client's stored year-end outlook current (migration 0015o,
# services/hour_outlook.py): a client's `changes` bumped on every write of what its outlook is
# computed from. Same names on SQLite (row-level) and PostgreSQL (statement-level, each with a
# function of its name). Without them the dashboard's hours section would read stale figures.
OUTLOOK_TRIGGERS = (
    *(
        f"hour_outlook_{t}_{e}"
        for t in ("shift", "decision", "hour_balance_entry", "hour_ledger")
        for e in ("insert", "update", "delete")
    ),
    "hour_outlook_client_insert",
    "hour_outlook_client_update",
    "hour_outlook_municipality_update",
)

# The tables each stored dashboard count is read from (migration 0017c, services/day_counts.py):
# a write to one marks those counts changed. Triggers named `day_count_<table>_<event>` on SQLite
# (row-level), `day_count_<table>` on PostgreSQL (statement-level; and `day_count_client_status`,
# row-level, for a client's status). Without them the dashboard would show stale counts.
DAY_COUNT_INPUTS = {
    "decision": ("decisions_ending",),
    "client": ("decisions_ending",),
    "review_due": ("reviews_due",),
    "review_due_basis": ("reviews_due",),
    "credential_expiry": ("courses_expiring",),
    "employment": ("courses_expiring", "assistants_unemployed"),
    "assistant": ("assistants_unemployed",),
    "supervision": ("courses_expiring", "courses_overdue"),
    "onboarding_due": ("courses_overdue",),
}
SQLITE_DAY_COUNT_TRIGGERS = tuple(
    f"day_count_{t}_{e}" for t in DAY_COUNT_INPUTS for e in ("insert", "update", "delete")
)
PG_DAY_COUNT_TRIGGERS = (*(f"day_count_{t}" for t in DAY_COUNT_INPUTS), "day_count_client_status")
