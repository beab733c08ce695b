"""The importer's attestation (``import qdpx --deidentified``): text attested as de-identified
counts as reviewed in every export's safety check while it is unchanged.

A segment carries the SHA-256 of the text that was attested (``Segment.attested_sha``); an
imported interview carries the hash of its attested title (``Interview.exchange``). A passage
whose segment still has that text (a quote is a part of it) counts as reviewed in full, so
its names are let through in both passes of the safety check (the passages, then the
written file); a memo, an edit or anything added in qualkit does not match and is checked
as usual.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.exports import safety
from qualkit.store.models import Interview, Segment

_CHUNK = 500


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def mark_attested(s: Session, passages: list[safety.Passage]) -> list[safety.Passage]:
    """The passages, attested unchanged text marked as reviewed in full."""
    seg_ids = sorted({p.key for p in passages if p.key > 0})
    iv_ids = sorted({-p.key for p in passages if p.key < 0})
    texts: dict[int, str] = {}
    for chunk in _chunks(seg_ids):
        for sid, text, digest in s.execute(
            select(Segment.id, Segment.text, Segment.attested_sha).where(
                Segment.id.in_(chunk), Segment.attested_sha.is_not(None)
            )
        ):
            if digest == sha(text or ""):
                texts[sid] = text or ""
    titles: dict[int, str] = {}
    for chunk in _chunks(iv_ids):
        for iid, title, exchange in s.execute(
            select(Interview.id, Interview.title, Interview.exchange).where(Interview.id.in_(chunk))
        ):
            digest = ((exchange or {}).get("attested") or {}).get("title_sha")
            if digest and digest == sha(title or ""):
                titles[iid] = title or ""
    if not texts and not titles:
        return passages
    out = []
    for p in passages:
        whole = ((0, len(p.text)),)
        if p.key > 0 and p.key in texts and p.text and p.text in texts[p.key]:
            p = safety.Passage(p.key, p.text, p.where, whole)
        elif p.key < 0 and titles.get(-p.key) == p.text:
            p = safety.Passage(p.key, p.text, p.where, whole)
        out.append(p)
    return out


ATTESTED = "refi_attested"  # Project.settings key: what an importer attested, as hashes


def code_fingerprint(name: str, *details: str) -> str:
    """One hash for a code's words as imported (name, description, include, exclude, example):
    while they are unchanged, the code's name and Description count as attested."""
    return sha("\x1f".join([name, *details]))


def attested_strings(settings: dict | None) -> frozenset[str]:
    return frozenset(((settings or {}).get(ATTESTED) or {}).get("strings") or ())


def attested_passages(strings: list[str], attested: frozenset[str]) -> list[safety.Passage]:
    """Passages, reviewed in full, for exported strings (names, descriptions) that came with
    an attested file: both passes of the safety check then let their names through."""
    return [
        safety.Passage(0, text, "attesteret import", ((0, len(text)),))
        for text in dict.fromkeys(strings)
        if text and sha(text) in attested
    ]
