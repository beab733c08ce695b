"""Nothing identifying leaves: the recognisers re-read every quote before an export.

The planted-name tests use the real recognisers (qualkit.deid); the refusal mechanics
(override, audit, nothing written) use the small stand-in so they do not hang on them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qualkit.errors import InputError
from qualkit.exports import safety
from qualkit.services import exchange, exports
from qualkit.store.models import AuditEvent, EntityDecision

from .export_helpers import build_project, set_text, standin_recognisers  # noqa: F401

PLANTED = (
    "Altså, jeg hedder jo Camilla Vestergaard, og mit CPR-nummer er 120379-1234, "
    "det står i brevet fra kommunen."
)


def _audit(db, action):
    with db.session() as s:
        return s.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_real_recognisers_refuse_a_planted_name_and_cpr(db, tmp_path):
    b = build_project(db)
    seg = b.segments[("B03", 2)]
    set_text(db, seg, PLANTED)
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "q.docx"
    with pytest.raises(InputError) as err:
        exports.export_quotes(b.ctx("writer"), out)
    msg = str(err.value)
    assert f"segment {seg}" in msg and "PERSON" in msg and "CPR" in msg
    assert "Vestergaard" not in msg and "120379-1234" not in msg  # masked
    assert not list((tmp_path / "out").iterdir())  # no file, no temporary file
    # Pseudonyms such as "[Jobkonsulent 1]", "[Sygeplejerske 1]" did not trigger.
    report, listing = exports.check_quotes(b.ctx("writer"))
    flagged = {f["segment_id"] for f in listing}
    assert seg in flagged and b.segments[("B03", 1)] not in flagged
    planted = {(f["label"], f["surface"]) for f in listing if f["segment_id"] == seg}
    assert ("CPR", "120379-1234") in planted
    assert any(label == "PERSON" and "Camilla" in surface for label, surface in planted)
    # Overriding every flagged passage lets it through; nothing else is needed.
    exports.export_quotes(b.ctx("writer"), out, overrides=sorted(flagged))
    assert out.exists()


def test_rejected_surface_is_cleared_project_wide(sqlite_db, tmp_path):
    """A reviewer rejected "Kirsten" (say, a place here) somewhere in the project: the export
    recognises that decision by the keyed hash the review stored, not by clear text."""
    from qualkit.deid.pseudonyms import surface_key
    from qualkit.services import vault as vault_store
    from qualkit.services.context import SYSTEM, Context
    from qualkit.services.deid import create_vault

    b = build_project(sqlite_db)
    seg = b.segments[("B07", 1)]
    set_text(sqlite_db, seg, "Vi mødtes altid ovre hos Kirsten, det var nemt.")
    ctx = b.ctx("writer")
    report, listing = exports.check_quotes(ctx)
    surfaces = {(f["label"], f["surface"]) for f in listing if f["segment_id"] == seg}
    assert any(s == "Kirsten" for _, s in surfaces), surfaces  # the recognisers flag it
    create_vault(Context(sqlite_db, SYSTEM, b.project_id), "en lang test-passphrase 123")
    vault = vault_store.open_vault(sqlite_db)
    with sqlite_db.session(write=True) as s:
        for label, surface in surfaces:
            s.add(
                EntityDecision(
                    project_id=b.project_id,
                    segment_id=b.segments[("B03", 1)],
                    surface_hash=vault.keyed_hash(surface_key(label, surface)),
                    label=label,
                    decision="rejected",
                    scope="project",
                )
            )
    _, listing = exports.check_quotes(ctx)
    assert seg not in {f["segment_id"] for f in listing}


def test_refusal_override_and_audit(sqlite_db, tmp_path, standin_recognisers):  # noqa: F811
    b = build_project(sqlite_db)
    seg = b.segments[("B03", 2)]
    set_text(sqlite_db, seg, PLANTED)
    ctx = b.ctx("writer")
    for export, name in (
        (exports.export_quotes, "q.docx"),
        (exchange.export_qdpx, "p.qdpx"),
        (exports.export_codings, "c.xlsx"),
    ):
        with pytest.raises(InputError) as err:
            export(ctx, tmp_path / name)
        assert f"segment {seg}" in str(err.value)
        assert not (tmp_path / name).exists()
    refused = _audit(sqlite_db, "export.refused")
    assert len(refused) == 3 and refused[0].details["segments"] == [seg]
    assert "Camilla" not in repr([r.details for r in refused])
    # The writer overrides that passage: the export goes through and the override is audited.
    result = exports.export_quotes(ctx, tmp_path / "q.docx", overrides=[seg])
    assert (tmp_path / "q.docx").exists() and result.report.overridden
    (over,) = _audit(sqlite_db, "export.override")
    assert over.target_id == str(seg) and over.username == "writer"
    assert "PERSON" in over.details["labels"] and "Camilla" not in repr(over.details)
    assert _audit(sqlite_db, "export.quotes")[0].details["overrides"] == [seg]


def test_pseudonyms_and_reviewed_spans_do_not_trigger(sqlite_db, tmp_path, standin_recognisers):  # noqa: F811
    b = build_project(sqlite_db)
    seg = b.segments[("B07", 1)]
    text = "Det var [Borger 3]s idé, og [Navn 4] sagde det til Kirsten."
    set_text(sqlite_db, seg, text)
    with pytest.raises(InputError):
        exports.export_quotes(b.ctx("writer"), tmp_path / "q.docx")
    # A reviewer rejected that span ("Kirsten" is a place name here, say): no longer blocking.
    start = text.index("Kirsten")
    with sqlite_db.session(write=True) as s:
        s.add(
            EntityDecision(
                project_id=b.project_id,
                segment_id=seg,
                start=start,
                end=start + len("Kirsten"),
                surface_hash="x",
                label="PERSON",
                decision="rejected",
            )
        )
    exports.export_quotes(b.ctx("writer"), tmp_path / "q.docx")
    assert (tmp_path / "q.docx").exists()


def test_without_recognisers_nothing_leaves(sqlite_db, tmp_path, monkeypatch):
    b = build_project(sqlite_db)

    def missing():
        raise InputError("The de-identification recognisers (qualkit.deid) are not installed.")

    monkeypatch.setattr(safety, "_detector", missing)
    (tmp_path / "out").mkdir()
    with pytest.raises(InputError):
        exports.export_quotes(b.ctx("writer"), tmp_path / "out" / "q.docx")
    assert not list((tmp_path / "out").iterdir())


def test_interview_titles_are_checked_too(sqlite_db, tmp_path, standin_recognisers):  # noqa: F811
    """Titles leave with .qdpx sources and coding tables, so they are scanned as well."""
    from qualkit.store.models import Interview

    b = build_project(sqlite_db)
    iid = b.interviews["B07"]
    with sqlite_db.session(write=True) as s:
        s.get(Interview, iid).title = "Interview med Kirsten om forløbet"
    ctx = b.ctx("writer")
    (tmp_path / "out").mkdir()
    for export, name in ((exchange.export_qdpx, "p.qdpx"), (exports.export_codings, "c.csv")):
        with pytest.raises(InputError) as err:
            export(ctx, tmp_path / "out" / name)
        assert f"titlen på interview {iid}" in str(err.value)
    assert not list((tmp_path / "out").iterdir())
    # The quote set does not carry titles; the app's check lists the title with key -id.
    exports.export_quotes(ctx, tmp_path / "out" / "q.docx")
    _, listing = exports.check_quotes(ctx)
    assert [f["segment_id"] for f in listing] == [-iid]
    exchange.export_qdpx(ctx, tmp_path / "out" / "p.qdpx", overrides=[-iid])
    over = _audit(sqlite_db, "export.override")
    assert [(o.target_type, o.target_id) for o in over] == [("interview_title", str(iid))]
