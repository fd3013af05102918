"""`stored_id(row)`: the id of a row in the database, and a loud failure for one never flushed."""

from __future__ import annotations

import pytest

from bpa_provider.db.models import Course
from bpa_provider.services.stored import stored_id


def test_a_stored_rows_id_is_its_id():
    assert stored_id(Course(id=42, name="Basic", kind="supervisor_basic")) == 42


def test_a_row_never_flushed_is_a_bug_not_a_none():
    with pytest.raises(RuntimeError, match="Course has no id"):
        stored_id(Course(name="Basic", kind="supervisor_basic"))
