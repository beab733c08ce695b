"""Consistent replacements: one pseudonym per person, place or organisation per project.

Roster entries get a pseudonym by role ("[Borger 3]", "[Jobkonsulent 1]"); other names by
label ("[Navn 4]", "[By 2]", "[Arbejdsplads 1]"); identifiers a fixed tag ("[CPR]").
A genitive stays a genitive ("[Borger 3]s"). Keys can be hashed by the caller so that the
state kept in the database holds no clear name.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .propernouns import base_form
from .spans import RosterEntry, Span

ROLE_NAMES = {
    "borger": "Borger",
    "citizen": "Borger",
    "deltager": "Borger",
    "participant": "Borger",
    "jobkonsulent": "Jobkonsulent",
    "jk": "Jobkonsulent",
    "job consultant": "Jobkonsulent",
    "fysioterapeut": "Fysioterapeut",
    "physiotherapist": "Fysioterapeut",
    "ergoterapeut": "Ergoterapeut",
    "sygeplejerske": "Sygeplejerske",
    "nurse": "Sygeplejerske",
    "læge": "Læge",
    "doctor": "Læge",
    "socialrådgiver": "Socialrådgiver",
    "psykolog": "Psykolog",
    "koordinator": "Koordinator",
    "forløbskoordinator": "Koordinator",
    "interviewer": "Interviewer",
    "leder": "Leder",
    "pårørende": "Pårørende",
}
LABEL_NAMES = {"PERSON": "Navn", "PLACE": "By", "ORGANISATION": "Arbejdsplads"}
FIXED = {
    "ADDRESS": "[Adresse]",
    "CPR": "[CPR]",
    "PHONE": "[Telefon]",
    "EMAIL": "[E-mail]",
    "URL": "[Link]",
    "DATE": "[Dato]",
}
_PSEUDONYM_RE = re.compile(r"^\[(.+?) (\d+)\]$")


def role_name(role: str | None) -> str | None:
    if not role:
        return None
    r = role.strip().lower()
    return ROLE_NAMES.get(r, role.strip()[:1].upper() + role.strip()[1:])


def surface_key(label: str, surface: str) -> str:
    """The normalised key of a name: label + lower case, genitive stripped."""
    words = surface.lower().split()
    if words:
        words[-1] = base_form(words[-1]) if label == "PERSON" else words[-1]
    return f"{label}:{' '.join(words)}"


def is_genitive(surface: str, names: set[str] | None = None) -> bool:
    last = surface.split()[-1] if surface.split() else surface
    low = last.lower()
    if low.endswith(("'s", "’s")):
        return True
    return low.endswith("s") and names is not None and base_form(low) in names and low not in names


class Pseudonymiser:
    """Hands out pseudonyms; ``known`` maps (hashed) keys to pseudonyms already in use."""

    def __init__(
        self,
        roster: list[RosterEntry] | None = None,
        known: dict[str, str] | None = None,
        hasher: Callable[[str], str] | None = None,
    ) -> None:
        self.hasher = hasher or (lambda k: k)
        self.known: dict[str, str] = dict(known or {})
        self.roster = {f"roster:{e.key or e.name}": e for e in (roster or [])}
        self.roster_parts = {p.lower() for e in (roster or []) for p in e.name.split()}
        self.counters: dict[str, int] = {}
        given = [
            e.pseudonym if e.pseudonym.startswith("[") else f"[{e.pseudonym}]"
            for e in (roster or [])
            if e.pseudonym
        ]
        for p in [*self.known.values(), *given]:
            m = _PSEUDONYM_RE.match(p)
            if m:
                self.counters[m.group(1)] = max(self.counters.get(m.group(1), 0), int(m.group(2)))
        self._person_parts: dict[str, str] = {}  # first/last name -> key of a full name seen

    def key_for(self, span: Span) -> str:
        if span.key:
            return span.key
        key = surface_key(span.label, span.text)
        if span.label == "PERSON":
            words = key.split(":", 1)[1].split()
            if len(words) > 1:
                for w in words:
                    self._person_parts.setdefault(w, key)
            elif words and words[0] in self._person_parts:
                return self._person_parts[words[0]]
        return key

    def pseudonym(self, key: str, label: str) -> str:
        h = self.hasher(key)
        if h in self.known:
            return self.known[h]
        entry = self.roster.get(key)
        if entry is not None and entry.pseudonym:
            p = entry.pseudonym if entry.pseudonym.startswith("[") else f"[{entry.pseudonym}]"
        elif label in FIXED:
            return FIXED[label]
        else:
            cat = (role_name(entry.role) if entry is not None else None) or LABEL_NAMES.get(
                label, "Navn"
            )
            n = self.counters.get(cat, 0) + 1
            self.counters[cat] = n
            p = f"[{cat} {n}]"
        self.known[h] = p
        return p

    def part_links(self) -> dict[str, str]:
        """(Hashed) key of each first or last name -> the pseudonym of the full name it was
        part of, so a later mention of the first name alone gets the same pseudonym."""
        out = {}
        for word, key in self._person_parts.items():
            p = self.known.get(self.hasher(key))
            if p is not None:
                out[self.hasher(f"PERSON:{word}")] = p
        return out

    def assign(self, spans: list[Span]) -> list[Span]:
        """Set ``replacement`` on each span (genitive kept) and return them."""
        for s in spans:  # full names first, so "Pernille" before "Pernille Krogh" joins it
            if s.label == "PERSON" and not s.key and len(s.text.split()) > 1:
                self.key_for(s)
        for s in spans:
            if s.label in FIXED:
                s.replacement = FIXED[s.label]
                continue
            p = self.pseudonym(self.key_for(s), s.label)
            names = self.roster_parts | set(self._person_parts)
            if s.label == "PERSON" and is_genitive(s.text, names | _lexicon_names()):
                p += "s"
            s.replacement = p
        return spans


def _lexicon_names() -> set[str]:
    from .lexicon import load

    lex = load()
    return lex.first_names | lex.surnames  # type: ignore[return-value]


def redact(text: str, spans: list[Span]) -> str:
    """The text with every span replaced by its replacement (spans must not overlap)."""
    out, pos = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < pos:
            continue
        out.append(text[pos : s.start])
        out.append(s.replacement if s.replacement is not None else FIXED.get(s.label, "[Navn]"))
        pos = s.end
    out.append(text[pos:])
    return "".join(out)
