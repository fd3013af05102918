"""`handover.check_file` ("Check file" on the import form): the file read as the import reads it,
without the database — capped, a signed envelope unwrapped, then the package's own checks."""

from __future__ import annotations

import json

from bpa_provider.services import handover


def test_a_missing_file_is_one_problem(tmp_path):
    doc, problems = handover.check_file(str(tmp_path / "nowhere.json"))
    assert doc is None and [p.field for p in problems] == ["file"]
    assert problems[0].localized().startswith("Cannot read ")


def test_a_huge_file_is_refused_without_reading_it_whole(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (handover.MAX_PACKAGE_BYTES + 10))
    doc, problems = handover.check_file(str(big))
    assert doc is None and [(p.field, p.message) for p in problems] == [
        ("file", "is too large to be a handover package")
    ]


def test_an_envelope_is_checked_as_the_package_inside(tmp_path):
    inner = json.dumps({"schema_version": "99"})
    envelope = tmp_path / "env.json"
    envelope.write_bytes(handover.envelope(inner.encode(), "-----BEGIN SSH SIGNATURE-----"))
    doc, problems = handover.check_file(f"  {envelope}  ")
    # The import unwraps an envelope; so does the check: the package's own problem, not "is a
    # signed envelope".
    assert doc is None and [p.field for p in problems] == ["schema_version"]
