"""Pattern recognisers: CPR numbers, phone numbers, e-mail, URLs, addresses and dates of birth."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from .lexicon import Lexicon
from .spans import Span

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .tokenizer import Token

_MONTHS = (
    "januar|februar|marts|april|maj|juni|juli|august|september|oktober|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
_STREET_SUFFIX = (
    r"(?:vej|vejen|gade|allé|alle|plads|pladsen|stræde|vænge|torv|boulevard|sti|stien|"
    r"parken|have|haven|bakke|bakken|høj|toft|løkke|vang|gyde|kvarter|park|dal|dalen|"
    r"bro|holm|lund|mark|marken|engen|kær|hegn|skov)"
)
_CAP = r"[A-ZÆØÅ][\wæøåÆØÅéü.'-]*"

# DDMMYY-XXXX, also "01 01 90 1234", "01.01.90-1234" and with an en or em dash.
CPR_RE = re.compile(r"(?<![\d\-–—])(\d{2})([ .]?)(\d{2})\2(\d{2}) ?[-–— ]? ?(\d{4})(?![\d\-–—])")
PHONE_RE = re.compile(r"(?<![\d+])(?:(?:\+|00)45[ .-]?)?[2-9](?:[ .-]?\d){7}(?![\d])")
EMAIL_RE = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
URL_RE = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)]", re.I)
ADDRESS_RE = re.compile(
    rf"(?<![\wæøå])(?:{_CAP}\s+)?{_CAP}{_STREET_SUFFIX}\s+\d{{1,4}}(?:\s?[A-Za-z](?![\wæøå]))?"
    r"(?:,?\s*(?:st|kl|\d{1,2})\.?(?:\s*(?:th|tv|mf|sal)\b\.?)?)?"
    r"(?:,?\s*\d{4}\s+" + _CAP + r"(?:\s+(?:C|V|Ø|N|S|SV|NV|SØ|NØ|K)\b)?)?"
)
POSTCODE_RE = re.compile(
    r"(?<!\d)([1-9]\d{3})\s+(" + _CAP + r")(?:\s+(?:C|V|Ø|N|S|SV|NV|SØ|NØ|K)\b)?"
)
DATE_RE = re.compile(
    rf"(?<!\d)(?:(\d{{1,2}})[-./](\d{{1,2}})[-./](\d{{2}}|\d{{4}})|(\d{{1,2}})\.?\s+(?:{_MONTHS})\.?\s+(\d{{4}}))(?!\d)",
    re.I,
)
_ISO_DATE = re.compile(r"(19|20)\d\d-[01]\d-[0-3]\d")
BIRTH_CONTEXT = re.compile(r"(født|fødselsdag|fødselsdato|f\.)\s*(den\s+)?$", re.I)


def _valid_cpr(dd: str, mm: str, yy: str) -> bool:
    d, m = int(dd), int(mm)
    if d > 60:  # replacement CPR numbers add 60 to the day
        d -= 60
    for century in (1900, 2000):
        try:
            date(century + int(yy), m, d)
            return True
        except ValueError:
            continue
    return False


class PatternRecogniser:
    """All regular-expression recognisers in one pass over the text."""

    source = "pattern"

    def __init__(self, kinds: list[str] | None = None) -> None:
        self.kinds = set(kinds or ["cpr", "phone", "email", "url", "address", "postcode", "date"])

    def find(self, text: str, doc: Sequence[Token], lexicon: Lexicon) -> list[Span]:
        out: list[Span] = []

        def add(m: re.Match, label: str, group: int = 0) -> None:
            s, e = m.span(group)
            while (
                e > s
                and text[e - 1] in ".,"
                and label == "ADDRESS"
                and not text[max(s, e - 4) : e]
                .lower()
                .rstrip(".")
                .endswith(("th", "tv", "mf", "st", "sal"))
            ):
                e -= 1
            out.append(Span(s, e, label, text[s:e], self.source))

        if "email" in self.kinds:
            for m in EMAIL_RE.finditer(text):
                add(m, "EMAIL")
        if "url" in self.kinds:
            for m in URL_RE.finditer(text):
                add(m, "URL")
        if "cpr" in self.kinds:
            for m in CPR_RE.finditer(text):
                if _valid_cpr(m.group(1), m.group(3), m.group(4)):
                    add(m, "CPR")
        if "phone" in self.kinds:
            for m in PHONE_RE.finditer(text):
                digits = re.sub(r"\D", "", m.group(0))
                digits = digits[4:] if digits.startswith("0045") else digits
                if (
                    len(digits) in (8, 10)
                    and not (len(digits) == 8 and _looks_like_years(m.group(0)))
                    and not _ISO_DATE.fullmatch(m.group(0))
                ):
                    add(m, "PHONE")
        if "address" in self.kinds:
            for m in ADDRESS_RE.finditer(text):
                add(m, "ADDRESS")
        if "postcode" in self.kinds:
            for m in POSTCODE_RE.finditer(text):
                town = m.group(2).rstrip(".,").lower()
                if lexicon.is_place(town):
                    add(m, "ADDRESS")
        if "date" in self.kinds:
            for m in DATE_RE.finditer(text):
                year = m.group(3) or m.group(5)
                before = text[max(0, m.start() - 25) : m.start()]
                born_year = m.group(3) is not None and len(year) == 4 and int(year) < 2000
                if BIRTH_CONTEXT.search(before) or born_year:
                    add(m, "DATE")
        return out


def _looks_like_years(s: str) -> bool:
    """'2019 2020' or '1998-2003' are year ranges, not phone numbers."""
    parts = re.split(r"[ .-]", s.strip())
    return len(parts) == 2 and all(len(p) == 4 and p[:2] in ("19", "20") for p in parts)
