"""REFI-QDA (.qdpx): the XML we write, positions that point at the right text, the round trip
export -> import -> export, projects written by other tools, and bad files."""

from __future__ import annotations

import zipfile
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from qualkit.errors import InputError, PermissionDenied
from qualkit.exports.qdpx import GUID_RE, NS, read_qdpx
from qualkit.services import exchange
from qualkit.services.context import SYSTEM, Actor, Context
from qualkit.store.models import AuditEvent, ConsensusCoding, Interview, Project

from .export_helpers import CODINGS, TURNS, build_project, standin_recognisers  # noqa: F401

Q = f"{{{NS}}}"


def _open(path):
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("project.qde"))
        texts = {n: zf.read(n).decode("utf-8") for n in zf.namelist() if n.startswith("sources/")}
    return root, texts


def _summary(path):
    """Codes (name paths), sources (name, text) and codings (source, quoted text, code path)."""
    qda = read_qdpx(path)
    paths = {}
    for code, parent in qda.all_codes():
        paths[code.guid] = (paths[parent.guid] + "/" if parent else "") + code.name
    codings = sorted(
        (src.name, src.text[sel.start : sel.end], paths[g])
        for src in qda.sources
        for sel in src.selections
        for g in sel.code_guids
    )
    return sorted(paths.values()), sorted((s.name, s.text) for s in qda.sources), codings


def test_qdpx_xml_and_positions(db, tmp_path, standin_recognisers):  # noqa: F811
    b = build_project(db)
    out = tmp_path / "projekt.qdpx"
    result = exchange.export_qdpx(b.ctx("writer"), out)
    root, texts = _open(out)
    assert root.tag == Q + "Project" and root.get("name") == "Eksporttest"
    assert [el.tag for el in root] == [Q + "Users", Q + "CodeBook", Q + "Sources", Q + "Sets"]
    guids = [el.get("guid") for el in root.iter() if el.get("guid")]
    assert guids and all(GUID_RE.match(g) for g in guids)
    assert len(guids) == len(set(guids))
    users = {u.get("guid"): u.get("name") for u in root.iter(Q + "User")}
    # A writer gets the consensus layer only, under the user "Konsensus".
    assert set(users.values()) == {"writer", "Konsensus"}
    codes = {c.get("guid"): c.get("name") for c in root.iter(Q + "Code")}
    assert len(codes) == 5
    sub = root.find(f"{Q}CodeBook/{Q}Codes/{Q}Code/{Q}Code")
    assert sub is not None and sub.get("name") == "Trepartssamtalen"  # hierarchy kept

    sources = list(root.iter(Q + "TextSource"))
    assert len(sources) == result.counts["sources"] == 3
    expected = {(f"Borgerinterview {cid}", TURNS[cid][pos][2], key) for cid, pos, key, _ in CODINGS}
    key_by_name = {
        "Samarbejde": "tema.samarbejde",
        "Trepartssamtalen": "tema.samarbejde.trepart",
        "Jobkonsulentens rolle": "tema.samarbejde.jk",
        "Mestring og energi": "tema.mestring",
        "Arbejdspladsen": "tema.kontekst",
    }
    found = set()
    for src in sources:
        path = src.get("plainTextPath")
        assert path.startswith("internal://") and path.endswith(".txt")
        text = texts["sources/" + path.removeprefix("internal://")]
        assert "[Jobkonsulent 1]" in text or src.get("name") != "Borgerinterview B03"
        for sel in src.iter(Q + "PlainTextSelection"):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert users.get(sel.get("creatingUser")) == "Konsensus"
            for ref in sel.iter(Q + "CodeRef"):
                found.add(
                    (src.get("name"), text[start:end], key_by_name[codes[ref.get("targetGUID")]])
                )
    assert found == expected


def test_round_trip(db, tmp_path, standin_recognisers):  # noqa: F811
    b = build_project(db)
    with db.session(write=True) as s:  # a memo and a coding of part of a turn travel too
        cc = s.get(ConsensusCoding, b.consensus[1])
        cc.memo = "Energi som første mål."
        s.add(
            ConsensusCoding(
                segment_id=b.segments[("B12", 1)], code_id=cc.code_id, start_char=0, end_char=25
            )
        )
    first = tmp_path / "a.qdpx"
    exchange.export_qdpx(b.ctx("writer"), first)
    root, _ = _open(first)
    note = root.find(f"{Q}Notes/{Q}Note/{Q}PlainTextContent")
    assert note is not None and note.text == "Energi som første mål."

    pid = exchange.import_qdpx(db, SYSTEM, first, "Importeret", deidentified=True).project_id
    with db.session() as s:
        assert (
            s.scalar(select(func.count()).select_from(Interview).where(Interview.project_id == pid))
            == 3
        )
        # qualkit's own transcript format: turns are read back as turns, text unchanged.
        iv = s.scalar(
            select(Interview).where(
                Interview.project_id == pid, Interview.title == "Borgerinterview B03"
            )
        )
        assert [(g.speaker, g.start, g.text) for g in iv.segments] == TURNS["B03"]
    second = tmp_path / "b.qdpx"
    exchange.export_qdpx(Context(db, SYSTEM, pid), second)
    codes1, sources1, codings1 = _summary(first)
    codes2, sources2, codings2 = _summary(second)
    assert codes1 == codes2 and len(codes1) == 5
    assert sources1 == sources2
    assert codings1 == codings2 and len(codings1) == len(CODINGS) + 1
    assert ("Borgerinterview B12", TURNS["B12"][1][2][:25], "Mestring og energi") in codings2
    assert read_qdpx(second).sources[0].selections[1].memo == "Energi som første mål."


FOREIGN = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="NVivo-projekt" origin="NVivo 14">
 <Users><User guid="5c94bc9e-db8c-4f1d-9cd6-e900c7440860" name="AB"/></Users>
 <CodeBook><Codes>
  <Code guid="11111111-1111-4111-8111-111111111111" name="Rehabilitering" isCodable="true">
   <Description>Alt om forløbet</Description>
   <Code guid="22222222-2222-4222-8222-222222222222" name="Mål" isCodable="true"/>
  </Code>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="a2b94468-80a5-412f-92d6-e900d97b55a6" name="Interview 1"
    plainTextPath="internal://a2b94468-80a5-412f-92d6-e900d97b55a6.txt">
   <PlainTextSelection guid="33333333-3333-4333-8333-333333333333" startPosition="{s1}" endPosition="{e1}">
    <Coding guid="44444444-4444-4444-8444-444444444444"><CodeRef targetGUID="22222222-2222-4222-8222-222222222222"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="55555555-5555-4555-8555-555555555555" startPosition="{s2}" endPosition="{e2}">
    <Coding guid="66666666-6666-4666-8666-666666666666"><CodeRef targetGUID="11111111-1111-4111-8111-111111111111"/></Coding>
   </PlainTextSelection>
  </TextSource>
  <AudioSource guid="88888888-8888-4888-8888-888888888888" name="Optagelse" path="internal://a.mp3"/>
  <TextSource guid="b2b94468-80a5-412f-92d6-e900d97b55a6" name="Noter">
   <PlainTextContent>En note uden kodning.</PlainTextContent>
  </TextSource>
 </Sources>
</Project>"""
TEXT = (
    "Interviewer: Hvad var dit mål?\r\n"
    "Deltager: Jeg ville tilbage på arbejde.\r\n"
    "Deltager: Og have det godt derhjemme.\r\n"
)


def _foreign(tmp_path, s1, e1, s2, e2, folder="Sources/"):
    path = tmp_path / "nvivo.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", FOREIGN.format(s1=s1, e1=e1, s2=s2, e2=e2))
        zf.writestr(f"{folder}a2b94468-80a5-412f-92d6-e900d97b55a6.txt", TEXT.encode("utf-8"))
    return path


def test_import_from_another_tool(sqlite_db, tmp_path):
    goal = TEXT.index("Jeg ville")
    s2 = TEXT.index("tilbage på")
    e2 = TEXT.index("derhjemme") + len("derhjemme.")
    path = _foreign(tmp_path, goal, goal + len("Jeg ville tilbage på arbejde."), s2, e2)
    pid = exchange.import_qdpx(sqlite_db, SYSTEM, path, speakers=True).project_id
    with sqlite_db.session() as s:
        project = s.get(Project, pid)
        assert project.name == "NVivo-projekt"
        ivs = s.scalars(
            select(Interview).where(Interview.project_id == pid).order_by(Interview.id)
        ).all()
        assert [iv.title for iv in ivs] == ["Interview 1", "Noter"]
        assert ivs[0].status == "transcribed"  # awaits de-identification review
        (event,) = s.scalars(select(AuditEvent).where(AuditEvent.action == "project.import_qdpx"))
        assert event.details["left_out"] == 1 and event.details["consensus"] == 3
        segs = ivs[0].segments
        assert [(g.speaker, g.text) for g in segs] == [
            ("Interviewer", "Hvad var dit mål?"),
            ("Deltager", "Jeg ville tilbage på arbejde."),
            ("Deltager", "Og have det godt derhjemme."),
        ]
        ccs = s.scalars(
            select(ConsensusCoding)
            .where(ConsensusCoding.segment_id.in_([g.id for g in segs]))
            .order_by(ConsensusCoding.id)
        ).all()
        # Whole turn -> segment level; a selection over two turns -> a span on each.
        assert [(c.segment_id, c.start_char, c.end_char) for c in ccs] == [
            (segs[1].id, None, None),
            (segs[1].id, len("Jeg ville "), len(segs[1].text)),
            (segs[2].id, None, None),
        ]


def test_bad_files_change_nothing(sqlite_db, tmp_path):
    (tmp_path / "tekst.qdpx").write_text("ikke en zip")
    bad = [tmp_path / "tekst.qdpx"]
    with zipfile.ZipFile(tmp_path / "tom.qdpx", "w") as zf:
        zf.writestr("readme.txt", "x")
    bad.append(tmp_path / "tom.qdpx")
    with zipfile.ZipFile(tmp_path / "ns.qdpx", "w") as zf:
        zf.writestr("project.qde", '<Project xmlns="urn:QDA-XML:codebook:1.0" name="x"/>')
    bad.append(tmp_path / "ns.qdpx")
    messages = []
    for path in bad:
        with pytest.raises(InputError) as err:
            exchange.import_qdpx(sqlite_db, SYSTEM, path, "Nyt")
        messages.append(str(err.value))
        assert "\n" not in str(err.value)
    assert "project.qde" in messages[1]
    assert "urn:QDA-XML:project:1.0" in messages[2]
    with sqlite_db.session() as s:
        assert s.scalar(select(func.count()).select_from(Project)) == 0
    with pytest.raises(PermissionDenied):
        exchange.import_qdpx(sqlite_db, Actor(None, "w", "writer"), bad[0], "Nyt")
