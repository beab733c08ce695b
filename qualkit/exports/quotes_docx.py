"""Themed quote sets as a Word document (python-docx), laid out as the seed reports are.

Title page (project, date, codebook version, filters), a table-of-contents field that
Word fills in on opening, one heading per theme and a sub-heading per sub-code (or per
framework dimension and code), a count line per heading, and each quote as an indented
block in the "Citat" style followed by its descriptor line and source reference. When asked,
an appendix "Memoer" follows: the memos grouped by code, interview and project, each with its
title, date, author (a role label, never a name) and the references of its linked passages.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from qualkit.enums import FRAMEWORKS
from qualkit.tabular import format_date_dk

from .records import FRAMEWORK_LABELS, Quote, count_line, describe

QUOTE_STYLE = "Citat"
DESCRIPTOR_STYLE = "Citatbeskrivelse"
COUNT_STYLE = "Antal citater"
INTRO_STYLE = "Temaindledning"
INTRO_PLACEHOLDER = "Skriv en kort indledning til temaet her."
GROUPINGS = ("code", "framework")
MEMO_GROUPS = (
    ("code", "Kodememoer"),
    ("interview", "Interviewmemoer"),
    ("project", "Projektmemoer"),
)


@dataclass(frozen=True)
class MemoEntry:
    """One memo as the appendix prints it (already filtered and checked)."""

    kind: str  # code | interview | project
    title: str
    body: str
    on: date
    author: str  # "evaluator 1": the role and a number, never a name
    about: str = ""  # "Kode: Tryghed" / "Interview 3, bølge 1"
    refs: tuple[str, ...] = ()  # "Interview 3, tur 4", "kode Tryghed"


@dataclass
class QuoteDocSpec:
    """What the title page says and how the quotes are arranged."""

    project: str
    codebooks: list[str]  # "TKI2 fidelitet (version 1)"
    filters: list[str] = field(default_factory=list)  # Danish, e.g. "arm: indsats"
    group_by: str = "code"
    descriptor_fields: list[str] = field(default_factory=lambda: ["label"])
    on: date = field(default_factory=date.today)
    # The seed reports open each theme with a short introduction: leave the writer a place.
    intro_placeholders: bool = True
    # As the reports print them: the descriptor line before the quote (seed 002 line 529).
    descriptor_first: bool = False
    # The appendix "Memoer": None leaves it out; a list (maybe empty) puts it in.
    memos: list[MemoEntry] | None = None


@dataclass
class Section:
    title: str
    quotes: list[Quote] = field(default_factory=list)  # coded at this level
    children: dict[object, Section] = field(default_factory=dict)
    order: tuple = ()

    def all_quotes(self) -> list[Quote]:
        out = list(self.quotes)
        for child in self.children.values():
            out.extend(child.quotes)
        return out


def arrange(quotes: list[Quote], group_by: str) -> list[Section]:
    """Quotes -> ordered sections with sub-sections (by code tree or by framework)."""
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by skal være en af {', '.join(GROUPINGS)}")
    tops: dict[object, Section] = {}
    for q in quotes:
        if group_by == "code":
            top = tops.setdefault(q.theme_id, Section(q.theme_name, order=(q.theme_position,)))
            if q.code_id == q.theme_id:
                top.quotes.append(q)
                continue
            sub = top.children.setdefault(q.code_id, Section(q.code_name, order=(q.code_position,)))
        else:
            rank = FRAMEWORKS.index(q.framework) if q.framework in FRAMEWORKS else len(FRAMEWORKS)
            top = tops.setdefault(
                q.framework, Section(FRAMEWORK_LABELS.get(q.framework, q.framework), order=(rank,))
            )
            sub = top.children.setdefault(
                q.code_id, Section(q.code_name, order=(q.theme_position, q.code_position))
            )
        sub.quotes.append(q)
    key = lambda q: (q.interview_id, q.start if q.start is not None else -1.0, q.consensus_id)  # noqa: E731
    sections = sorted(tops.values(), key=lambda s: s.order)
    for s in sections:
        s.quotes.sort(key=key)
        s.children = dict(sorted(s.children.items(), key=lambda kv: kv[1].order))
        for c in s.children.values():
            c.quotes.sort(key=key)
    return sections


def _styles(doc: DocumentObject) -> None:
    styles = doc.styles
    quote = styles.add_style(QUOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    quote.base_style = styles["Normal"]
    quote.font.italic = True
    quote.paragraph_format.left_indent = Cm(1.25)
    quote.paragraph_format.right_indent = Cm(1.25)
    quote.paragraph_format.space_before = Pt(6)
    quote.paragraph_format.space_after = Pt(0)
    desc = styles.add_style(DESCRIPTOR_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    desc.base_style = styles["Normal"]
    desc.font.size = Pt(9)
    desc.font.color.rgb = RGBColor(0x44, 0x44, 0x44)
    desc.paragraph_format.left_indent = Cm(1.25)
    desc.paragraph_format.space_after = Pt(10)
    intro = styles.add_style(INTRO_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    intro.base_style = styles["Normal"]
    intro.font.color.rgb = RGBColor(0x80, 0x80, 0x80)
    count = styles.add_style(COUNT_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    count.base_style = styles["Normal"]
    count.font.bold = True
    count.font.size = Pt(10)


def _toc(doc: DocumentObject) -> None:
    """A TOC field over heading levels 1-2; Word fills it when the document opens."""
    doc.add_paragraph("Indholdsfortegnelse", style="Heading 1")
    run = doc.add_paragraph().add_run()
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = 'TOC \\o "1-2" \\h \\z \\u'
    sep = OxmlElement("w:fldChar")
    sep.set(qn("w:fldCharType"), "separate")
    hint = OxmlElement("w:t")
    hint.text = "Højreklik og vælg 'Opdater felt' for at vise indholdsfortegnelsen."
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for el in (begin, instr, sep, hint, end):
        run._r.append(el)
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    doc.settings.element.append(update)


def build_document(quotes: list[Quote], spec: QuoteDocSpec) -> DocumentObject:
    """The python-docx Document for these quotes (already filtered and checked)."""
    doc = Document()
    _styles(doc)
    from .wordlang import set_danish

    set_danish(doc)
    doc.core_properties.title = f"Citater: {spec.project}"
    doc.core_properties.author = "qualkit"
    doc.add_paragraph(f"Citater: {spec.project}", style="Title")
    doc.add_paragraph(f"Projekt: {spec.project}")
    doc.add_paragraph(f"Dato: {format_date_dk(spec.on)}")
    for book in spec.codebooks or ["(ingen)"]:
        doc.add_paragraph(f"Kodebog: {book}")
    doc.add_paragraph(
        "Gruppering: "
        + (
            "efter kode og underkode"
            if spec.group_by == "code"
            else "efter dimension i rammeværket"
        )
    )
    doc.add_paragraph("Filtre: " + ("; ".join(spec.filters) if spec.filters else "ingen"))
    doc.add_paragraph(f"Citater i alt: {len(quotes)}")
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    _toc(doc)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    styles = doc.styles
    quote_style, desc_style, count_style = (
        styles[QUOTE_STYLE],
        styles[DESCRIPTOR_STYLE],
        styles[COUNT_STYLE],
    )
    h1, h2 = styles["Heading 1"], styles["Heading 2"]
    # Descriptor lines repeat per speaker: build each once.
    described: dict[int, str] = {}

    def put(q: Quote) -> None:
        key = id(q.who)
        if key not in described:
            described[key] = describe(q.who, spec.descriptor_fields)
        line = f"{described[key]} ({q.source_ref})"
        if spec.descriptor_first:
            doc.add_paragraph(line, style=desc_style)
        if q.context:
            # An exchange of several turns: each turn on its own line with its speaker.
            for speaker, text in q.context:
                doc.add_paragraph(f"{speaker}: {text.strip()}", style=quote_style)
            label = described[key].split(",")[0]
            doc.add_paragraph(f"{label}: {q.text.strip()}", style=quote_style)
        else:
            doc.add_paragraph(f"\u201d{q.text.strip()}\u201d", style=quote_style)
        if not spec.descriptor_first:
            doc.add_paragraph(line, style=desc_style)

    sections = arrange(quotes, spec.group_by)
    if not sections:
        doc.add_paragraph("Ingen citater matcher de valgte filtre.")
    for section in sections:
        doc.add_paragraph(section.title, style=h1)
        if spec.intro_placeholders:
            doc.add_paragraph(INTRO_PLACEHOLDER, style=styles[INTRO_STYLE])
        doc.add_paragraph(count_line(section.all_quotes()), style=count_style)
        for q in section.quotes:
            put(q)
        for child in section.children.values():
            doc.add_paragraph(child.title, style=h2)
            doc.add_paragraph(count_line(child.quotes), style=count_style)
            for q in child.quotes:
                put(q)
    if spec.memos is not None:
        _memo_appendix(doc, spec.memos)
    return doc


def _memo_appendix(doc: DocumentObject, memos: list[MemoEntry]) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    doc.add_paragraph("Memoer", style="Heading 1")
    if not memos:
        doc.add_paragraph("Ingen memoer at vise.")
    styles = doc.styles
    for kind, heading in MEMO_GROUPS:
        group = sorted((m for m in memos if m.kind == kind), key=lambda m: (m.about, m.on, m.title))
        if not group:
            continue
        doc.add_paragraph(heading, style=styles["Heading 2"])
        for m in group:
            doc.add_paragraph(m.title, style=styles["Heading 3"])
            meta = [x for x in (m.about, format_date_dk(m.on), m.author) if x]
            doc.add_paragraph(" · ".join(meta), style=styles[DESCRIPTOR_STYLE])
            for para in m.body.strip().split("\n"):
                doc.add_paragraph(para.strip())
            if m.refs:
                doc.add_paragraph(
                    "Henvisninger: " + "; ".join(m.refs), style=styles[DESCRIPTOR_STYLE]
                )


def write_quotes_docx(quotes: list[Quote], spec: QuoteDocSpec, path: str | Path) -> None:
    build_document(quotes, spec).save(str(path))


def quote_counts(quotes: list[Quote]) -> dict[str, int]:
    """Counts for the audit row: quotes, themes, speakers (no text)."""
    themes: defaultdict[int, int] = defaultdict(int)
    for q in quotes:
        themes[q.theme_id] += 1
    return {
        "quotes": len(quotes),
        "themes": len(themes),
        "speakers": len({q.who.person_key for q in quotes}),
    }
