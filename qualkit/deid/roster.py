"""The roster recogniser: the project's participants and staff, matched exactly and fuzzily.

Transcription writes names in many ways: "Mettes" (genitive), "mette" (case),
"Mette" alone (first name only), "Mete" (misspelt). Each mention is tied to its roster
entry, so the entry's pseudonym replaces it everywhere.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from rapidfuzz import fuzz, process

from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.messages import os_reason

from .lexicon import NAME_WORDS, NOT_NAMES, UNIT_WORDS, Lexicon
from .propernouns import base_form, sentence_initial
from .spans import RosterEntry, Span

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .tokenizer import Token


def read_roster(path: str | Path) -> list[RosterEntry]:
    """ROSTER.csv: `name, role, pseudonym` (role and pseudonym optional), `,` or `;`."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(_msg("file.unreadable", path=path, reason=os_reason(exc))) from None
    return parse_roster(raw, str(path))


def parse_roster(raw: bytes, path: str = "roster") -> list[RosterEntry]:
    """Roster rows from the bytes of a CSV file (UTF-8, else Windows-1252)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    if not text.strip():
        raise InputError(f"{path}: navnelisten er tom.")
    first = text.splitlines()[0]
    delim = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delim)
    cols = {c.strip().lower(): c for c in (reader.fieldnames or []) if c}
    if "name" not in cols and "navn" not in cols:
        raise InputError(
            f"{path}, række 1: navnelisten har ingen kolonne 'name' eller 'navn' "
            f"(kolonner: {', '.join(cols) or 'ingen'})."
        )
    name_col = cols.get("name") or cols["navn"]
    role_col = cols.get("role") or cols.get("rolle")
    pseu_col = cols.get("pseudonym")
    entries = []
    for row in reader:
        name = (row.get(name_col) or "").strip()
        if not name:
            continue
        entries.append(
            RosterEntry(
                name=name,
                role=(row.get(role_col) or "").strip() or None if role_col else None,
                pseudonym=(row.get(pseu_col) or "").strip() or None if pseu_col else None,
            )
        )
    return entries


class RosterRecogniser:
    """Mentions of roster names: exact, genitive, lower case, first name only, fuzzy."""

    source = "roster"

    def __init__(self, fuzzy_score: float = 85.0, min_fuzzy_len: int = 4) -> None:
        self.fuzzy_score = fuzzy_score
        self.min_fuzzy_len = min_fuzzy_len

    def find(
        self, text: str, doc: Sequence[Token], lexicon: Lexicon, roster: list[RosterEntry]
    ) -> list[Span]:
        if not roster:
            return []
        parts: dict[str, str] = {}  # lower-case name part -> entry key
        for e in roster:
            key = e.key or e.name
            words = e.name.split()
            for part in [*words, *(p for w in words if "-" in w for p in w.split("-"))]:
                lp = part.lower().strip(".,")
                if len(lp) >= 2 and part not in NOT_NAMES:
                    parts.setdefault(lp, key)  # the first entry with this part wins
        # Initials used as speaker labels ("KB" for Kirsten Bak).
        initials = {
            "".join(p[0] for p in e.name.split()).upper(): e.key or e.name
            for e in roster
            if len(e.name.split()) >= 2
        }
        choices = [p for p in parts if len(p) >= self.min_fuzzy_len]
        hits: list[tuple[int, str]] = []
        for i, tok in enumerate(doc):
            w = tok.text
            if not w[:1].isalpha():
                continue
            lw = w.lower()
            hit = initials.get(w) or self._match(doc, i, w, lw, parts, choices, lexicon)
            if hit is not None:
                hits.append((i, hit))
        spans: list[Span] = []
        k = 0
        while k < len(hits):
            i, key = hits[k]
            j = k
            while (
                j + 1 < len(hits)
                and hits[j + 1][0] == hits[j][0] + 1
                and hits[j + 1][1] == key
                and doc[hits[j][0]].whitespace_ == " "
            ):
                j += 1
            start = doc[i].idx
            last = doc[hits[j][0]]
            end = last.idx + len(last.text)
            label = "PERSON"
            spans.append(Span(start, end, label, text[start:end], self.source, key=f"roster:{key}"))
            k = j + 1
        return spans

    def _match(
        self,
        doc: Sequence[Token],
        i: int,
        w: str,
        lw: str,
        parts: dict[str, str],
        choices: list[str],
        lex: Lexicon,
    ) -> str | None:
        for cand in (lw, base_form(lw)):
            if cand in parts:
                if w[:1].islower() and (
                    cand in NAME_WORDS or cand in lex.common or lw in lex.forms
                ):
                    return None  # "per", "at bo", "skov": ordinary words in lower case
                if cand in NAME_WORDS:
                    nxt = doc[i + 1] if i + 1 < len(doc) else None
                    if nxt is not None and nxt.text.lower() in UNIT_WORDS:
                        return None  # "Per uge", "Max to timer"
                return parts[cand]
        if len(lw) < 3 or not choices or lw in lex.common:
            return None
        if w[:1].isupper() and not sentence_initial(doc, i):
            # Nicknames: "Cami" for Camilla, "Flem" for Flemming; and from the end of the name,
            # "Nette" for Jeanette, even where the nickname is also a word ("nette").
            word = lex.is_word(lw)
            for p in choices:
                if not word and p.startswith(lw) and len(p) - len(lw) <= 4:
                    return parts[p]
                if len(lw) >= 4 and p.endswith(lw) and len(p) - len(lw) <= 3:
                    return parts[p]
        if len(lw) < self.min_fuzzy_len:
            return None
        if w[:1].islower() and lex.frequency(lw) > 0:
            return None
        if lw in lex.forms and (w[:1].islower() or sentence_initial(doc, i)):
            return None  # a correctly spelt Danish word is no misspelt name
        for cand in (lw, base_form(lw)):
            best = process.extractOne(
                cand, choices, scorer=fuzz.ratio, score_cutoff=self.fuzzy_score
            )
            if best is not None:
                return parts[best[0]]
        return None
