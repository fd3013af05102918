"""The names of the access log's append-only triggers (migrations 0002, 0003, 0005) and the words
they refuse with: what `bpa_provider.audit.missing_guards` and the app's fast start (`peek.py`)
check is in place before anything else runs."""

MESSAGE = "audit log is append-only"
SQLITE_GUARDS = ("audit_event_no_update", "audit_event_no_delete", "audit_event_no_replace")
PG_GUARDS = ("audit_event_append_only",)
