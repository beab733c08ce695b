"""Coding, consensus, codebook editing and analysis through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from qualkit.codebooks.qdc import from_qdc_bytes
from qualkit.errors import InputError, NotFound, PermissionDenied
from qualkit.services import analysis, codebook_editor, codebooks, coding, consensus, interviews
from qualkit.store.models import AuditEvent, Coding, ConsensusCoding

from .conftest import ctx_as


def _codes(ctx) -> dict[str, int]:
    return {c["key"]: c["id"] for b in codebooks.list_codebooks(ctx) for c in b["codes"]}


def _segments(ctx, title_part: str) -> tuple[int, list[dict]]:
    iv = next(r["id"] for r in interviews.list_interviews(ctx) if title_part in r["title"])
    return iv, coding.coding_view(ctx, iv)["segments"]


def _audit(db, action: str) -> int:
    with db.session() as s:
        return s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_demo_has_two_coders_and_a_consensus(demo):
    db, result = demo
    assert result.counts["codings"] > 100 and result.counts["consensus"] >= 10
    ev = ctx_as(db, result.project_id, "evaluator")
    cons = consensus.list_consensus(ev)
    assert len({c["key"] for c in cons}) >= 3 and len(cons) >= 10
    assert any(c["starred"] for c in cons) and not all(c["starred"] for c in cons)
    iv, _ = _segments(ev, "B03")
    with pytest.raises(PermissionDenied, match="blind"):
        consensus.compare_document(ev, iv)  # blind until the coder chooses to compare
    assert not consensus.comparison_opened(ev, iv)
    consensus.open_comparison(ev, iv)
    assert consensus.comparison_opened(ev, iv)
    assert not consensus.comparison_opened(ctx_as(db, result.project_id, "evaluator2"), iv)
    cmp = consensus.compare_document(ev, iv)
    assert cmp["coders"] == ["evaluator", "evaluator2"]
    overall = cmp["agreement"][-1]
    assert overall["code"] == "overall" and 0 < overall["alpha"] < 1  # some disagreement
    assert cmp["disagreements"]


def test_apply_remove_blind_and_span(demo):
    db, result = demo
    ev, ev2 = (
        ctx_as(db, result.project_id, "evaluator"),
        ctx_as(db, result.project_id, "evaluator2"),
    )
    codes = _codes(ev)
    iv, segs = _segments(ev, "B12")
    ids = [segs[1]["id"], segs[3]["id"], segs[5]["id"]]
    made = coding.apply_code(ev, ids, codes["reach.deltagelse"], memo="m1")
    assert len(made) == 3
    # Applying again is a no-op (same ids), never a duplicate.
    assert coding.apply_code(ev, ids, codes["reach.deltagelse"]) == made
    assert {c["segment_id"] for c in coding.my_codings(ev, iv)} == set(ids)
    assert coding.my_codings(ev2, iv) == []  # blind
    # A char span inside one segment; outside the text or across segments is refused.
    text = segs[1]["text"]
    coding.apply_code(ev2, [segs[1]["id"]], codes["mech.tryghed"], start_char=2, end_char=12)
    with pytest.raises(InputError, match="uden for"):
        coding.apply_code(
            ev2, [segs[1]["id"]], codes["mech.tryghed"], start_char=0, end_char=len(text) + 5
        )
    with pytest.raises(InputError, match="ét segment"):
        coding.apply_code(ev2, ids[:2], codes["mech.tryghed"], fragment=text[:5])
    assert coding.remove_code(ev, ids[:2], codes["reach.deltagelse"]) == 2
    assert {c["segment_id"] for c in coding.my_codings(ev, iv)} == {ids[2]}
    # Others' codings cannot be deleted or edited.
    theirs = coding.my_codings(ev2, iv)[0]["id"]
    with pytest.raises(NotFound):
        coding.delete_coding(ev, theirs)
    with pytest.raises(NotFound):
        coding.set_memo(ev, theirs, "x")
    assert _audit(db, "coding.add") >= 3 and _audit(db, "coding.remove") >= 1


def test_bad_coding_input_changes_nothing(demo):
    db, result = demo
    ev = ctx_as(db, result.project_id, "evaluator")
    codes = _codes(ev)
    iv, segs = _segments(ev, "B12")
    with db.session() as s:
        before = s.scalar(select(func.count(Coding.id)))
    with pytest.raises(InputError, match=r"Ukendt\(e\) segment"):
        coding.apply_code(ev, [segs[0]["id"], 999_999], codes["reach"])
    with pytest.raises(InputError, match="post 2: ukendt segment"):
        coding.load_codings(
            ev,
            [
                {"interview_id": iv, "position": 0, "code": "reach", "coder": "evaluator"},
                {"interview_id": iv, "position": 5000, "code": "reach", "coder": "evaluator"},
            ],
        )
    with pytest.raises(InputError, match="ukendt"):
        coding.load_codings(
            ev, [{"interview_id": iv, "position": 0, "code": "no.such", "coder": "evaluator"}]
        )
    with db.session() as s:
        assert s.scalar(select(func.count(Coding.id))) == before
    for who in ("staff", "writer"):
        with pytest.raises(PermissionDenied):
            coding.apply_code(ctx_as(db, result.project_id, who), [segs[0]["id"]], codes["reach"])
        with pytest.raises(PermissionDenied):
            coding.coding_view(ctx_as(db, result.project_id, who), iv)
    with pytest.raises(PermissionDenied):
        consensus.compare_document(ctx_as(db, result.project_id, "writer"), iv)


def test_reconcile_take_one_take_both_new(demo):
    db, result = demo
    ev, ev2 = (
        ctx_as(db, result.project_id, "evaluator"),
        ctx_as(db, result.project_id, "evaluator2"),
    )
    codes = _codes(ev)
    iv, segs = _segments(ev, "B12")
    seg = segs[7]["id"]
    a = coding.apply_code(ev, [seg], codes["mech.tryghed"])
    b = coding.apply_code(ev2, [seg], codes["mech.justering"])
    with pytest.raises(PermissionDenied):
        consensus.take_options(ev, iv, seg, codes["mech.tryghed"])
    consensus.open_comparison(ev, iv)
    cmp = consensus.compare_document(ev, iv)
    keys = {(d["segment_id"], d["key"]) for d in cmp["disagreements"]}
    assert {(seg, "mech.tryghed"), (seg, "mech.justering")} <= keys
    one = consensus.reconcile(ev, "take_one", coding_ids=a)
    with pytest.raises(InputError, match="én koder"):
        consensus.reconcile(ev, "take_one", coding_ids=a + b)
    opts = consensus.take_options(ev, iv, seg, codes["mech.tryghed"])
    assert opts["take_one"] == {"evaluator": a} and sorted(opts["take_both"]) == sorted(a + b)
    both = consensus.reconcile(ev, "take_both", coding_ids=opts["take_both"])
    assert set(one) <= set(both) and len(both) == 2  # tryghed is not doubled
    frag = segs[7]["text"][3:20].strip()
    new = consensus.reconcile(
        ev, "new", segment_id=seg, code_id=codes["eff.mestring"], fragment=frag, memo="aftalt"
    )
    rows = {
        c["id"]: c for c in consensus.list_consensus(ctx_as(db, result.project_id, "writer"), iv)
    }
    assert rows[new[0]]["text"] == frag and rows[new[0]]["origin"] == "new"
    assert {rows[i]["key"] for i in both} == {"mech.tryghed", "mech.justering"}
    consensus.mark_consensus(ctx_as(db, result.project_id, "writer"), new[0], starred=True)
    assert consensus.list_consensus(ev, iv)[-1]["starred"] or any(
        c["starred"] for c in consensus.list_consensus(ev, iv) if c["id"] == new[0]
    )
    with pytest.raises(PermissionDenied):
        consensus.reconcile(ctx_as(db, result.project_id, "writer"), "take_one", coding_ids=a)
    assert _audit(db, "consensus.reconcile") == 3
    with pytest.raises(InputError, match=r"Ukendt\(e\) kodning"):
        consensus.reconcile(ev, "take_both", coding_ids=[a[0], 987654])


def test_codebook_editor_changes_are_versioned(demo):
    db, result = demo
    ev, ev2 = (
        ctx_as(db, result.project_id, "evaluator"),
        ctx_as(db, result.project_id, "evaluator2"),
    )
    book = next(b for b in codebooks.list_codebooks(ev) if b["name"] == "RE-AIM")
    codes = _codes(ev)
    iv, segs = _segments(ev, "B12")
    new = codebook_editor.add_code(
        ev,
        book["id"],
        "context.ventetid",
        "Ventetid",
        parent_id=codes["context"],
        description="Waiting times.",
    )
    tree = {r["key"]: r for r in codebook_editor.codebook_tree(ev, book["id"])["codes"]}
    assert tree["context.ventetid"]["framework"] == "context"  # inherited
    with pytest.raises(InputError, match="har allerede en kode"):
        codebook_editor.add_code(ev, book["id"], "context.ventetid", "Igen")
    codebook_editor.rename_code(ev, new, "Ventetid på tilbud")
    with pytest.raises(InputError, match="cyklus"):
        codebook_editor.move_code(ev, codes["context"], codes["context.barrierer.system"])
    codebook_editor.move_code(ev, new, codes["context.barrierer"])
    # Merge: both coders' codings of the source move to the target; a duplicate is dropped.
    src, dst = codes["context.barrierer.system"], codes["context.barrierer.organisation"]
    coding.apply_code(ev, [segs[2]["id"], segs[4]["id"]], src)
    coding.apply_code(ev2, [segs[2]["id"]], src)
    coding.apply_code(ev2, [segs[2]["id"]], dst)
    with db.session() as s:
        n_src = s.scalar(select(func.count(Coding.id)).where(Coding.code_id == src))
        n_cons_src = s.scalar(
            select(func.count(ConsensusCoding.id)).where(ConsensusCoding.code_id == src)
        )
    info = codebook_editor.merge_codes(ev, src, dst)
    assert (
        info["codings_moved"] + info["duplicates_dropped"] == n_src
        and info["duplicates_dropped"] == 1
    )
    assert info["consensus_moved"] <= n_cons_src
    with db.session() as s:
        assert s.scalar(select(func.count(Coding.id)).where(Coding.code_id == src)) == 0
    with pytest.raises(InputError, match="udgået"):
        coding.apply_code(ev, [segs[0]["id"]], src)
    codebook_editor.retire_code(ev, codes["reach.fravalg.praktisk"])
    tree = {r["key"]: r for r in codebook_editor.codebook_tree(ev, book["id"])["codes"]}
    assert (
        tree["reach.fravalg.praktisk"]["retired"]
        and tree["context.barrierer.system"]["merged_into_id"] == dst
    )
    versions = codebook_editor.list_versions(ev, book["id"])
    assert [v["action"] for v in versions] == ["retire", "merge", "move", "rename", "add", "import"]
    assert [v["version"] for v in versions] == [6, 5, 4, 3, 2, 1]
    assert codebooks.list_codebooks(ev)[0]["version"] == 6
    assert _audit(db, "codebook.merge") == 1
    with pytest.raises(PermissionDenied):
        codebook_editor.add_code(ctx_as(db, result.project_id, "writer"), book["id"], "x", "X")
    # The edited codebook exports without the retired codes, and re-imports.
    fname, data = codebook_editor.export_file(ev, book["id"], "qdc")
    ids = {c.id for c, _ in from_qdc_bytes(data, fname).walk()}
    assert fname.endswith(".qdc") and "context.barrierer.ventetid" not in ids
    assert "context.ventetid" in ids and "reach.fravalg.praktisk" not in ids


def test_analysis_tables(demo):
    db, result = demo
    wr = ctx_as(db, result.project_id, "writer")
    cons = consensus.list_consensus(wr)
    by_doc = analysis.frequencies(wr, "document")
    assert by_doc["I alt"].sum() == len({(c["segment_id"], c["key"]) for c in cons})
    by_fw = analysis.frequencies(wr, "framework")
    assert set(by_fw["framework"]) <= {
        "mechanism",
        "implementation",
        "context",
        "maintenance",
        "effectiveness",
    }
    by_diag = analysis.frequencies(wr, "diagnosis")
    assert {"kræft", "hjerte"} <= set(by_diag.columns)
    by_role = analysis.frequencies(wr, "role")
    assert {"borger", "jobkonsulent"} <= set(by_role.columns)
    co = analysis.cooccurrence(wr)
    assert (co.values == co.values.T).all()
    matrix = analysis.code_participant_matrix(wr)
    b03 = [c for c in cons if c["title"].startswith("Borgerinterview B03")]
    row = matrix[matrix["citizen_id"] == "B03"].iloc[0]
    assert row.drop("citizen_id").sum() == len(b03)
    with pytest.raises(PermissionDenied):
        analysis.frequencies(wr, "document", source="coders")
    with pytest.raises(PermissionDenied):
        analysis.frequencies(ctx_as(db, result.project_id, "staff"), "document")


def test_concurrent_coders_lose_no_write(demo):
    """Two evaluators code at once from their own sessions (threads): every write lands."""
    db, result = demo
    ctxs = [ctx_as(db, result.project_id, u) for u in ("evaluator", "evaluator2")]
    codes = _codes(ctxs[0])
    iv, segs = _segments(ctxs[0], "B12")
    book = next(b for b in codebooks.list_codebooks(ctxs[0]) if b["name"] == "RE-AIM")
    keys = ["reach.deltagelse", "mech.tryghed", "impl.samarbejde", "eff.mestring"]
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work(i: int) -> None:
        ctx = ctxs[i]
        try:
            barrier.wait()
            for j, seg in enumerate(segs[:30]):
                coding.apply_code(ctx, [seg["id"]], codes[keys[(i + j) % len(keys)]])
                if j % 10 == 0:  # the codebook grows at the same time: version numbers race
                    codebook_editor.add_code(ctx, book["id"], f"theme.t{i}_{j}", f"Tema {i} {j}")
        except BaseException as exc:  # noqa: BLE001 - collected and re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for i, ctx in enumerate(ctxs):
        mine = [c for c in coding.my_codings(ctx, iv)]
        assert len(mine) == 30
        assert {(c["segment_id"], c["key"]) for c in mine} == {
            (seg["id"], keys[(i + j) % len(keys)]) for j, seg in enumerate(segs[:30])
        }
    versions = codebook_editor.list_versions(ctxs[0], book["id"])
    assert len(versions) == 7 and sorted(v["version"] for v in versions) == list(range(1, 8))


def test_codebook_upload_yaml_and_qdc(demo):
    db, result = demo
    ev = ctx_as(db, result.project_id, "evaluator")
    from .test_codebook_qdc import ATLAS

    n = len(codebooks.list_codebooks(ev))
    with pytest.raises(InputError, match="rodelementet"):
        codebooks.import_codebook_upload(ev, "x.qdc", b"<html/>")
    with pytest.raises(InputError, match="mere end én gang"):
        codebooks.import_codebook_upload(
            ev, "x.yaml", b"codebook: X\ncodes:\n  - {id: a, name: A}\n  - {id: a, name: B}\n"
        )
    assert len(codebooks.list_codebooks(ev)) == n
    cb = codebooks.import_codebook_upload(ev, "atlas.qdc", ATLAS.encode())
    assert [v["action"] for v in codebook_editor.list_versions(ev, cb)] == ["import"]
    keys = [c["key"] for c in codebook_editor.codebook_tree(ev, cb)["codes"]]
    assert keys == ["trepartssamtale", "ventetid", "tryghed"]
