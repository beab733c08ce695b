"""The last check before anything leaves: run the de-identification recognisers again.

Every text an export is about to write is scanned with ``qualkit.deid.detect``. A
PERSON, CPR, PHONE or EMAIL finding that no reviewer has cleared stops the export,
listing the passages, unless the writer overrides that passage (the service audits
each override). Pseudonyms such as "[Borger 3]" are already de-identified and never
count. A reviewer clears a finding by rejecting it in the de-identification review
("Per uge" is not a person): either that very span of the segment, or the same surface
project-wide (matched by the keyed hash the review stores, never by clear text). An
*accepted* decision does not clear a finding: accepted means "replace it", so a surface
still present in the text is exactly what must not leave.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qualkit.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

BLOCKING = frozenset({"PERSON", "CPR", "PHONE", "EMAIL"})
# A bracketed replacement, with an optional genitive: "[Borger 3]", "[Navn 4]s", "[CPR]".
_PSEUDONYM = re.compile(r"\[[^\[\]\n]{1,60}\](?:s|'s)?")


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
    key: int
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

    @property
    def blocked(self) -> bool:
        return bool(self.findings)

    def blocked_keys(self) -> list[int]:
        return sorted({f.key for f in self.findings})

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
                else f"the title of interview {-k} (rename it, or override {k})"
            )
            shown.append(f"{what}: {labels}")
        more = f"; and {len(keys) - 20} more" if len(keys) > 20 else ""
        return (
            f"Export refused: {len(keys)} passage(s) hold unreviewed identifiers; review "
            f"them or override each with --override SEGMENT_ID: " + "; ".join(shown) + more
        )


def _detector() -> Callable[[str], list[Any]]:
    try:
        from qualkit import deid
    except ImportError as exc:  # pragma: no cover - the recognisers ship with qualkit
        raise InputError(
            "The de-identification recognisers (qualkit.deid) are not installed; "
            "nothing can be exported without the safety check."
        ) from exc
    return deid.detect


def _inside(spans: Iterable[tuple[int, int]], start: int, end: int) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def check(
    passages: Iterable[Passage],
    overrides: Iterable[int] = (),
    cleared: Callable[[str, str], bool] | None = None,
) -> SafetyReport:
    """Scan every passage; findings on overridden keys are reported apart, not blocking.

    ``cleared(label, surface)`` says whether a reviewer rejected that surface project-wide.
    """
    detect = _detector()
    allowed = set(overrides)
    report = SafetyReport()
    for p in passages:
        report.checked += 1
        if not p.text.strip():
            continue
        pseudonyms = [(m.start(), m.end()) for m in _PSEUDONYM.finditer(p.text)]
        for span in detect(p.text):
            if span.label not in BLOCKING:
                continue
            if _inside(pseudonyms, span.start, span.end) or _inside(
                p.reviewed, span.start, span.end
            ):
                continue
            if cleared is not None and cleared(span.label, p.text[span.start : span.end]):
                continue
            f = Finding(
                p.key, p.where, span.label, span.start, span.end, p.text[span.start : span.end]
            )
            (report.overridden if p.key in allowed else report.findings).append(f)
    return report
