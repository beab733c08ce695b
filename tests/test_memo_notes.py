"""Memos <-> REFI-QDA notes (exports/memo_notes.py), without a database: every kind of memo
written, read back and written again is the same (title, text byte for byte, one memo, author,
dates, links), the file is schema-valid, and the ways other tools write memos (a note file,
an annotation, a Description, a Link) are read as the right kind of memo without additions."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime

import pytest

from qualkit.exports.memo_notes import (
    MemoNote,
    NoteKind,
    NoteLink,
    Passage,
    add_memos,
    coding_memo,
    read_memos,
)
from qualkit.exports.positions import PositionUnit
from qualkit.exports.qdpx import (
    QdaCode,
    QdaCoding,
    QdaProject,
    QdaSelection,
    QdaSource,
    QdaUser,
    read_qdpx,
    write_qdpx,
)

from .refi_support import validate

TEXT = "I: Hvordan gik det? 😀\nB: Det gik godt, jeg følte mig tryg.\nB: Og så videre.\n"
SRC = "a2b94468-80a5-412f-92d6-e900d97b55a6"
CODE = "22222222-2222-4222-8222-222222222222"
USER = "5c94bc9e-db8c-4f1d-9cd6-e900c7440860"
WHEN = datetime(2026, 3, 4, 10, 11, 12, tzinfo=UTC)
LATER = datetime(2026, 3, 5, 8, 0, 0, tzinfo=UTC)


def _project() -> QdaProject:
    a = TEXT.index("Det gik")
    sel = QdaSelection(
        "33333333-3333-4333-8333-333333333333",
        a,
        a + len("Det gik godt"),
        [QdaCoding(CODE, USER)],
        USER,
        "  Kodememo med luft\nog to linjer \n",
    )
    return QdaProject(
        "Memoer",
        [QdaUser(USER, "evaluator")],
        [QdaCode(CODE, "Tryghed")],
        [QdaSource(SRC, "Interview 1", TEXT, [sel])],
        creating_user=USER,
    )


def _memos() -> list[MemoNote]:
    tryg = TEXT.index("tryg")
    return [
        MemoNote(
            "0b0b0b0b-0000-4000-8000-000000000001",
            NoteKind.INTERVIEW,
            "Om interviewet",
            "Første linje\n\n  indrykket\n",
            USER,
            WHEN,
            LATER,
            source_guid=SRC,
        ),
        MemoNote(
            "0b0b0b0b-0000-4000-8000-000000000002",
            NoteKind.CODE,
            "Memo: Om koden",  # a title that looks like qualkit's old prefix stays as it is
            "Bruges bredt.",
            USER,
            WHEN,
            WHEN,
            code_guid=CODE,
        ),
        MemoNote(
            "0b0b0b0b-0000-4000-8000-000000000003",
            NoteKind.PROJECT,
            "Tryghed som mekanisme",
            "Tryghed går igen. 😀",
            USER,
            WHEN,
            LATER,
            links=(
                NoteLink(Passage(SRC, tryg, tryg + 4)),
                NoteLink(code_guid=CODE),
                NoteLink(Passage(SRC, 0, 2), CODE),
            ),
        ),
    ]


def _norm(memos: list[MemoNote]) -> list[tuple]:
    """What must survive: everything but the GUID, links in any order."""
    return sorted(
        (
            m.kind,
            m.title,
            m.body,
            m.author_guid,
            m.created,
            m.modified,
            m.source_guid,
            m.code_guid,
            sorted(m.links, key=repr),
        )
        for m in memos
    )


def _to_codepoints(memos: list[MemoNote], text: str) -> list[MemoNote]:
    """Passages read from a UTF-16 file back into code points (what the import does)."""
    from qualkit.exports.positions import PositionMap

    pm = PositionMap(text)
    out = []
    for m in memos:
        links = tuple(
            NoteLink(
                Passage(
                    ln.passage.source_guid,
                    pm.convert(ln.passage.start, PositionUnit.UTF16),
                    pm.convert(ln.passage.end, PositionUnit.UTF16),
                )
                if ln.passage
                else None,
                ln.code_guid,
            )
            for ln in m.links
        )
        out.append(
            MemoNote(
                m.guid,
                m.kind,
                m.title,
                m.body,
                m.author_guid,
                m.created,
                m.modified,
                m.source_guid,
                m.code_guid,
                links,
            )
        )
    return out


def test_every_kind_of_memo_is_a_fixed_point(tmp_path):
    want = _memos()
    current = want
    files = []
    for i in range(3):
        qda = _project()
        add_memos(qda, current)
        path = tmp_path / f"r{i}.qdpx"
        write_qdpx(qda, path)
        validate(path)
        files.append(path)
        back = read_qdpx(path)
        read = read_memos(back)
        assert read.problems == []
        current = _to_codepoints(read.memos, TEXT)
        assert _norm(current) == _norm(want), f"round {i + 1}"
        # One memo per memo: no note of the coding memo, no second copy of anything.
        assert len(read.memos) == len(want)
        # The coding memo: Description and note, read as one memo, byte for byte.
        (sel,) = [s for s in back.sources[0].selections if s.codings]
        assert sel.memo == "  Kodememo med luft\nog to linjer \n"
        # The link selections are not codings and are known as the memos' passages.
        uncoded = {s.guid for s in back.sources[0].selections if not s.codings}
        assert uncoded == read.passages and len(uncoded) == 2
    # The notes themselves: the title as the name, the text alone (no header written into it).
    with zipfile.ZipFile(files[-1]) as zf:
        xml = zf.read("project.qde").decode("utf-8")
    assert 'name="Om interviewet"' in xml and "Første linje" in xml
    assert "Interview:" not in xml and "Link:" not in xml and "04-03-2026" not in xml
    assert 'creationDateTime="2026-03-04T10:11:12Z"' in xml
    assert 'modifiedDateTime="2026-03-05T08:00:00Z"' in xml


def test_coding_memo_description_and_note_are_one_memo():
    assert coding_memo("Samme", ["Samme"]) == "Samme"
    assert coding_memo("", ["Kun note"]) == "Kun note"
    assert coding_memo("  ", []) == ""
    assert coding_memo("Beskrivelse", ["Note"]) == "Beskrivelse\n\nNote"  # another tool's two


FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Andres" origin="{origin}">
 <Users><User guid="{user}" name="AB"/></Users>
 <CodeBook><Codes><Code guid="{code}" name="Tryghed" isCodable="true"><NoteRef targetGUID="0b0b0b0b-0000-4000-8000-00000000000c"/></Code></Codes></CodeBook>
 <Sources>
  <TextSource guid="{src}" name="Interview 1" plainTextPath="internal://{src}.txt">
   <PlainTextSelection guid="33333333-3333-4333-8333-333333333333" startPosition="{a}" endPosition="{b}" creatingUser="{user}">
    <Description>Kommentar til citatet</Description>
    <Coding guid="44444444-4444-4444-8444-444444444444" creatingUser="{user}"><CodeRef targetGUID="{code}"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="55555555-5555-4555-8555-555555555555" startPosition="{a}" endPosition="{b}" creatingUser="{user}">
    <NoteRef targetGUID="0b0b0b0b-0000-4000-8000-00000000000a"/>
   </PlainTextSelection>
   <NoteRef targetGUID="0b0b0b0b-0000-4000-8000-00000000000d"/>
  </TextSource>
 </Sources>
 <Notes>
  <Note guid="0b0b0b0b-0000-4000-8000-00000000000a" name="Annotation" creatingUser="{user}" creationDateTime="2025-02-21T15:09:07Z" plainTextPath="internal://note-a.txt"/>
  <Note guid="0b0b0b0b-0000-4000-8000-00000000000b" name="Journal" creatingUser="{user}"><PlainTextContent>Fri tanke</PlainTextContent></Note>
  <Note guid="0b0b0b0b-0000-4000-8000-00000000000c" name="Kodememo"><PlainTextContent>Om koden</PlainTextContent></Note>
  <Note guid="0b0b0b0b-0000-4000-8000-00000000000d" name="Dokumentmemo"><PlainTextContent>Om dokumentet</PlainTextContent></Note>
 </Notes>
 <Links>
  <Link guid="66666666-6666-4666-8666-666666666666" name="se også" originGUID="0b0b0b0b-0000-4000-8000-00000000000b" targetGUID="{code}"/>
  <Link guid="77777777-7777-4777-8777-777777777777" name="kilde-kilde" originGUID="{src}" targetGUID="{src}"/>
 </Links>
</Project>"""


@pytest.mark.parametrize("origin", ["NVivo for Windows 12.6", "MAXQDA 24", "ATLAS.ti 23.2"])
def test_memos_other_tools_write(tmp_path, origin):
    """A note in its own file annotating a passage (NVivo, MAXQDA), a selection's Description
    (QualCoder, ATLAS.ti quotation comment), a document and a code memo by NoteRef, a free note
    linked to a code: each the right kind of memo, the text exactly as written."""
    a = TEXT.index("Det gik")
    b = a + len("Det gik godt")
    a16, b16 = a + 1, b + 1  # after the emoji: UTF-16 units
    path = tmp_path / "andres.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "project.qde",
            FOREIGN.format(origin=origin, user=USER, code=CODE, src=SRC, a=a16, b=b16),
        )
        zf.writestr(f"sources/{SRC}.txt", TEXT.encode("utf-8"))
        zf.writestr("sources/note-a.txt", "\ufeffNVivos annotation\r\nanden linje".encode())
    project = read_qdpx(path)
    (coded,) = [s for s in project.sources[0].selections if s.codings]
    assert coded.memo == "Kommentar til citatet"
    read = read_memos(project)
    by_title = {m.title: m for m in read.memos}
    assert set(by_title) == {"Annotation", "Journal", "Kodememo", "Dokumentmemo"}
    ann = by_title["Annotation"]
    assert ann.kind is NoteKind.INTERVIEW and ann.source_guid == SRC
    assert ann.body == "NVivos annotation\r\nanden linje"  # the BOM off, nothing added
    assert ann.created == datetime(2025, 2, 21, 15, 9, 7, tzinfo=UTC) and ann.author_guid == USER
    assert ann.links == (NoteLink(Passage(SRC, a16, b16)),)
    assert (by_title["Journal"].kind, by_title["Journal"].links) == (
        NoteKind.PROJECT,
        (NoteLink(code_guid=CODE),),
    )
    assert (by_title["Kodememo"].kind, by_title["Kodememo"].code_guid) == (NoteKind.CODE, CODE)
    assert (by_title["Dokumentmemo"].kind, by_title["Dokumentmemo"].body) == (
        NoteKind.INTERVIEW,
        "Om dokumentet",
    )
    assert [(p.kind, p.where) for p in read.problems] == [("note", "kilde-kilde")]
    assert read.passages == {"55555555-5555-4555-8555-555555555555"}
