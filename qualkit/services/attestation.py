"""The importer's attestation (``import qdpx --deidentified``): text attested as de-identified
counts as reviewed in every export's safety check while it is unchanged.

A segment carries the SHA-256 of the text that was attested (``Segment.attested_sha``); an
imported interview carries the hash of its attested title (``Interview.exchange``). A passage
whose segment still has that text (a quote is a part of it) needs no second look; a memo, an
edit or anything added in qualkit does not match and is checked as usual.
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


def drop_attested(s: Session, passages: list[safety.Passage]) -> list[safety.Passage]:
    """The passages that still need the recognisers: attested, unchanged text is left out."""
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
        if p.key > 0 and p.key in texts and p.text and p.text in texts[p.key]:
            continue
        if p.key < 0 and titles.get(-p.key) == p.text:
            continue
        out.append(p)
    return out
