"""Hostile strings through every text field, not only the client's name (test_bad_input.py).

Part 1 walks `records.SPECS`: every text field of every record kind (and the national IDs, which go
through the same rule first) gets a few hundred hostile strings through `records.create`. Part 2
does the same, with fewer strings, for the free-text parameters of the other services (shift notes
and reasons, review texts, course names, transfer notes, sick-leave notes, user names, key comments…).

The property, split into one test per aspect so that a known defect marks only its own case:
- valid text (markup, right-to-left, emoji, formulas) is stored exactly as typed, trimmed;
- control characters (escape sequences, C1 codes), bidirectional overrides, lone surrogates and
  text over the field's limit are refused; line breaks too, unless the field holds several lines;
- a refusal is a ValidationError naming the field, with a message that says what is wrong;
- nothing else escapes (no crash), and a refused call writes nothing.

The rule is `records.clean_text` (see hostile.py). A defect found here is marked xfail(strict=True)
in DEFECTS below, not fixed in the service: when the service is fixed, the xfail fails and the
marker goes. The databases live on tmpfs (SQLite only: this is about input handling).

The machinery is in bad_input_kit.py, the targets in bad_input_setups.py and bad_input_targets.py.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from bad_input_kit import (
    _SURROGATES,
    Outcome,
    Target,
    run,
)
from bad_input_setups import (
    RECORD_TARGETS,
)
from bad_input_targets import (
    DEFECTS,
    TARGETS,
)
from hostile import BIDI, CONTROL, INVALID, LINE, LONG, REQUIRED, WORDS, problems

from bpa_provider.db.engine import Database, make_engine
from bpa_provider.errors import ValidationError
from bpa_provider.services import (
    records,
)

# --------------------------------------------------------------------------- the tests


@pytest.fixture(scope="module")
def outcomes(sqlite_template):
    """Outcomes per target, computed once (each target on its own database on tmpfs)."""
    base = Path("/dev/shm") if Path("/dev/shm").is_dir() else None
    root = Path(tempfile.mkdtemp(dir=base, prefix="bpa-bad-fields-"))
    cache: dict[str, list[Outcome]] = {}

    def get(target_id: str) -> list[Outcome]:
        if target_id not in cache:
            path = root / f"{len(cache)}.sqlite3"
            shutil.copy(sqlite_template, path)
            db = Database(make_engine(f"sqlite:///{path}"))
            try:
                cache[target_id] = run(TARGETS[target_id], db)
            finally:
                db.dispose()
        return cache[target_id]

    yield get
    shutil.rmtree(root, ignore_errors=True)


def cases(aspect: str, only: Callable[[Target], bool] = lambda t: True) -> list:
    out = []
    for t in TARGETS.values():
        if not only(t):
            continue
        reason = DEFECTS.get((t.id, aspect))
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        out.append(pytest.param(t.id, id=t.id, marks=marks))
    return out


def _problems(t: Target, raw: str, *, multiline: bool | None = None) -> list[str]:
    many = t.lines == "many" if multiline is None else multiline
    return problems(raw, t.max_len, multiline=many, required=t.required)


def _show(o: Outcome) -> str:
    what = {"stored": f"stored {o.stored!r}", "crash": o.error}.get(o.status, o.exc and o.exc.message)
    return f"{o.raw[:80]!r}{'…' if len(o.raw) > 80 else ''} -> {o.status}: {what}"


def _refused_for(t: Target, outs: list[Outcome], problem: str) -> None:
    hit = [o for o in outs if problem in _problems(t, o.raw) and INVALID not in _problems(t, o.raw)]
    assert hit, f"no {problem} string in the sample"
    bad = [_show(o) for o in hit if o.status != "refused"]
    assert not bad, f"{len(bad)} of {len(hit)} not refused, e.g. " + "; ".join(bad[:3])


@pytest.mark.slow
@pytest.mark.parametrize("target_id", cases("crash"))
def test_nothing_but_a_validation_error_escapes(outcomes, target_id):
    outs = outcomes(target_id)
    valid = [o for o in outs if INVALID not in problems(o.raw)]
    bad = [_show(o) for o in valid if o.status == "crash"]
    assert not bad, f"{len(bad)} of {len(valid)} crashed, e.g. " + "; ".join(bad[:3])


@pytest.mark.parametrize("target_id", cases("invalid"))
def test_lone_surrogates_are_refused_not_a_crash(outcomes, target_id):
    hit = [o for o in outcomes(target_id) if o.raw in _SURROGATES]
    assert len(hit) == len(_SURROGATES)
    bad = [_show(o) for o in hit if o.status != "refused"]
    assert not bad, "; ".join(bad)


@pytest.mark.parametrize("target_id", cases("control"))
def test_control_characters_are_refused(outcomes, target_id):
    _refused_for(TARGETS[target_id], outcomes(target_id), CONTROL)


@pytest.mark.parametrize("target_id", cases("bidi"))
def test_bidi_overrides_are_refused(outcomes, target_id):
    _refused_for(TARGETS[target_id], outcomes(target_id), BIDI)


@pytest.mark.parametrize("target_id", cases("length"))
def test_text_over_the_limit_is_refused(outcomes, target_id):
    t = TARGETS[target_id]
    _refused_for(t, outcomes(target_id), LONG)


@pytest.mark.parametrize("target_id", cases("required", lambda t: t.required))
def test_empty_is_refused_where_required(outcomes, target_id):
    _refused_for(TARGETS[target_id], outcomes(target_id), REQUIRED)


@pytest.mark.parametrize("target_id", cases("lines", lambda t: t.lines != "either"))
def test_line_breaks_follow_the_field(outcomes, target_id):
    t = TARGETS[target_id]
    outs = outcomes(target_id)
    if t.lines == "one":
        _refused_for(t, outs, LINE)
        return
    # Several lines allowed: text whose only fault in a one-line field would be its breaks is kept.
    hit = [o for o in outs if _problems(t, o.raw, multiline=False) == [LINE] and not _problems(t, o.raw)]
    assert hit
    bad = [_show(o) for o in hit if o.status != "stored" or o.stored != t.normalize(o.raw.strip())]
    assert not bad, f"{len(bad)} of {len(hit)} not kept as typed, e.g. " + "; ".join(bad[:3])


@pytest.mark.parametrize("target_id", cases("exact"))
def test_valid_text_is_stored_exactly_as_typed(outcomes, target_id):
    t = TARGETS[target_id]
    valid = [o for o in outcomes(target_id) if not _problems(t, o.raw, multiline=False)]
    assert len(valid) >= 10, "too little valid text in the sample"
    bad = []
    for o in valid:
        want = t.normalize(o.raw.strip())
        if o.status == "stored":
            ok = t.empty_ok(o.stored) if not want else o.stored == want
        else:
            ok = t.free_refusals and o.status == "refused"
        if not ok:
            bad.append(_show(o))
    assert not bad, f"{len(bad)} of {len(valid)} not stored as typed, e.g. " + "; ".join(bad[:3])
    assert any(o.status == "stored" and o.raw.strip() for o in valid)  # both sides of the rule were exercised


_ALTERNATIVES = {LINE: ("line", "control characters"), LONG: ("too long", "longer than")}


@pytest.mark.parametrize("target_id", cases("clear"))
def test_a_refusal_names_the_field_and_what_is_wrong(outcomes, target_id):
    t = TARGETS[target_id]
    refused = [o for o in outcomes(target_id) if o.status == "refused"]
    assert refused
    bad = []
    for o in refused:
        message = o.exc.for_field(t.field) if isinstance(o.exc, ValidationError) else None
        found = _problems(t, o.raw, multiline=t.lines == "many")
        if not message:
            bad.append(_show(o) + f" (no error on {t.field!r})")
        elif t.clean_text and found:  # the shared rule: the first problem, in its words
            if WORDS[found[0]] not in message:
                bad.append(_show(o) + f" (expected {WORDS[found[0]]!r})")
        elif found and not any(w in message for p in found for w in _ALTERNATIVES.get(p, (WORDS[p],))):
            bad.append(_show(o) + f" (expected one of {[WORDS[p] for p in found]})")
    assert not bad, f"{len(bad)} of {len(refused)} unclear, e.g. " + "; ".join(bad[:3])


@pytest.mark.parametrize("target_id", cases("nothing_written"))
def test_a_refused_call_writes_nothing(outcomes, target_id):
    outs = outcomes(target_id)
    failed = [o for o in outs if o.status != "stored"]
    assert failed
    bad = [_show(o) for o in failed if not o.unchanged]
    assert not bad, f"{len(bad)} of {len(failed)} left rows behind, e.g. " + "; ".join(bad[:3])


@pytest.mark.parametrize("target_id", cases("form", lambda t: t.spec is not None))
def test_the_form_refuses_what_the_service_refuses(outcomes, target_id):
    """check_field (validation as you type) gives the same verdict and words as the save."""
    t = TARGETS[target_id]
    kind, name = t.spec
    bad = []
    for o in outcomes(target_id):
        found = _problems(t, o.raw)
        message = records.check_field(kind, name, o.raw)
        if found and (message is None or WORDS[found[0]] not in str(message)):
            bad.append(f"{o.raw[:60]!r}: form says {message!r}")
        elif not found and o.status == "stored" and message is not None:
            bad.append(f"{o.raw[:60]!r}: stored, but the form says {message!r}")
    assert not bad, "; ".join(bad[:5])


def test_every_text_field_of_every_record_is_covered():
    """New fields are picked up from records.SPECS; their limits fit the database columns."""
    covered = {t.spec for t in RECORD_TARGETS}
    for entity in records.SPECS.values():
        for spec in entity.fields:
            if spec.kind in ("text", "national_id"):
                assert (entity.kind, spec.name) in covered
                column = entity.model.__table__.c[spec.name]
                length = getattr(column.type, "length", None)
                assert length is None or spec.max_len <= length, (
                    f"{entity.kind}.{spec.name}: the form allows {spec.max_len}, the column {length}"
                )
    assert len(covered) >= 20


def test_every_known_defect_names_a_real_case():
    """A typo in DEFECTS would silently mark nothing."""
    aspects = {
        "crash",
        "invalid",
        "control",
        "bidi",
        "length",
        "required",
        "lines",
        "exact",
        "clear",
        "nothing_written",
        "form",
    }
    for target_id, aspect in DEFECTS:
        assert target_id in TARGETS and aspect in aspects, (target_id, aspect)
        assert aspect != "lines" or TARGETS[target_id].lines != "either", (target_id, aspect)
