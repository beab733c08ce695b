"""The span and roster types shared by every recogniser, and overlap resolution."""

from __future__ import annotations

from dataclasses import dataclass

LABELS = ("PERSON", "PLACE", "ORGANISATION", "ADDRESS", "CPR", "PHONE", "EMAIL", "URL", "DATE")
NAME_LABELS = frozenset({"PERSON", "PLACE", "ORGANISATION"})

# Which recogniser wins when spans overlap (lower is stronger).
SOURCE_PRIORITY = {
    "pattern": 0,
    "roster": 1,
    "manual": 1,
    "ner": 2,
    "gazetteer": 3,
    "capitalisation": 4,
}


@dataclass
class Span:
    """A proposed identifying span: Python string offsets into the text it came from."""

    start: int
    end: int
    label: str
    text: str
    source: str
    replacement: str | None = None
    # Groups mentions of one entity (a roster entry, or a normalised surface) for pseudonyms.
    key: str | None = None

    def as_dict(self) -> dict:
        return {
            "start": self.start,
            "end": self.end,
            "label": self.label,
            "text": self.text,
            "source": self.source,
            "replacement": self.replacement,
        }


@dataclass(frozen=True)
class RosterEntry:
    """A participant or staff member of the project: their name, role and pseudonym."""

    name: str
    role: str | None = None
    pseudonym: str | None = None
    key: str | None = None  # stable id (citizen id, user id); defaults to the name


def resolve(spans: list[Span], text: str) -> list[Span]:
    """Overlapping proposals -> one span each, sorted.

    Pattern spans (CPR, phone, address, ...) are resolved first, longest first; name-like
    spans overlapping one are dropped. Overlapping name-like spans are joined into their
    union, taking label and source from the strongest recogniser among them.
    """
    fixed = sorted(
        (s for s in spans if s.label not in NAME_LABELS),
        key=lambda s: (SOURCE_PRIORITY.get(s.source, 5), -(s.end - s.start), s.start),
    )
    chosen: list[Span] = []
    for s in fixed:
        if all(s.end <= c.start or s.start >= c.end for c in chosen):
            chosen.append(s)
    names = sorted(
        (
            s
            for s in spans
            if s.label in NAME_LABELS and all(s.end <= c.start or s.start >= c.end for c in chosen)
        ),
        key=lambda s: (s.start, -s.end),
    )
    groups: list[list[Span]] = []
    for s in names:
        if groups and s.start < max(g.end for g in groups[-1]):
            groups[-1].append(s)
        else:
            groups.append([s])
    for g in groups:
        best = min(g, key=lambda s: (SOURCE_PRIORITY.get(s.source, 5), -(s.end - s.start)))
        start, end = min(s.start for s in g), max(s.end for s in g)
        chosen.append(
            Span(start, end, best.label, text[start:end], best.source, best.replacement, best.key)
        )
    return sorted(chosen, key=lambda s: (s.start, s.end))
