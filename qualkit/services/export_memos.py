"""The quote set's appendix "Memoer" (``qualkit export quotes --memos``): the memos the
exporting user may read and that may leave (services/memos.export_notes: about de-identified
interviews of participants who have not withdrawn, links into such interviews only), each
with its title, date, author as a role label ("evaluator 1", never a name) and the references
of its linked passages ("Interview 3, tur 4"). Titles and texts are passages of the export's
safety check, exactly as quotes are."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.exports import safety
from qualkit.exports.quotes_docx import MemoEntry
from qualkit.messages import label
from qualkit.store.models import Interview, Project, User

from .attestation import attested_strings, sha
from .context import Context
from .export_policy import interview_label, project_codes

MEMO_KEY_BASE = 1_000_000_000  # memo findings get keys of their own (-(base + memo id))


def memo_key(memo_id: int) -> int:
    """The safety-check key of a memo's title and text: never a segment's or a title's key,
    so an override given for a quote never waves a memo through."""
    return -(MEMO_KEY_BASE + memo_id)


def appendix_memos(s: Session, ctx: Context) -> tuple[list[MemoEntry], list[safety.Passage]]:
    """The appendix entries and the passages the safety check must read for them."""
    from . import memos

    views = memos.export_notes(ctx)
    ivs = {
        iv.id: iv
        for iv in s.scalars(select(Interview).where(Interview.project_id == ctx.project_id))
    }
    codes = project_codes(s, ctx.project_id)
    by_key = {c.key: c.name for c in codes.values()}
    roles = dict(s.execute(select(User.username, User.role)).all())
    numbers: dict[str, str] = {}
    for author in sorted({m.author for m in views if m.author}):
        role = label("role", roles.get(author) or "")
        n = sum(1 for v in numbers.values() if v.rsplit(" ", 1)[0] == role) + 1
        numbers[author] = f"{role} {n}" if role else f"forfatter {n}"
    attested = attested_strings(getattr(s.get(Project, ctx.project_id), "settings", None))
    entries: list[MemoEntry] = []
    passages: list[safety.Passage] = []
    for m in views:
        if m.kind == "interview" and m.interview_id in ivs:
            about = interview_label(ivs[m.interview_id])
        elif m.kind == "code" and m.code_id in codes:
            about = f"Kode: {codes[m.code_id].name}"
        else:
            about = ""
        refs = []
        for ln in m.links:
            bits = []
            if ln.interview_id in ivs:
                bits.append(interview_label(ivs[ln.interview_id]))
                if ln.number:
                    bits.append(f"tur {ln.number}")
            if ln.code_key:
                bits.append(f"kode {by_key.get(ln.code_key, ln.code_key)}")
            if bits:
                refs.append(", ".join(bits))
        entries.append(
            MemoEntry(
                str(m.kind),
                m.title,
                m.body,
                m.created_at.date(),
                numbers.get(m.author, "ukendt forfatter"),
                about,
                tuple(refs),
            )
        )
        for text in (m.title, m.body):
            whole = ((0, len(text)),) if sha(text) in attested else ()
            passages.append(safety.Passage(memo_key(m.id), text, f"Memo {m.id}", whole))
    return entries, passages
