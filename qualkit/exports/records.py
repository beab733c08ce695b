"""The plain records exporters work on, and the descriptor line under each quote.

A descriptor is built only from the attributes the writer picks, so a report shows
"Borger 3, kvinde i 40'erne, indsatsgruppe, kræft" and never more than was chosen.
Ages are shown as decades: an exact age narrows a small group down too far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from qualkit.transcripts.textformat import format_timestamp

AGE_KEYS = ("alder", "age")
SEX_KEYS = ("køn", "kon", "sex", "gender")
ARM_LABELS = {
    "indsats": "indsatsgruppe",
    "intervention": "indsatsgruppe",
    "kontrol": "kontrolgruppe",
    "control": "kontrolgruppe",
}
FRAMEWORK_LABELS = {
    "reach": "Rækkevidde (reach)",
    "effectiveness": "Effekt (effectiveness)",
    "adoption": "Adoption",
    "implementation": "Implementering (implementation)",
    "maintenance": "Vedligeholdelse (maintenance)",
    "fidelity": "Fidelitet (fidelity)",
    "mechanism": "Virkningsmekanismer",
    "context": "Kontekst",
    "theme": "Temaer",
}
# Descriptor choices offered to the writer besides the participant attributes.
BUILTIN_FIELDS = {"label": "Rolle/pseudonym", "arm": "Arm", "site": "Sted", "wave": "Bølge"}


@dataclass
class Descriptor:
    """Who speaks in a quote, as far as a descriptor may say."""

    label: str  # "Borger 3", "Jobkonsulent", "Interviewer"
    is_citizen: bool
    person_key: str  # for counting distinct speakers; never printed
    arm: str | None = None
    site: str | None = None
    wave: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Quote:
    """One consensus-coded passage, ready to print (text already de-identified)."""

    consensus_id: int
    segment_id: int
    code_id: int
    code_name: str
    code_position: int
    framework: str
    theme_id: int  # the top-level code of the code's tree
    theme_name: str
    theme_position: int
    text: str
    who: Descriptor
    interview_id: int
    interview_label: str  # "Interview 4 (bølge 1, 12-03-2025)"
    start: float | None = None
    starred: bool = False
    memo: str = ""
    # An exchange: the turns before the quoted one (speaker label, text), e.g. the question.
    context: tuple[tuple[str, str], ...] = ()

    @property
    def source_ref(self) -> str:
        stamp = format_timestamp(self.start)
        return f"{self.interview_label}, {stamp}" if stamp else self.interview_label


def age_decade(value: Any) -> str | None:
    """44 -> "40'erne"; unparseable or implausible ages give None (never the raw value)."""
    m = re.match(r"^\s*(\d{1,3})", str(value if value is not None else ""))
    if not m:
        return None
    age = int(m.group(1))
    if not 10 <= age < 110:
        return None
    return f"{age // 10 * 10}'erne"


def _find(attrs: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    lowered = {k.lower(): k for k in attrs}
    for key in keys:
        if key in lowered and str(attrs[lowered[key]]).strip():
            return lowered[key], attrs[lowered[key]]
    return None, None


def describe(who: Descriptor, fields: list[str]) -> str:
    """The descriptor line, in the order the writer chose the fields.

    Sex and age merge into one phrase ("kvinde i 40'erne"); arms read as groups
    ("indsatsgruppe"). Staff quotes carry their role only: staff groups are small.
    """
    parts: list[str] = []
    attrs = who.attributes if who.is_citizen else {}
    sex_key, sex = _find(attrs, SEX_KEYS)
    age_key, age = _find(attrs, AGE_KEYS)
    chosen = [f.lower() for f in fields]
    for f in chosen:
        if f == "label":
            parts.append(who.label)
        elif not who.is_citizen:
            continue
        elif f == "arm" and who.arm:
            parts.append(ARM_LABELS.get(who.arm.strip().lower(), who.arm))
        elif f == "site" and who.site:
            parts.append(who.site)
        elif f == "wave" and who.wave is not None:
            parts.append(f"bølge {who.wave}")
        elif sex_key and f == sex_key.lower():
            decade = age_decade(age) if age_key and age_key.lower() in chosen else None
            parts.append(f"{str(sex).strip()} i {decade}" if decade else str(sex).strip())
        elif age_key and f == age_key.lower():
            if sex_key and sex_key.lower() in chosen:
                continue  # merged into the sex phrase
            decade = age_decade(age)
            if decade:
                parts.append(f"i {decade}")
        else:
            key = next((k for k in attrs if k.lower() == f), None)
            if key is not None and str(attrs[key]).strip():
                parts.append(str(attrs[key]).strip())
    if not parts:
        parts.append(who.label)
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def count_line(quotes: list[Quote]) -> str:
    """ "12 citater fra 7 borgere" (plus staff, where staff are quoted)."""
    n = len(quotes)
    citizens = {q.who.person_key for q in quotes if q.who.is_citizen}
    staff = {q.who.person_key for q in quotes if not q.who.is_citizen}
    head = f"{n} {'citat' if n == 1 else 'citater'} fra "
    bits = []
    if citizens or not staff:
        bits.append(f"{len(citizens)} {'borger' if len(citizens) == 1 else 'borgere'}")
    if staff:
        bits.append(f"{len(staff)} {'medarbejder' if len(staff) == 1 else 'medarbejdere'}")
    return head + " og ".join(bits)
