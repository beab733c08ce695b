"""Direct identifiers in a table (a participant register): by column header and by content.

A register may carry descriptive attributes (sex, age, diagnosis group) but never names, CPR
numbers, addresses, phone numbers or e-mail addresses: those belong in the key vault. This
module finds such columns; the register import refuses the file, naming them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .patterns import _ISO_DATE, ADDRESS_RE, CPR_RE, DATE_RE, EMAIL_RE, PHONE_RE, _valid_cpr

_HEADERS = {
    "navn": "navn",
    "name": "navn",
    "fornavn": "navn",
    "efternavn": "navn",
    "mellemnavn": "navn",
    "fulde navn": "navn",
    "fuldt navn": "navn",
    "full name": "navn",
    "first name": "navn",
    "last name": "navn",
    "surname": "navn",
    "cpr": "CPR-nummer",
    "cpr-nummer": "CPR-nummer",
    "cprnummer": "CPR-nummer",
    "cpr nummer": "CPR-nummer",
    "cpr_nr": "CPR-nummer",
    "cpr-nr": "CPR-nummer",
    "cpr nr": "CPR-nummer",
    "personnummer": "CPR-nummer",
    "adresse": "adresse",
    "address": "adresse",
    "bopæl": "adresse",
    "vejnavn": "adresse",
    "gade": "adresse",
    "telefon": "telefonnummer",
    "telefonnummer": "telefonnummer",
    "tlf": "telefonnummer",
    "tlf.": "telefonnummer",
    "tlf nr": "telefonnummer",
    "mobil": "telefonnummer",
    "mobilnummer": "telefonnummer",
    "phone": "telefonnummer",
    "e-mail": "e-mail",
    "email": "e-mail",
    "mail": "e-mail",
    "e-mailadresse": "e-mail",
}


@dataclass(frozen=True)
class IdentifierColumn:
    column: str
    kind: str  # navn, CPR-nummer, adresse, telefonnummer, e-mail
    by: str  # "overskrift" | "indhold"


def _norm(header: str) -> str:
    return re.sub(r"[\s_]+", " ", header.strip().lower())


def by_header(header: str) -> str | None:
    h = _norm(header)
    return _HEADERS.get(h) or _HEADERS.get(h.replace(" ", "")) or _HEADERS.get(h.replace(" ", "-"))


def _pattern_kind(value: str) -> str | None:
    v = value.strip()
    m = CPR_RE.search(v)
    if m and _valid_cpr(m.group(1), m.group(3), m.group(4)):
        return "CPR-nummer"
    if EMAIL_RE.search(v):
        return "e-mail"
    m = PHONE_RE.fullmatch(v)
    if (
        m
        and not _ISO_DATE.fullmatch(v)
        and not DATE_RE.fullmatch(v)
        and len(re.sub(r"\D", "", v).removeprefix("0045")) in (8, 10)
    ):
        return "telefonnummer"
    if ADDRESS_RE.search(v):
        return "adresse"
    return None


def _is_name(value: str, detect) -> bool:
    v = value.strip()
    if len(v.split()) < 2:
        return False
    spans = [s for s in detect(v) if s.label == "PERSON" and s.source != "capitalisation"]
    return any(s.start == 0 and s.end >= len(v) - 1 for s in spans)


def identifier_columns(
    columns: Sequence[str], rows: Iterable[dict[str, str]], *, sample: int = 50, detect=None
) -> list[IdentifierColumn]:
    """Columns that hold direct identifiers, by header, else by content (a sample of values:
    any CPR number, e-mail, phone or address; or at least half of them full names)."""
    out: list[IdentifierColumn] = []
    rows = list(rows)
    for col in columns:
        kind = by_header(col)
        if kind:
            out.append(IdentifierColumn(col, kind, "overskrift"))
            continue
        values = [r.get(col, "") for r in rows if (r.get(col) or "").strip()][:sample]
        if not values:
            continue
        kinds = [k for k in (_pattern_kind(v) for v in values) if k]
        if kinds:
            out.append(IdentifierColumn(col, kinds[0], "indhold"))
            continue
        if detect is None:
            from . import detect as default_detect

            detect = default_detect
        names = sum(_is_name(v, detect) for v in values)
        if names and names * 2 >= len(values):
            out.append(IdentifierColumn(col, "navn", "indhold"))
    return out
