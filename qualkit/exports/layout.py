"""An imported source's text as segments, kept exactly: lead + (prefix + text + trail)*.

A source becomes one segment per non-blank line; the line breaks and blank lines after it
are its ``trail``. Speaker turns (``[hh:mm:ss] SPEAKER: text``) are recognised only where
asked; the label then becomes the segment's ``prefix``, except on a line where a selection
starts or ends inside the label (the selection's offsets must not change). Joined again, the
pieces give the file's text character for character, so positions keep their meaning.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from qualkit.transcripts.textformat import _TURN, parse_timestamp

_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|$)")


@dataclass(frozen=True)
class Piece:
    prefix: str
    text: str
    trail: str
    speaker: str | None = None
    time: float | None = None


@dataclass(frozen=True)
class Layout:
    lead: str
    pieces: tuple[Piece, ...]

    def starts(self) -> list[int]:
        """The offset of each piece's text in the whole text."""
        out, pos = [], len(self.lead)
        for p in self.pieces:
            pos += len(p.prefix)
            out.append(pos)
            pos += len(p.text) + len(p.trail)
        return out

    def text(self) -> str:
        return rebuild(self.lead, ((p.prefix, p.text, p.trail) for p in self.pieces))


def rebuild(lead: str, pieces: Iterable[tuple[str, str, str]]) -> str:
    return lead + "".join(a + b + c for a, b, c in pieces)


def lay_out(text: str, *, speakers: bool = False, endpoints: Iterable[int] = ()) -> Layout:
    """Split ``text`` into pieces; ``endpoints`` are selection starts/ends (code points)."""
    ends = sorted(set(endpoints))
    lead = ""
    pieces: list[list] = []  # [prefix, text, trail, speaker, time]
    pos = 0
    for m in _LINE.finditer(text):
        content, brk = m.group(1), m.group(2)
        if not content and not brk:
            break
        line_start = pos
        pos += len(content) + len(brk)
        if not content.strip():
            if pieces:
                pieces[-1][2] += content + brk
            else:
                lead += content + brk
            continue
        prefix, body, speaker, time = "", content, None, None
        if speakers:
            turn = _TURN.match(content)
            if turn is not None and turn.group(3).strip():
                cut = turn.start(3)
                i = bisect_right(ends, line_start)  # endpoints after the line start ...
                inside = i < len(ends) and ends[i] < line_start + cut  # ... inside the label
                if not inside and line_start not in ends:
                    prefix, body = content[:cut], content[cut:]
                    speaker = turn.group(2).strip()
                    time = parse_timestamp(turn.group(1)) if turn.group(1) else None
        pieces.append([prefix, body, brk, speaker, time])
    return Layout(lead, tuple(Piece(*p) for p in pieces))


def place(
    starts: Sequence[int], lengths: Sequence[int], start: int, end: int
) -> list[tuple[int, int | None, int | None]]:
    """A selection [start, end) -> (piece index, start_char, end_char) per piece whose text it
    touches; the char span is None where it covers the piece's whole text."""
    hits: list[tuple[int, int | None, int | None]] = []
    i = max(bisect_right(starts, start) - 1, 0)
    while i < len(starts) and starts[i] < end:
        s, e = max(start, starts[i]), min(end, starts[i] + lengths[i])
        if s < e:
            if s == starts[i] and e == starts[i] + lengths[i]:
                hits.append((i, None, None))
            else:
                hits.append((i, s - starts[i], e - starts[i]))
        i += 1
    return hits


def render_turns(turns: list[tuple[str | None, float | None, str]]) -> tuple[str, list[int]]:
    """Turns of a qualkit transcript -> the source's plain text (transcript format, one turn
    a paragraph) and each turn's text offset.

    Line breaks inside a turn become spaces (same length, so offsets inside it hold)."""
    from qualkit.transcripts.textformat import format_timestamp

    parts: list[str] = []
    offsets: list[int] = []
    pos = 0
    for speaker, start, text in turns:
        prefix = f"[{format_timestamp(start)}] " if start is not None else ""
        prefix += f"{speaker}: " if speaker else ""
        if pos:
            parts.append("\n\n")
            pos += 2
        offsets.append(pos + len(prefix))
        line = prefix + text.replace("\r", " ").replace("\n", " ")
        parts.append(line)
        pos += len(line)
    return "".join(parts) + "\n", offsets


def selection_ref(guid: str, start: int, end: int, hits: list[tuple[int, int, int]]) -> str:
    """What a coding stores of the selection it came from: the guid, and where the selection
    reaches beyond its pieces' text (line breaks it covers at either end), as
    ``guid|before|after``; ``hits`` are (piece index, text start, text end) in the whole text."""
    before, after = hits[0][1] - start, end - hits[-1][2]
    return guid if before == after == 0 else f"{guid}|{before}|{after}"


def parse_ref(ref: str) -> tuple[str, int, int]:
    guid, _, rest = ref.partition("|")
    before, _, after = rest.partition("|")
    try:
        return guid, int(before or 0), int(after or 0)
    except ValueError:
        return guid, 0, 0
