"""The transcript text format of docs/DESIGN.md: `[hh:mm:ss] SPEAKER: text`, one turn a paragraph.

Tolerant of the labels the field writes ("Interviewer:", "I:", "B 14:", "JK3:",
"Borger3:", "KB:"); bracketed annotations such as `[griner]` stay in the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A label is one capitalised word (letters/digits), optionally followed by a number
# or one more capitalised word: "I", "B03", "B 14", "Borger 3", "Interviewer 2".
_LABEL = r"[A-ZÆØÅ][\wÆØÅæøå'-]{0,19}(?: (?:\d{1,3}|[A-ZÆØÅ][\wæøå]{0,15}))?"
_TIME = r"\[?(\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?)\]?"
_TURN = re.compile(rf"^\s*(?:{_TIME}\s+)?(?:({_LABEL})\s*:\s*)(.*)$")
_TIME_ONLY = re.compile(rf"^\s*{_TIME}\s+(.*)$")


@dataclass
class Turn:
    speaker: str | None
    text: str
    start: float | None = None
    end: float | None = None


def parse_timestamp(value: str) -> float:
    """'01:02:03' -> 3723.0; 'mm:ss' and fractional seconds accepted."""
    parts = value.replace(",", ".").split(":")
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def format_timestamp(seconds: float | None) -> str:
    if seconds is None:
        return ""
    s = int(round(seconds))
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _match_turn(line: str) -> Turn | None:
    m = _TURN.match(line)
    if m:
        stamp, label, text = m.groups()
        return Turn(label.strip(), text.strip(), parse_timestamp(stamp) if stamp else None)
    m = _TIME_ONLY.match(line)
    if m:
        return Turn(None, m.group(2).strip(), parse_timestamp(m.group(1)))
    return None


def parse_transcript(text: str) -> list[Turn]:
    """Split transcript text into turns; unlabelled lines continue the turn above them
    unless a blank line separates them, in which case they start an unlabelled turn."""
    turns: list[Turn] = []
    blank_before = True
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = raw.strip()
        if not line:
            blank_before = True
            continue
        turn = _match_turn(line)
        if turn is not None:
            turns.append(turn)
        elif turns and not blank_before:
            turns[-1].text = f"{turns[-1].text} {line}".strip()
        else:
            turns.append(Turn(None, line))
        blank_before = False
    # An end time is the next turn's start where both are known.
    for cur, nxt in zip(turns, turns[1:], strict=False):
        if cur.start is not None and nxt.start is not None and nxt.start >= cur.start:
            cur.end = nxt.start
    return turns


def format_transcript(turns: list[Turn], with_times: bool = True) -> str:
    lines = []
    for t in turns:
        prefix = f"[{format_timestamp(t.start)}] " if with_times and t.start is not None else ""
        label = f"{t.speaker}: " if t.speaker else ""
        lines.append(f"{prefix}{label}{t.text}")
    return "\n\n".join(lines) + "\n"
