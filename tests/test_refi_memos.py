"""Memos through REFI-QDA on a real project (the demo, SQLite and PostgreSQL): export -> import
-> export -> import is a fixed point for every kind of memo (coding, interview, code, project
with links): same title, same text byte for byte, one memo not two, author, date, links kept;
and what may not leave (a memo about an interview not yet de-identified) does not."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select

from qualkit.services import exchange, memos, users
from qualkit.services.context import SYSTEM, Context
from qualkit.store.models import Code, Codebook, Coding, Interview, Memo, Segment, User

from .refi_support import validate


def _memos(db, pid: int) -> list[tuple]:
    """Everything a memo is, independent of ids: kind, title, body, author, date, what it is
    about, and its links as (interview title, turn, span, code GUID)."""
    with db.session() as s:
        names = dict(s.execute(select(User.id, User.username)).all())
        titles = dict(
            s.execute(
                select(Interview.id, Interview.title).where(Interview.project_id == pid)
            ).all()
        )
        guids = dict(
            s.execute(
                select(Code.id, Code.guid).join(Codebook).where(Codebook.project_id == pid)
            ).all()
        )
        out = []
        for m in s.scalars(select(Memo).where(Memo.project_id == pid)):
            links = []
            for ln in m.links:
                seg = s.get(Segment, ln.segment_id) if ln.segment_id else None
                links.append(
                    (
                        titles[seg.interview_id] if seg else None,
                        seg.position if seg else None,
                        ln.start_char,
                        ln.end_char,
                        (guids.get(ln.code_id) or "").lower() or None,
                    )
                )
            when = m.created_at if m.created_at.tzinfo else m.created_at.replace(tzinfo=UTC)
            out.append(
                (
                    m.kind,
                    m.title,
                    m.body,
                    names.get(m.author_id),
                    when.astimezone(UTC).replace(microsecond=0),
                    titles.get(m.interview_id),
                    (guids.get(m.code_id) or "").lower() or None,
                    sorted(links, key=repr),
                )
            )
        return sorted(out, key=repr)


def _coding_memos(db, pid: int) -> list[str]:
    with db.session() as s:
        return sorted(
            c.memo
            for c in s.scalars(
                select(Coding)
                .join(Segment, Coding.segment_id == Segment.id)
                .join(Interview, Segment.interview_id == Interview.id)
                .where(Interview.project_id == pid)
            )
            if c.memo
        )


def test_memos_round_trip_is_a_fixed_point(demo, tmp_path):
    db, result = demo
    pid = result.project_id
    ev = Context(db, users.actor_for(db, "evaluator"), pid)
    with db.session(write=True) as s:
        ivs = {
            iv.status: iv.id
            for iv in s.scalars(select(Interview).where(Interview.project_id == pid))
        }
        approved, raw = ivs["approved"], ivs.get("transcribed") or ivs["new"]
        seg = s.scalars(
            select(Segment).where(Segment.interview_id == approved).order_by(Segment.position)
        ).all()[2]
        seg_id, seg_len = seg.id, len(seg.text)
        code = s.scalars(
            select(Code)
            .join(Codebook)
            .where(Codebook.project_id == pid, Code.parent_id.is_not(None))
        ).first()
        code_id = code.id
        coding = s.scalars(
            select(Coding).join(Segment).where(Segment.interview_id == approved)
        ).first()
        coding.memo = "  Kodememo med luft\nanden linje \n"
    memos.create_memo(
        ev, "interview", "Om interviewet", "Første linje\n\n  indrykket\n", interview_id=approved
    )
    memos.create_memo(ev, "code", "Om koden", "Bruges bredt. 😀", code_id=code_id)
    memos.create_memo(
        ev,
        "project",
        "Tryghed som mekanisme",
        "Tryghed går igen på tværs.",
        links=[
            memos.LinkSpec(segment_id=seg_id, start=1, end=min(9, seg_len)),
            memos.LinkSpec(code_id=code_id),
            memos.LinkSpec(segment_id=seg_id),  # the whole turn
            memos.LinkSpec(segment_id=seg_id, start=0, end=2, code_id=code_id),
        ],
    )
    memos.create_memo(ev, "interview", "Ikke pseudonymiseret", "RÅ NOTE", interview_id=raw)
    want = [m for m in _memos(db, pid) if m[1] != "Ikke pseudonymiseret"]
    want_codings = _coding_memos(db, pid)
    assert len(want) == 3 and "  Kodememo med luft\nanden linje \n" in want_codings
    current = Context(db, SYSTEM, pid)
    got, identities = [], []
    for i in range(2):
        out = tmp_path / f"runde{i}.qdpx"
        res = exchange.export_qdpx(current, out)
        assert res.counts["memos"] == 3
        validate(out)
        identities.append(_guids(out))
        assert "RÅ NOTE" not in out.read_bytes().decode("latin-1")
        back = exchange.import_qdpx(db, SYSTEM, out, f"Runde {i + 1}", deidentified=True)
        assert back.counts["memos"] == 3
        assert [p for p in back.left_out if p.kind == "note"] == []
        got.append(_memos(db, back.project_id))
        # Coding memos: one memo each (Description and note are not two), byte for byte.
        assert set(_coding_memos(db, back.project_id)) <= set(want_codings)
        assert "  Kodememo med luft\nanden linje \n" in _coding_memos(db, back.project_id)
        current = Context(db, SYSTEM, back.project_id)
    assert got[0] == want, "the first round trip changed a memo"
    assert got[1] == got[0], "the second round trip changed a memo"
    # Identities too: exporting the imported project gives every note, selection, source,
    # code and user the GUID it came with (a note's GUID was derived from the new memo id).
    assert identities[0]["Note"] and identities[0]["PlainTextSelection"]
    changed = {
        kind: sorted(guids ^ identities[1].get(kind, set()))
        for kind, guids in identities[0].items()
        if guids != identities[1].get(kind)
    }
    assert not changed, f"GUIDs that changed in the round trip, by element: {changed}"


def _guids(path) -> dict[str, set[str]]:
    """Every element's GUID in a .qdpx's project.qde, by element name."""
    import zipfile
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as z:
        root = ElementTree.fromstring(z.read("project.qde"))
    out: dict[str, set[str]] = {}
    for el in root.iter():
        if el.get("guid"):
            out.setdefault(el.tag.rsplit("}", 1)[-1], set()).add(el.get("guid").lower())
    return out
