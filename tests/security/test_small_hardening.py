"""Finding 6 of issue 15, each with the test that failed before: logins are case-folded, client
references have a pattern, the default database and backup scratch copies are private, and a
kill between the migration and the first admin does not leave a database that says "unknown
user"."""

from __future__ import annotations

import os
import stat

import pytest

from bpa_provider.access import Actor
from bpa_provider.errors import ValidationError
from bpa_provider.services import records, users
import factories as f

ADMIN = Actor("admin", "admin")


def test_kari_and_KARI_are_one_user(db):
    users.add_user(db, ADMIN, "kari", "coordinator")
    with pytest.raises(ValidationError, match="already exists"):
        users.add_user(db, ADMIN, "KARI", "coordinator")
    assert users.resolve_actor(db, "Kari").login == "kari"
    made = users.add_user(db, ADMIN, "OLA", "auditor")
    assert made.login == "ola" and users.resolve_actor(db, "ola").role == "auditor"
    assert [u.login for u in users.list_users(db, ADMIN)].count("kari") == 1


@pytest.mark.parametrize("ref", ["../../etc/passwd", "a/b", "K 0001", ".hidden", "K-0001\\x", "-K", "K:1",
                                 "K\u00a00001", "x" * 21])
def test_a_path_like_client_reference_is_refused(db, ref):
    f.municipality(db, ADMIN)
    with pytest.raises(ValidationError) as info:
        f.client(db, ADMIN, ref=ref)
    assert any(e.field == "ref" for e in info.value.errors)
    assert records.list_records(db, ADMIN, "client").total == 0


def test_ordinary_client_references_are_accepted(db):
    f.municipality(db, ADMIN)
    for ref in ("K-0100", "oslo_17", "B2024-3"):
        assert f.client(db, ADMIN, ref=ref).ref == ref
