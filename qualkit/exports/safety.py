"""The last check before anything leaves: every string of an export, one mechanism.

Two passes, both with ``qualkit.deid.detect`` and the same rules:

1. ``check`` reads the passages the service knows by key (segment texts, memos, interview
   titles): a finding on an overridden key is reported apart (the writer's audited choice);
   spans a reviewer rejected in review are cleared.
2. ``check_file`` reads the written file itself, every string in it (.docx paragraphs,
   headers and document properties; .xlsx cells and sheet names; .qdpx/.qdc code names,
   descriptions, notes, users, sources; .csv cells) and its file name. Whatever field a
   string came from (code names and descriptions, speaker labels, descriptor attributes,
   memos, titles, file and sheet names), it passes the same check; a finding is let through
   only where pass 1 let the very same surface through (override or review).

Every identifier class blocks (``BLOCKING``: names, CPR, phone, e-mail, addresses, URLs and
dates of birth) unless reviewed or overridden. Only pseudonyms the project itself issued (the
review's replacements, plus the fixed tags such as "[CPR]") count as pseudonyms: any other
bracketed text ("[navn: Camilla Vestergaard]") is read like any other text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from qualkit.errors import InputError

BLOCKING = frozenset({"PERSON", "CPR", "PHONE", "EMAIL", "ADDRESS", "URL", "DATE"})
FIXED_TAGS = frozenset(
    {"[Adresse]", "[CPR]", "[Telefon]", "[E-mail]", "[Link]", "[Dato]", "[Navn]"}
)
# A bracketed text, with an optional genitive: "[Borger 3]", "[Navn 4]s".
_BRACKETED = re.compile(r"\[[^\[\]\n]{1,60}\](?:s|'s|’s)?")

Cleared = Callable[[str, str], bool]


@dataclass(frozen=True)
class Passage:
    """A text about to be exported; ``key`` is what an override names: a segment id, or
    minus an interview id for that interview's title (which .qdpx and tables carry)."""

    key: int
    text: str
    where: str  # "Interview 4, 00:08:28" (no text)
    reviewed: tuple[tuple[int, int], ...] = ()  # (start, end) spans a reviewer cleared


@dataclass(frozen=True)
class Finding:
    key: int | None  # None: a string in the written file (no override; fix its source)
    where: str
    label: str
    start: int
    end: int
    surface: str  # shown to the writer in the app; never audited

    @property
    def masked(self) -> str:
        s = self.surface
        return s[0] + "\u2026" + s[-1] if len(s) > 2 else "\u2026"


@dataclass
class SafetyReport:
    findings: list[Finding] = field(default_factory=list)
    overridden: list[Finding] = field(default_factory=list)
    checked: int = 0
    # What pass 1 let through (overridden or reviewed), for pass 2 over the written file.
    allowed: set[str] = field(default_factory=set)
    issued: frozenset[str] = FIXED_TAGS
    cleared: Cleared | None = None
    # Detections by text, shared by both passes: the written file repeats most passages
    # (a source's lines, a quote's text), and detection is deterministic for a text.
    detected: dict[str, list[Any]] = field(default_factory=dict, repr=False)

    def spans(self, detect: Callable, text: str) -> list[Any]:
        found = self.detected.get(text)
        if found is None:
            found = self.detected[text] = list(detect(text))
        return found

    @property
    def blocked(self) -> bool:
        return bool(self.findings)

    def blocked_keys(self) -> list[int]:
        return sorted({f.key for f in self.findings if f.key is not None})

    def message(self) -> str:
        """One refusal naming each passage (label and masked surface only)."""
        keys = self.blocked_keys()
        shown = []
        for k in keys[:20]:
            fs = [f for f in self.findings if f.key == k]
            labels = ", ".join(f"{f.label} '{f.masked}'" for f in fs)
            what = (
                f"segment {k} ({fs[0].where})"
                if k >= 0
                else f"{fs[0].where} (ret memoet, eller tilsidesæt {k})"
                if fs[0].where.startswith("Memo ")  # services/export_memos.memo_key
                else f"titlen på interview {-k} (omdøb det, eller tilsidesæt {k})"
            )
            shown.append(f"{what}: {labels}")
        loose = [f for f in self.findings if f.key is None]
        for f in loose[:10]:
            shown.append(f"{f.where}: {f.label} '{f.masked}' (ret kilden; kan ikke tilsidesættes)")
        more = f"; og {len(keys) - 20} flere" if len(keys) > 20 else ""
        n = len(keys) + len({(f.where, f.surface) for f in loose})
        return (
            f"Eksport afvist: {n} sted(er) indeholder identifikatorer, der ikke er gennemgået; "
            "gennemgå dem, eller tilsidesæt hver passage med --override SEGMENT_ID: "
            + "; ".join(shown)
            + more
        )


def _detector() -> Callable:
    try:
        from qualkit import deid
    except ImportError as exc:  # pragma: no cover - the recognisers ship with qualkit
        raise InputError(
            "Pseudonymiseringens genkendere (qualkit.deid) er ikke installeret; "
            "intet kan eksporteres uden sikkerhedstjekket."
        ) from exc
    return deid.detect


def _inside(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def issued_spans(text: str, issued: Iterable[str]) -> list[tuple[int, int]]:
    """Spans of the pseudonyms the project issued ("[Borger 3]", "[Borger 3]s")."""
    known = set(issued) | FIXED_TAGS
    out = []
    for m in _BRACKETED.finditer(text):
        core = re.sub(r"(?:s|'s|’s)$", "", m.group()) if not m.group().endswith("]") else m.group()
        if core in known:
            out.append((m.start(), m.end()))
    cut = re.search(r"\[[^\[\]\n]{0,60}$", text)  # a pseudonym cut short ("... ude på [Na")
    if cut and any(k.startswith(cut.group()) for k in known):
        out.append((cut.start(), len(text)))
    return out


def check(
    passages: Iterable[Passage],
    overrides: Iterable[int] = (),
    cleared: Cleared | None = None,
    issued: Iterable[str] = (),
) -> SafetyReport:
    """Pass 1: scan every passage; findings on overridden keys are reported apart.

    ``cleared(label, surface)`` says whether a reviewer rejected that surface project-wide;
    ``issued`` are the project's own pseudonyms.
    """
    detect = _detector()
    allowed_keys = set(overrides)
    report = SafetyReport(issued=frozenset(issued) | FIXED_TAGS, cleared=cleared)
    for p in passages:
        report.checked += 1
        if not p.text.strip():
            continue
        pseudonyms = issued_spans(p.text, report.issued)
        for span in report.spans(detect, p.text):
            if span.label not in BLOCKING or _inside(pseudonyms, span.start, span.end):
                continue
            if (
                span.source == "capitalisation"
                and _weak(p.text, span)
                and _sentence_start(p.text, span.start)
            ):
                continue  # a capitalised common noun opening a sentence
            surface = p.text[span.start : span.end]
            if _inside(p.reviewed, span.start, span.end) or (
                cleared is not None and cleared(span.label, surface)
            ):
                report.allowed.add(surface)
                continue
            f = Finding(p.key, p.where, span.label, span.start, span.end, surface)
            if p.key in allowed_keys:
                report.overridden.append(f)
                report.allowed.add(surface)
            else:
                report.findings.append(f)
    return report


# --- pass 2: the written file -------------------------------------------------------------
# The members of an Office or REFI-QDA archive that carry content (styles, themes, fonts,
# relationships and settings carry the writing program's own vocabulary only).
_CONTENT_MEMBERS = re.compile(
    r"^(word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml|"
    r"xl/(sharedStrings|workbook|worksheets/[^/]+|comments\d*)\.xml|docProps/(core|custom)\.xml|"
    r"[^/]+\.(qde|qdc)|sources/.+\.txt|.+\.txt)$",
    re.I,
)
# Attributes that carry content: code, source, user and sheet names, descriptions, titles.
_CONTENT_ATTRS = frozenset({"name", "description", "title", "label"})
_GUID = re.compile(r"[0-9a-fA-F-]{8,}|project|content|sources")
_BLOCK_TAGS = frozenset({"p", "si", "is"})  # .docx paragraph, .xlsx shared/inline string


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _xml_strings(data: bytes) -> Iterator[str]:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        yield data.decode("utf-8", errors="replace")
        return

    def walk(el: ElementTree.Element) -> Iterator[str]:
        for k, v in el.attrib.items():
            if _local(k) in _CONTENT_ATTRS and v.strip():
                yield v
        if _local(el.tag) in _BLOCK_TAGS:
            yield "".join(el.itertext())
            return
        if el.text and el.text.strip():
            yield el.text
        for child in el:
            yield from walk(child)
            if child.tail and child.tail.strip():
                yield child.tail

    yield from walk(root)


def _text_lines(data: bytes) -> Iterator[str]:
    text = data.decode("utf-8-sig", errors="replace")
    yield from (line for line in text.splitlines() if line.strip())


def file_strings(path: Path) -> Iterator[tuple[str, str]]:
    """(where, string) for every string in an export file (.docx, .xlsx, .qdpx, .qdc, .csv)."""
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for name in z.namelist():
                if not _GUID.fullmatch(Path(name).stem):
                    yield f"filnavn i arkivet ({name})", Path(name).stem
                if not _CONTENT_MEMBERS.match(name):
                    continue
                raw = z.read(name)
                lower = name.lower()
                if lower.endswith((".xml", ".qde", ".qdc", ".vml")):
                    for s in _xml_strings(raw):
                        yield name, s
                elif lower.endswith((".txt", ".csv")):
                    for s in _text_lines(raw):
                        yield name, s
        return
    if data.lstrip()[:1] == b"<":
        for s in _xml_strings(data):
            yield path.name, s
        return
    text = data.decode("utf-8-sig", errors="replace")
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    for row in csv.reader(io.StringIO(text), delimiter=delimiter):
        for cell in row:
            if cell.strip():
                yield path.name, cell


def _sentence_start(s: str, start: int) -> bool:
    before = s[:start].rstrip()
    return not before or before.endswith((".", "!", "?", ":", "\u2013", "\u2014"))


def _weak(s: str, span: object) -> bool:
    """One capitalised word proposed only by the capitalisation rule ("Trepartssamtale
    afholdt", "Rehabilitering Nord", "Kodebog: Testkodebog"): in the labels, names and
    headings of a file every other word is capitalised so. Names on the name lists (first
    names, surnames, the roster) are found by the gazetteer and still block; passage texts
    (pass 1) are read with every rule."""
    if getattr(span, "label", "") != "PERSON" or " " in s[span.start : span.end].strip():  # type: ignore[attr-defined]
        return False
    source = getattr(span, "source", "")
    if source == "capitalisation":
        return True
    # A word on the name lists opening a sentence of a longer text ("Include: Core
    # components ...") in a description; a name alone (a code named "Camilla") still blocks.
    return (
        source == "gazetteer"
        and _sentence_start(s, span.start)  # type: ignore[attr-defined]
        and len(s.strip()) > span.end - span.start + 1  # type: ignore[attr-defined]
        and s[: span.start].strip() != ""  # type: ignore[attr-defined]
    )


def check_strings(strings: Iterable[tuple[str, str]], report: SafetyReport) -> list[Finding]:
    """Pass 2 over (where, string) pairs: findings not let through by pass 1."""
    detect = _detector()
    seen: set[str] = set()
    out: list[Finding] = []
    for where, s in strings:
        if not s.strip() or s in seen:
            continue
        seen.add(s)
        pseudonyms = issued_spans(s, report.issued)
        for span in report.spans(detect, s):
            if span.label not in BLOCKING or _inside(pseudonyms, span.start, span.end):
                continue
            surface = s[span.start : span.end]
            if _weak(s, span):
                continue
            if any(surface in a for a in report.allowed):
                continue
            if report.cleared is not None and report.cleared(span.label, surface):
                continue
            out.append(Finding(None, where, span.label, span.start, span.end, surface))
    return out


def check_file(path: Path, name: str, report: SafetyReport) -> None:
    """Refuse (InputError) if any string of the written file, or its name, holds an
    identifier pass 1 did not let through."""
    strings = [("filnavnet", Path(name).stem), *file_strings(path)]
    found = check_strings(strings, report)
    if found:
        raise InputError(SafetyReport(findings=found).message())
