"""The themed quote set in Word: structure, descriptors, counts, filters, what never leaves."""

from __future__ import annotations

import re
from datetime import date

import docx
import pytest
from sqlalchemy import select

from qualkit.errors import PermissionDenied
from qualkit.exports.quotes_docx import COUNT_STYLE, DESCRIPTOR_STYLE, INTRO_STYLE, QUOTE_STYLE
from qualkit.exports.records import Descriptor, age_decade, describe
from qualkit.services import consensus, exchange, exports
from qualkit.services.exports import QuoteFilter
from qualkit.store.models import AuditEvent, ConsensusCoding, Interview

from .export_helpers import TURNS, build_project, standin_recognisers, withdraw  # noqa: F401


def _paras(path):
    return [(p.style.name, p.text) for p in docx.Document(str(path)).paragraphs]


def _quotes(paras):
    """(quote text, descriptor line) pairs in document order."""
    out = []
    for (style, text), (nstyle, ntext) in zip(paras, paras[1:], strict=False):
        if style == QUOTE_STYLE:
            assert nstyle == DESCRIPTOR_STYLE, "every quote is followed by its descriptor line"
            out.append((text.strip("\u201d"), ntext))
    return out


def test_quote_set_structure(db, tmp_path, standin_recognisers):  # noqa: F811
    b = build_project(db)
    out = tmp_path / "citater.docx"
    result = exports.export_quotes(
        b.ctx("writer"),
        out,
        on=date(2025, 6, 3),
        descriptor_fields=["label", "køn", "alder", "arm", "diagnosegruppe"],
    )
    paras = _paras(out)
    texts = [t for _, t in paras]
    # Title page: project, date dd-mm-yyyy, codebook with version, filters.
    assert paras[0] == ("Title", "Citater: Eksporttest")
    assert "Dato: 03-06-2025" in texts
    assert "Kodebog: Testkodebog (version 1)" in texts
    assert "Filtre: ingen" in texts
    # A table-of-contents field Word fills on opening.
    body = docx.Document(str(out)).element.body.xml
    assert 'TOC \\o "1-2"' in body
    # One heading per theme, sub-headings per sub-code, in codebook order.
    h1 = [t for s, t in paras if s == "Heading 1" and t != "Indholdsfortegnelse"]
    h2 = [t for s, t in paras if s == "Heading 2"]
    assert h1 == ["Samarbejde", "Mestring og energi", "Arbejdspladsen"]
    assert h2 == ["Trepartssamtalen", "Jobkonsulentens rolle"]
    # Each quote in the quote style with a descriptor line: age as a decade, arm as group.
    quotes = _quotes(paras)
    assert len(quotes) == result.counts["quotes"] == 7
    energy = next(d for q, d in quotes if q.startswith("Jeg fik mere energi"))
    # The report label is a random project pseudonym ("Borger 3" came from B03's digits).
    assert re.match(r"Borger \d+, kvinde i 40'erne, indsatsgruppe, kræft \(Interview ", energy)
    assert energy.endswith("00:02:10)")
    assert "44" not in energy  # never the exact age
    every_text = {t for turns in TURNS.values() for _, _, t in turns}
    assert all(q in every_text for q, _ in quotes)
    # Each theme: heading, a place for the writer's introduction, a count line.
    for i, (style, text) in enumerate(paras):
        if style == "Heading 1" and text in h1:
            assert paras[i + 1][0] == INTRO_STYLE and paras[i + 2][0] == COUNT_STYLE
    # Count lines: per theme and per sub-code.
    counts = [t for s, t in paras if s == COUNT_STYLE]
    assert counts[0] == "4 citater fra 2 borgere"  # Samarbejde incl. sub-codes
    assert "1 citat fra 1 borger" in counts
    style = docx.Document(str(out)).styles[QUOTE_STYLE]
    assert style.font.italic and style.paragraph_format.left_indent > 0


def test_group_by_framework_and_filters(sqlite_db, tmp_path, standin_recognisers):  # noqa: F811
    b = build_project(sqlite_db)
    ctx = b.ctx("writer")
    out = tmp_path / "ramme.docx"
    exports.export_quotes(ctx, out, group_by="framework")
    h1 = [t for s, t in _paras(out) if s == "Heading 1" and t != "Indholdsfortegnelse"]
    assert h1[0].startswith("Effekt") and any(h.startswith("Implementering") for h in h1)
    assert any(h == "Virkningsmekanismer" for h in h1)

    out = tmp_path / "filtre.docx"
    flt = QuoteFilter(arms=["kontrol"], codes=["tema.mestring"])
    exports.export_quotes(ctx, out, flt, descriptor_fields=["label", "arm"])
    paras = _paras(out)
    quotes = _quotes(paras)
    assert [re.sub(r"\d+", "N", d.split(" (")[0]) for _, d in quotes] == ["Borger N, kontrolgruppe"]
    assert "Filtre: arm: kontrol; koder: tema.mestring" in [t for _, t in paras]

    # A code filter takes its sub-codes along; starred only keeps the starred.
    only = exports.list_quotes(ctx, QuoteFilter(codes=["tema.samarbejde"], starred_only=True))
    assert {q["code"] for q in only} == {"Trepartssamtalen", "Jobkonsulentens rolle"}
    assert all(q["starred"] for q in only)
    # The writer stars a quote; it then appears among the starred.
    target = next(q for q in exports.list_quotes(ctx) if not q["starred"])
    consensus.mark_consensus(ctx, target["consensus_id"], starred=True)
    assert target["consensus_id"] in {
        q["consensus_id"] for q in exports.list_quotes(ctx, QuoteFilter(starred_only=True))
    }
    # Role filter: no staff are quoted here.
    assert exports.list_quotes(ctx, QuoteFilter(roles=["jobkonsulent"])) == []


def test_withdrawn_revealing_and_raw_text_never_leave(db, tmp_path, standin_recognisers):  # noqa: F811
    b = build_project(db)
    ctx = b.ctx("writer")
    withdraw(db, b.project_id, "B07")
    revealing = b.consensus[0]  # B03's three-party meeting
    consensus.mark_consensus(ctx, revealing, revealing=True)
    with db.session(write=True) as s:  # B12's interview is not de-identified
        iv = s.get(Interview, b.interviews["B12"])
        iv.status = "transcribed"
        for seg in iv.segments:
            seg.deidentified = False
    out = tmp_path / "q.docx"
    result = exports.export_quotes(ctx, out)
    quotes = [q for q, _ in _quotes(_paras(out))]
    b07 = {t for _, _, t in TURNS["B07"]}
    assert not b07 & set(quotes)
    assert not any(q.startswith("Det var et trepartsmøde") for q in quotes)
    assert not any(q.startswith("Jeg har lært at tage pauser") for q in quotes)
    assert sorted(quotes) == sorted(t for _, _, t in TURNS["B03"][2:])
    assert result.counts["skipped_withdrawn"] == 3
    assert result.counts["skipped_revealing"] == 1
    assert result.counts["skipped_not_deidentified"] == 1
    # The same rules hold for the other formats.
    rows = exports.export_codings(ctx, tmp_path / "c.csv").counts
    assert rows["consensus"] == 3  # B03 only (one of them with its text left out)
    csv_text = (tmp_path / "c.csv").read_text(encoding="utf-8-sig")
    assert "Hun lyttede" not in csv_text and "trepartsmøde" not in csv_text
    qdpx = exchange.export_qdpx(ctx, tmp_path / "p.qdpx").counts
    assert qdpx["sources"] == 1


def test_audit_and_roles(sqlite_db, tmp_path, standin_recognisers):  # noqa: F811
    b = build_project(sqlite_db)
    with pytest.raises(PermissionDenied):
        exports.export_quotes(b.ctx("staff"), tmp_path / "x.docx")
    with pytest.raises(PermissionDenied):
        consensus.mark_consensus(b.ctx("staff"), b.consensus[0], starred=True)
    assert not (tmp_path / "x.docx").exists()
    exports.export_quotes(b.ctx("writer"), tmp_path / "q.docx", QuoteFilter(arms=["indsats"]))
    with sqlite_db.session() as s:
        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "export.quotes")).one()
        assert ev.username == "writer"
        assert ev.details["filters"]["arms"] == ["indsats"]
        assert ev.details["counts"]["quotes"] == 6
        blob = repr(ev.details)
        texts = [t for turns in TURNS.values() for _, _, t in turns]
        assert not any(t[:20] in blob for t in texts)  # no quote text in the audit trail
        star = s.scalars(select(ConsensusCoding).where(ConsensusCoding.starred.is_(True))).all()
        assert len(star) == 3


def test_descriptor_rules():
    who = Descriptor(
        "Borger 3",
        True,
        "B03",
        arm="indsats",
        site="Nord",
        wave=1,
        attributes={"Køn": "kvinde", "Alder": 44, "diagnosegruppe": "kræft"},
    )
    assert (
        describe(who, ["label", "køn", "alder", "arm", "diagnosegruppe"])
        == "Borger 3, kvinde i 40'erne, indsatsgruppe, kræft"
    )
    assert describe(who, ["alder", "label"]) == "I 40'erne, Borger 3"
    staff = Descriptor("Jobkonsulent", False, "4:JK1", attributes={"køn": "mand"})
    assert describe(staff, ["label", "køn", "arm"]) == "Jobkonsulent"
    assert age_decade("58 år") == "50'erne" and age_decade("ukendt") is None
    assert re.fullmatch(r"\d0'erne", age_decade(71))


def test_two_thousand_quotes_is_quick(sqlite_db, tmp_path):
    """Not a timing test (bench/export_quotes.py times it): the document holds them all."""
    from bench.export_quotes import make_quotes
    from qualkit.exports.quotes_docx import QuoteDocSpec, write_quotes_docx

    quotes = make_quotes(2000)
    out = tmp_path / "big.docx"
    write_quotes_docx(quotes, QuoteDocSpec("Stor", ["Kodebog (version 1)"]), out)
    paras = _paras(out)
    assert sum(1 for s, _ in paras if s == QUOTE_STYLE) == 2000


def test_demo_project_exports_have_content(demo_folder, tmp_path):
    """After the coding (issue 5) and de-identification (issue 4) demo steps: every export of
    the demo has content, at least 3 themes and 10 quotes, and passes the safety check."""
    from qualkit.services import projects
    from qualkit.store import Database

    from .conftest import ctx_as

    folder, _ = demo_folder
    db = Database.open(folder)
    try:
        with db.session() as s:
            assert s.scalar(select(ConsensusCoding.id).limit(1)), "the demo has consensus codings"
        ctx = ctx_as(db, projects.find_project(db), "writer")
        result = exports.export_quotes(ctx, tmp_path / "demo.docx")
        assert result.counts["quotes"] >= 10 and result.counts["themes"] >= 3
        assert exchange.export_qdpx(ctx, tmp_path / "demo.qdpx").counts["codings"] >= 10
        assert exports.export_codings(ctx, tmp_path / "demo.xlsx").counts["consensus"] >= 10
    finally:
        db.close()
