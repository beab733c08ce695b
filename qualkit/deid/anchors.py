"""Decisions anchored to the text they were made on: pure offset logic, no store.

A de-identification decision points at ``text[start:end]`` of one version of a segment's
text. When the text changes, each decision either moves with its words (the same surface
at a shifted offset) or becomes stale; approval then refuses until a new proposal run. After
redaction, ``residual`` finds any surface a reviewer accepted for replacement that is still
in the text, so no path can produce approved text holding such a name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

Range = tuple[int, int]


def _overlaps(a: Range, taken: Iterable[Range]) -> bool:
    return any(a[0] < e and b < a[1] for b, e in taken)


def _word_bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


def occurrences(text: str, surface: str) -> list[Range]:
    """Every word-bounded occurrence of ``surface`` in ``text``."""
    if not surface:
        return []
    out = []
    for m in re.finditer(re.escape(surface), text):
        if _word_bounded(text, m.start(), m.end()):
            out.append((m.start(), m.end()))
    return out


def _mapped(old: str, new: str, start: int, end: int) -> Range | None:
    """Where ``old[start:end]`` lies in ``new`` when an equal block of the diff holds it whole."""
    sm = SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, _j2 in sm.get_opcodes():
        if tag == "equal" and i1 <= start and end <= i2:
            return start - i1 + j1, end - i1 + j1
    return None


def reanchor(old: str, new: str, start: int, end: int, taken: Iterable[Range] = ()) -> Range | None:
    """The new offsets of the decision on ``old[start:end]``, or None (stale).

    The span moves with its words where the diff keeps them intact; otherwise the nearest
    free word-bounded occurrence of the same surface is taken. Never an offset whose text
    differs from the surface the decision was made on.
    """
    if not (0 <= start < end <= len(old)):
        return None
    surface = old[start:end]
    taken = list(taken)
    bounded = _word_bounded(old, start, end)
    hit = _mapped(old, new, start, end)
    if (
        hit is not None
        and new[hit[0] : hit[1]] == surface
        and not _overlaps(hit, taken)
        and (not bounded or _word_bounded(new, *hit))
    ):
        return hit
    free = [r for r in occurrences(new, surface) if not _overlaps(r, taken)]
    if not free:
        return None
    expected = start + (len(new) - len(old)) * start / max(1, len(old))
    return min(free, key=lambda r: abs(r[0] - expected))


@dataclass(frozen=True)
class Anchor:
    """One decision's place: ``version`` is the segment text version its offsets refer to."""

    start: int | None
    end: int | None
    version: int | None
    stale: bool


@dataclass(frozen=True)
class SegmentState:
    number: int  # 1-based, as ``qualkit interviews show`` prints the turns
    version: int
    proposed_version: int | None
    anchors: tuple[Anchor, ...] = ()

    @property
    def ready(self) -> bool:
        """Proposals ran on this very text and every decision refers to it.

        A decision with a start but no end points at no words: it blocks like a stale one
        (a proposal run re-anchors it by its surface hash or drops it)."""
        if self.proposed_version is None or self.proposed_version != self.version:
            return False
        return all(
            not a.stale and (a.start is None or (a.end is not None and a.version == self.version))
            for a in self.anchors
        )


def not_ready(segments: Sequence[SegmentState]) -> list[int]:
    """Numbers of the segments that block approval."""
    return [g.number for g in segments if not g.ready]


def residual(
    texts: Sequence[str], surfaces: Iterable[str], cleared: Sequence[Iterable[Range]]
) -> list[tuple[int, str]]:
    """(segment index, surface) for each accepted surface still present in redacted text
    outside the spans a reviewer cleared (rejected) there."""
    out = []
    wanted = sorted({s for s in surfaces if s.strip()}, key=len, reverse=True)
    for i, text in enumerate(texts):
        ok = list(cleared[i]) if i < len(cleared) else []
        for surface in wanted:
            for b, e in occurrences(text, surface):
                if not any(cb <= b and e <= ce for cb, ce in ok):
                    out.append((i, surface))
                    break
    return out


def numbers_text(numbers: Sequence[int], limit: int = 20) -> str:
    """'2, 5 og 7' (Danish list), cut after ``limit`` numbers."""
    shown = [str(n) for n in numbers[:limit]]
    more = f" og {len(numbers) - limit} flere" if len(numbers) > limit else ""
    if len(shown) > 1 and not more:
        return ", ".join(shown[:-1]) + " og " + shown[-1]
    return ", ".join(shown) + more
