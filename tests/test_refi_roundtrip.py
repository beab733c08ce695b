"""REFI-QDA round trips of qualkit's own projects (the demo, a two-coder project) and the
behaviours no real file happens to show: memos both ways, a file with bad parts, cases,
colours and categories, the de-identification attestation, GUIDs shared with the .qdc."""

from __future__ import annotations

import json
import zipfile
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import func, select

from qualkit.agreement import agreement_rows
from qualkit.cli import main
from qualkit.codebooks.qdc import read_qdc, to_qdc
from qualkit.errors import InputError
from qualkit.exports.qdpx import NS, read_qdpx
from qualkit.services import codebook_editor, consensus, exchange, exports, users
from qualkit.services.context import SYSTEM, Context
from qualkit.store import Database
from qualkit.store.models import (
    AuditEvent,
    Code,
    Codebook,
    Coding,
    Interview,
    Participant,
    Segment,
    User,
)

from .export_helpers import build_project, standin_recognisers  # noqa: F401
from .refi_support import imported, refi_file, validate

Q = f"{{{NS}}}"


def _root(path):
    with zipfile.ZipFile(path) as zf:
        return ET.fromstring(zf.read("project.qde"))


def _layer(summary, layer):
    return sorted(
        (sorted(e["codes"]), e["slice"], e.get("memo") or "")
        for k, e in summary["selections"].items()
        if k[0] == layer
    )


def _agreement(db, pid):
    with db.session() as s:
        rows = s.execute(
            select(Segment.interview_id, Segment.position, User.username, Code.guid)
            .select_from(Coding)
            .join(Segment, Coding.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .join(User, Coding.coder_id == User.id)
            .join(Code, Coding.code_id == Code.id)
            .where(Interview.project_id == pid)
        ).all()
    titles = {}
    with db.session() as s:
        for iv in s.scalars(select(Interview).where(Interview.project_id == pid)):
            titles[iv.id] = iv.title
    decisions = [(titles[i], str(p), u, g.lower()) for i, p, u, g in rows]
    return [(r.code, r.units, r.coders, r.kappa) for r in agreement_rows(decisions)]


def test_demo_round_trip(demo_folder, tmp_path):
    """The demo exported by an evaluator: schema-valid, both coders and the consensus layer,
    codes with GUID and detail; re-imported elsewhere, nothing is lost."""
    folder, _ = demo_folder
    db = Database.open(folder)
    try:
        ctx = Context(db, users.actor_for(db, "evaluator"), 1)
        out = tmp_path / "demo.qdpx"
        exchange.export_qdpx(ctx, out)  # blind: only the evaluator's own codings
        assert "evaluator2" not in {u.get("name") for u in _root(out).iter(Q + "User")}
        with db.session() as s:
            for iid in s.scalars(select(Interview.id).where(Interview.project_id == 1)):
                consensus.open_comparison(ctx, iid)
        exchange.export_qdpx(ctx, out)
        validate(out)
        root = _root(out)
        names = {u.get("name") for u in root.iter(Q + "User")}
        assert {"evaluator", "evaluator2", "Konsensus"} <= names
        writer = tmp_path / "writer.qdpx"
        exchange.export_qdpx(Context(db, users.actor_for(db, "writer"), 1), writer)
        assert {u.get("name") for u in _root(writer).iter(Q + "User")} == {"writer", "Konsensus"}
        # The .qdc of each codebook and the .qdpx name every code by the same GUID.
        qdpx_guids = {c.get("guid").upper() for c in root.iter(Q + "Code")}
        with db.session() as s:
            books = s.scalars(select(Codebook.id).where(Codebook.project_id == 1)).all()
        for book in books:
            _, data = codebook_editor.export_file(ctx, book, "qdc")
            qdc = ET.fromstring(data)
            for c in qdc.iter("{urn:QDA-XML:codebook:1.0}Code"):
                assert c.get("guid").upper() in qdpx_guids
        before = imported(db, 1)
        coders_before = _agreement(db, 1)
    finally:
        db.close()
    other = Database.open(tmp_path / "other")
    try:
        result = exchange.import_qdpx(other, SYSTEM, out, deidentified=True)
        assert set(result.coders) == {"evaluator", "evaluator2"}
        after = imported(other, result.project_id)
        # Codes: GUID, name, parent, colour, codability and framework, all kept.
        assert {g: v for g, v in after["codes"].items()} == {
            g: v for g, v in before["codes"].items()
        }
        with other.session() as s:
            codes = s.scalars(select(Code).join(Codebook)).all()
            assert {c.framework for c in codes} != {"theme"}
            assert all(c.include and c.exclude and c.example for c in codes if c.parent_id)
        for layer in ("coder", "consensus"):
            got, want = _layer(after, layer), _layer(before, layer)
            assert got == [w for w in want if w[1]]  # only exported (de-identified) text
        assert coders_before and _agreement(other, result.project_id) == coders_before
    finally:
        other.close()


@pytest.mark.usefixtures("standin_recognisers")
def test_two_coders_travel_and_agreement_works(db, tmp_path, capsys):
    b = build_project(db)
    with db.session(write=True) as s:
        ids = {
            u: s.scalar(select(User.id).where(User.username == u)) for u in ("evaluator", "admin")
        }
        code_ids = s.scalars(
            select(Code.id)
            .join(Codebook)
            .where(Codebook.project_id == b.project_id)
            .order_by(Code.position)
        ).all()
        for (cid, pos), seg in sorted(b.segments.items()):
            s.add(Coding(segment_id=seg, code_id=code_ids[pos % 3], coder_id=ids["evaluator"]))
            s.add(
                Coding(
                    segment_id=seg,
                    code_id=code_ids[(pos + (cid == "B07")) % 3],
                    coder_id=ids["admin"],
                    memo="Uenig?" if cid == "B07" else "",
                )
            )
    out = tmp_path / "to.qdpx"
    exchange.export_qdpx(b.ctx("admin"), out)
    validate(out)
    root = _root(out)
    users_by_guid = {u.get("guid"): u.get("name") for u in root.iter(Q + "User")}
    creators = {
        users_by_guid[sel.get("creatingUser")] for sel in root.iter(Q + "PlainTextSelection")
    }
    assert creators == {"evaluator", "admin", "Konsensus"}
    # Into the same database: the coders are the existing users, no new accounts.
    n_users = _count(db, User)
    result = exchange.import_qdpx(db, SYSTEM, out, "Kopi", deidentified=True)
    assert _count(db, User) == n_users and set(result.coders) == {"admin", "evaluator"}
    assert _agreement(db, result.project_id) == _agreement(db, b.project_id)
    # `qualkit agreement` on the imported coders' decisions.
    csv = tmp_path / "kodninger.csv"
    with db.session() as s:
        rows = s.execute(
            select(Segment.interview_id, Segment.position, User.username, Code.key)
            .select_from(Coding)
            .join(Segment, Coding.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .join(User, Coding.coder_id == User.id)
            .join(Code, Coding.code_id == Code.id)
            .where(Interview.project_id == result.project_id)
        ).all()
    csv.write_text(
        "document_id;segment_id;coder;code\n"
        + "".join(f"{a};{b};{c};{d}\n" for a, b, c, d in rows),
        encoding="utf-8",
    )
    assert main(["agreement", "--codings", str(csv), "--out", str(tmp_path / "enighed")]) == 0
    assert "2 koder(e)" in capsys.readouterr().out
    ctx = Context(db, users.actor_for(db, "evaluator"), result.project_id)
    with db.session() as s:
        iv = s.scalar(
            select(Interview.id).where(
                Interview.project_id == result.project_id, Interview.title == "Borgerinterview B07"
            )
        )
    consensus.open_comparison(ctx, iv)
    view = consensus.compare_document(ctx, iv)
    assert set(view["coders"]) == {"admin", "evaluator"} and view["disagreements"]
    # Into another database: the coders become inactive users.
    other = Database.open(tmp_path / "other")
    try:
        r2 = exchange.import_qdpx(other, SYSTEM, out)
        with other.session() as s:
            assert {(u.username, u.active) for u in s.scalars(select(User))} == {
                ("admin", False),
                ("evaluator", False),
            }
        assert _agreement(other, r2.project_id) == _agreement(db, b.project_id)
        summary = imported(other, r2.project_id)
        memos = {e.get("memo") for k, e in summary["selections"].items() if k[0] == "coder"}
        assert "Uenig?" in memos
    finally:
        other.close()


def _count(db, model):
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


BAD = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Blandet" origin="NVivo 14">
 <Users><User guid="5c94bc9e-db8c-4f1d-9cd6-e900c7440860" name="AB"/></Users>
 <CodeBook><Codes>
  <Code guid="11111111-1111-4111-8111-111111111111" name="Kategori" isCodable="false" color="#FF0000">
   <Code guid="22222222-2222-4222-8222-222222222222" name="Mål" isCodable="true" color="#00ff00"/>
  </Code>
 </Codes></CodeBook>
 <Variables><Variable guid="77777777-7777-4777-8777-777777777777" name="køn" typeOfVariable="Text"/></Variables>
 <Cases><Case guid="99999999-9999-4999-8999-999999999999" name="B01">
  <CodeRef targetGUID="22222222-2222-4222-8222-222222222222"/>
  <VariableValue><VariableRef targetGUID="77777777-7777-4777-8777-777777777777"/><TextValue>kvinde</TextValue></VariableValue>
  <SourceRef targetGUID="a2b94468-80a5-412f-92d6-e900d97b55a6"/>
 </Case></Cases>
 <Sources>
  <TextSource guid="a2b94468-80a5-412f-92d6-e900d97b55a6" name="Interview 1" plainTextPath="internal://a.txt">
   <Description>Interview i hjemmet</Description>
   <PlainTextSelection guid="33333333-3333-4333-8333-333333333333" startPosition="{s1}" endPosition="{e1}">
    <Description>Beskrivelse som memo</Description>
    <Coding guid="44444444-4444-4444-8444-444444444444"><CodeRef targetGUID="22222222-2222-4222-8222-222222222222"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="55555555-5555-4555-8555-555555555555" startPosition="{s1}" endPosition="{e1}">
    <Coding guid="66666666-6666-4666-8666-666666666666"><CodeRef targetGUID="99999999-9999-4999-8999-999999999999"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="56565656-5555-4555-8555-555555555555" startPosition="3" endPosition="99999">
    <Coding guid="67676767-6666-4666-8666-666666666666"><CodeRef targetGUID="22222222-2222-4222-8222-222222222222"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="58585858-5555-4555-8555-555555555555" startPosition="{s2}" endPosition="{e2}">
    <Coding guid="68686868-6666-4666-8666-666666666666"><CodeRef targetGUID="22222222-2222-4222-8222-222222222222"/></Coding>
    <NoteRef targetGUID="0b0b0b0b-0000-4000-8000-000000000000"/>
   </PlainTextSelection>
  </TextSource>
  <PDFSource guid="88888888-8888-4888-8888-888888888888" name="Rapport.pdf" path="internal://r.pdf"/>
  <TextSource guid="b2b94468-80a5-412f-92d6-e900d97b55a6" name="Mangler" plainTextPath="internal://mangler.txt"/>
 </Sources>
 <Notes><Note guid="0b0b0b0b-0000-4000-8000-000000000000" name="n"><PlainTextContent>Note som memo</PlainTextContent></Note></Notes>
 <Sets><Set guid="0c0c0c0c-0000-4000-8000-000000000000" name="Bølge 1"><MemberSource targetGUID="a2b94468-80a5-412f-92d6-e900d97b55a6"/><MemberSource targetGUID="b2b94468-80a5-412f-92d6-e900d97b55a6"/></Set></Sets>
</Project>"""
TEXT = "I: Hvad var dit mål?\nB01: Jeg ville tilbage på arbejde.\nB01: Og have det godt. 😀 Jens.\n"


@pytest.fixture
def bad_file(tmp_path):
    s1 = TEXT.index("Jeg ville")
    e1 = s1 + len("Jeg ville tilbage")
    s2 = TEXT.index("Og have")
    e2 = len(TEXT[: TEXT.index("Jens")].encode("utf-16-le")) // 2 + len("Jens.")
    path = tmp_path / "blandet.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", BAD.format(s1=s1, e1=e1, s2=s2, e2=e2))
        zf.writestr("Sources/a.txt", TEXT.encode("utf-8"))
    return path


def test_bad_parts_are_reported_and_the_rest_imported(sqlite_db, bad_file, tmp_path, capsys):
    report = tmp_path / "rapport.json"
    data = tmp_path / "data"  # the CLI on the same data folder as sqlite_db
    args = ["import", "qdpx", str(bad_file), "--data", str(data), "--report", str(report)]
    assert main(args) == 0
    out = capsys.readouterr().out
    rep = json.loads(report.read_text(encoding="utf-8"))
    left = {(p["kind"], p["where"].split(" / ")[-1]) for p in rep["left_out"]}
    assert left == {
        ("source", "Rapport.pdf"),
        ("source", "Mangler"),
        ("coding", "55555555-5555-4555-8555-555555555555"),
        ("selection", "56565656-5555-4555-8555-555555555555"),
        ("case", "B01"),
        ("set", "Bølge 1"),
    }
    for _kind, where in left:
        assert where in out
    pid = rep["project_id"]
    with sqlite_db.session() as s:
        codes = {
            c.name: c
            for c in s.scalars(select(Code).join(Codebook).where(Codebook.project_id == pid))
        }
        assert codes["Kategori"].codable is False and codes["Kategori"].color == "#FF0000"
        assert codes["Mål"].color == "#00ff00" and codes["Mål"].codable is True
        memos = {c.memo for c in s.scalars(select(Coding))}
        assert memos == {"Beskrivelse som memo", "Note som memo"}
        assert rep["positions"]["unit"] == "utf16"  # the emoji selection ends on "Jens."
    summary = imported(sqlite_db, pid)
    slices = {k[1]: e["slice"] for k, e in summary["selections"].items() if k[0] == "coder"}
    assert slices["58585858-5555-4555-8555-555555555555"] == "Og have det godt. 😀 Jens."
    # Exported again: the category, the colours, the memo as Description and as a note.
    out_file = tmp_path / "igen.qdpx"
    exchange.export_qdpx(Context(sqlite_db, SYSTEM, pid), out_file)  # not de-identified: no text
    root = _root(out_file)
    assert root.find(f"{Q}Sources/{Q}TextSource") is None  # transcribed: awaits review
    cat = next(c for c in root.iter(Q + "Code") if c.get("name") == "Kategori")
    assert cat.get("isCodable") == "false" and cat.get("color") == "#FF0000"


@pytest.mark.usefixtures("standin_recognisers")
def test_cases_as_participants_and_back(sqlite_db, bad_file, tmp_path):
    result = exchange.import_qdpx(
        sqlite_db, SYSTEM, bad_file, cases_as_participants=True, deidentified=True
    )
    assert "case" not in {p.kind for p in result.left_out}
    with sqlite_db.session() as s:
        p = s.scalar(select(Participant).where(Participant.project_id == result.project_id))
        assert p.citizen_id == "B01" and p.attributes == {"køn": "kvinde"}
        iv = s.scalar(select(Interview).where(Interview.project_id == result.project_id))
        assert iv.participant_id == p.id
    out = tmp_path / "cases.qdpx"
    exchange.export_qdpx(Context(sqlite_db, SYSTEM, result.project_id), out, cases=True)
    validate(out)
    back = read_qdpx(out)
    assert [c.name for c in back.cases] == ["B01"]
    assert {v.name for v in back.variables} >= {"køn"}
    assert list(back.cases[0].values.values()) == ["kvinde"]
    src_el = _root(out).find(f"{Q}Sources/{Q}TextSource")
    assert src_el.find(Q + "Description").text == "Interview i hjemmet"
    assert "coding" in {p.kind for p in result.left_out}  # the case's own coding, reported
    memo_sel = next(
        sel for src in back.sources for sel in src.selections if sel.memo == "Beskrivelse som memo"
    )
    root = _root(out)
    el = next(e for e in root.iter(Q + "PlainTextSelection") if e.get("guid") == memo_sel.guid)
    assert el.find(Q + "Description").text == "Beskrivelse som memo"
    note = el.find(Q + "NoteRef").get("targetGUID")
    notes = {n.get("guid"): n.find(Q + "PlainTextContent").text for n in root.iter(Q + "Note")}
    assert notes[note] == "Beskrivelse som memo"


@pytest.mark.usefixtures("standin_recognisers")
def test_deidentified_attestation_and_later_edits(sqlite_db, bad_file, tmp_path):
    plain = exchange.import_qdpx(sqlite_db, SYSTEM, bad_file, "Ikke attesteret")
    ctx = Context(sqlite_db, SYSTEM, plain.project_id)
    assert exchange.export_qdpx(ctx, tmp_path / "a.qdpx").counts["sources"] == 0  # awaits review
    result = exchange.import_qdpx(sqlite_db, SYSTEM, bad_file, deidentified=True)
    ctx = Context(sqlite_db, SYSTEM, result.project_id)
    with sqlite_db.session() as s:
        (event,) = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "interview.deid_attested",
                AuditEvent.project_id == result.project_id,
            )
        )
        assert event.details["source"] == "a2b94468-80a5-412f-92d6-e900d97b55a6"
    # "Jens" was in the attested text: every export goes through.
    assert exchange.export_qdpx(ctx, tmp_path / "b.qdpx").counts["sources"] == 1
    assert exports.export_codings(ctx, tmp_path / "k.csv").counts
    assert exports.export_quotes(ctx, tmp_path / "q.docx", exports.QuoteFilter()).counts
    with sqlite_db.session(write=True) as s:  # an edit in qualkit is checked as usual
        seg = s.scalar(
            select(Segment)
            .join(Interview)
            .where(Interview.project_id == result.project_id, Segment.text.like("%Jeg ville%"))
        )
        seg.text = "B01: Jeg ville tilbage til Camilla."
        seg_id = seg.id
    for export, name in ((exchange.export_qdpx, "c.qdpx"), (exports.export_codings, "c.csv")):
        with pytest.raises(InputError) as err:
            export(ctx, tmp_path / name)
        assert str(seg_id) in str(err.value) and "Camilla" not in str(err.value)
        assert not (tmp_path / name).exists()


def test_codebook_guids_survive_yaml(tmp_path):
    valid = refi_file("requal-atlasti-23.4.0-valid.qdc")
    book = read_qdc(valid)
    guids = [c.guid for c, _ in book.walk()]
    assert guids and all(guids)
    yaml_path = tmp_path / "k.yaml"
    assert main(["codebook", "convert", str(valid), str(yaml_path)]) == 0
    assert "guid:" in yaml_path.read_text(encoding="utf-8")
    back = tmp_path / "k.qdc"
    assert main(["codebook", "convert", str(yaml_path), str(back)]) == 0
    again = ET.parse(back).getroot()
    written = [c.get("guid") for c in again.iter("{urn:QDA-XML:codebook:1.0}Code")]
    assert sorted(written) == sorted(guids)
    assert to_qdc(read_qdc(back)) == back.read_text(encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_qdc(refi_file("requal-atlasti-23.4.0-truncated.qdc"))
    assert "\n" not in str(err.value)


@pytest.mark.usefixtures("standin_recognisers")
def test_cli_export_positions_codepoints_round_trip(tmp_path, bad_file, capsys):
    """--positions codepoints writes code points (origin says so); the import reads them back
    onto the same words; the default writes UTF-16 units, as NVivo reads them."""
    data = tmp_path / "data"
    assert main(["import", "qdpx", str(bad_file), "--data", str(data), "--deidentified"]) == 0
    for unit in ("codepoints", "utf16"):
        out = tmp_path / f"{unit}.qdpx"
        args = ["export", "qdpx", "--data", str(data), "--out", str(out)]
        assert main(args + (["--positions", unit] if unit == "codepoints" else [])) == 0
        assert f"Positioner skrevet som {unit}" in capsys.readouterr().out
        root = _root(out)
        assert root.get("origin") == f"qualkit; positions={unit}"
        text = TEXT
        sel = next(
            e
            for e in root.iter(Q + "PlainTextSelection")
            if (e.get("name") or "").startswith("Og have")
        )
        end = int(sel.get("endPosition"))
        jens = text.index("Jens.") + len("Jens.")
        assert end == (jens if unit == "codepoints" else jens + 1)
        db = Database.open(tmp_path / f"back-{unit}")
        try:
            back = exchange.import_qdpx(db, SYSTEM, out)
            assert back.positions.unit.value == unit
            slices = {e["slice"] for e in imported(db, back.project_id)["selections"].values()}
            assert "Og have det godt. 😀 Jens." in slices
        finally:
            db.close()
    assert main(["export", "qdpx", "--data", str(data), "--out", str(out), "--positions", "x"]) != 0


def test_a_codebook_sent_first_matches_the_project_later(sqlite_db, tmp_path):
    """An ATLAS.ti codebook imported into a project: the .qdc and the .qdpx written later carry
    the file's own GUIDs, so the receiving tool sees the same codes, not duplicates."""
    from qualkit.services import codebooks, projects

    valid = refi_file("requal-atlasti-23.4.0-valid.qdc")
    want = sorted(c.guid.upper() for c, _ in read_qdc(valid).walk())
    pid = projects.create_project(sqlite_db, SYSTEM, "Kodebog først")
    ctx = Context(sqlite_db, SYSTEM, pid)
    book = codebooks.import_codebook_file(ctx, valid)
    _, data = codebook_editor.export_file(ctx, book, "qdc")
    qdc = ET.fromstring(data)
    assert sorted(c.get("guid").upper() for c in qdc.iter("{urn:QDA-XML:codebook:1.0}Code")) == want
    out = tmp_path / "senere.qdpx"
    exchange.export_qdpx(ctx, out)
    validate(out)
    assert sorted(c.get("guid").upper() for c in _root(out).iter(Q + "Code")) == want


LABELLED = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Etiketter" origin="{origin}">
 <CodeBook><Codes>
  <Code guid="12121212-1111-4111-8111-111111111111" name="Metode" isCodable="true"/>
 </Codes></CodeBook>
 <Sources>
  <TextSource guid="a3b94468-80a5-412f-92d6-e900d97b55a6" name="Artikel" plainTextPath="internal://a.txt">
   <PlainTextSelection guid="34343434-3333-4333-8333-333333333333" startPosition="{s}" endPosition="{e}">
    <Coding guid="45454545-4444-4444-8444-444444444444"><CodeRef targetGUID="12121212-1111-4111-8111-111111111111"/></Coding>
   </PlainTextSelection>
  </TextSource>
 </Sources>
</Project>"""
ARTICLE = "Abstract: Vi undersøgte forløbet.\nRQ1: Hvem blev nået?\nModel 3: Justeret for alder.\n"


def _labelled(tmp_path, origin: str):
    path = tmp_path / f"etiketter-{origin.split()[0]}.qdpx"
    s = ARTICLE.index("RQ1")
    with zipfile.ZipFile(path, "w") as zf:
        qde = LABELLED.format(origin=origin, s=s, e=s + len("RQ1: Hvem"))
        zf.writestr("project.qde", qde)
        zf.writestr("Sources/a.txt", ARTICLE.encode("utf-8"))
    return path


def _segments(db, pid):
    with db.session() as s:
        return [
            (g.prefix, g.text, g.speaker)
            for g in s.scalars(
                select(Segment)
                .join(Interview)
                .where(Interview.project_id == pid)
                .order_by(Segment.interview_id, Segment.position)
            )
        ]


@pytest.mark.usefixtures("standin_recognisers")
@pytest.mark.parametrize("speakers", [False, True])
def test_labelled_lines_stay_text_through_qualkit_export_and_back(sqlite_db, tmp_path, speakers):
    """Lines shaped like "Word: ..." in another tool's source stay text through qualkit's export
    and re-import (they were cut into speaker turns because the file was qualkit's), and turns
    asked for at the first import (--speakers) come back as turns; the re-imported project
    exports again, and the third generation equals the second."""
    first = exchange.import_qdpx(
        sqlite_db, SYSTEM, _labelled(tmp_path, "NVivo 14"), deidentified=True, speakers=speakers
    )
    want = _segments(sqlite_db, first.project_id)
    assert any(sp for _, _, sp in want) == speakers
    pid = first.project_id
    for generation in range(2):
        out = tmp_path / f"gen{generation}-{speakers}.qdpx"
        exchange.export_qdpx(Context(sqlite_db, SYSTEM, pid), out)
        validate(out)
        marks = [st for st in _root(out).iter(Q + "Set") if st.get("name") == "qualkit:talerture"]
        assert len(marks) == 1
        assert len(list(marks[0].iter(Q + "MemberSource"))) == int(speakers)
        again = exchange.import_qdpx(
            sqlite_db, SYSTEM, out, f"Genimport {generation} {speakers}", deidentified=True
        )
        assert _segments(sqlite_db, again.project_id) == want
        assert (
            imported(sqlite_db, again.project_id)["sources"]
            == (imported(sqlite_db, first.project_id)["sources"])
        )
        pid = again.project_id


def test_a_qualkit_file_without_the_mark_is_read_as_transcripts(sqlite_db, tmp_path):
    """A qualkit export from before the transcript mark: every source's turns, as then."""
    result = exchange.import_qdpx(
        sqlite_db, SYSTEM, _labelled(tmp_path, "qualkit 0.9"), deidentified=True
    )
    speakers = [sp for _, _, sp in _segments(sqlite_db, result.project_id)]
    # The RQ1 line keeps its label as text: a selection starts at the line (exports/layout).
    assert speakers == ["Abstract", None, "Model 3"]
