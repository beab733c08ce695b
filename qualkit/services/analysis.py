"""Analysis of codings: frequencies by document, participant attribute and framework
dimension; co-occurrence; a codes x participants matrix keyed by citizen_id.

The source is the consensus coding (default; writers may read it) or every
coder's codings (evaluators, after comparing). Counts are numbers of coded
segments: a segment coded twice with the same code (two coders, two spans)
counts once per code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from qualkit.errors import InputError
from qualkit.store.models import (
    Code,
    Codebook,
    Coding,
    ConsensusCoding,
    Interview,
    Participant,
    Segment,
)

from ._record import Record
from .context import Context

SOURCES = ("consensus", "coders")
# Dimensions a frequency table can be split by (the key -> a column of the long table).
DIMENSIONS = {
    "document": "document",
    "arm": "arm",
    "site": "site",
    "role": "role",
    "diagnosis": "diagnosis",
    "framework": "framework",
}
DIAGNOSIS_KEYS = ("diagnosegruppe", "diagnosis_group", "diagnosis", "diagnose")
LONG_COLUMNS = [
    "interview_id",
    "document",
    "segment_id",
    "code",
    "code_name",
    "framework",
    "codebook",
    "citizen_id",
    "arm",
    "site",
    "role",
    "diagnosis",
]


def _require(ctx: Context, source: str) -> None:
    if source not in SOURCES:
        raise InputError(f"Kilden '{source}' er ikke en af {', '.join(SOURCES)}.")
    ctx.require("consensus.read" if source == "consensus" else "coding.compare")


def _readable(s, ctx: Context, source: str) -> list:
    """The read policy (services/read_policy.py): which interviews and whose codings."""
    from .read_policy import Read, codings, interviews

    if source == "consensus":
        return [interviews(ctx, Read.CONSENSUS)]
    return [interviews(ctx), codings(s, ctx)]


def coded_segments(ctx: Context, source: str = "consensus") -> pd.DataFrame:
    """One row per (segment, code) with the document's and the speaker's attributes.

    Each turn's role, citizen, arm and site come from its speaker (services.speakers): in a
    focus group each citizen speaks for themselves, and an interviewer's turn never counts as
    the citizen's; a field note or document is its kind, never a citizen."""
    from .speakers import CITIZEN_ROLE, role_of_turn, turn_roles

    _require(ctx, source)
    table = ConsensusCoding if source == "consensus" else Coding
    with ctx.db.session() as s:
        rows = s.execute(
            select(
                Interview.id,
                table.segment_id,
                Segment.speaker,
                Code.key,
                Code.name,
                Code.framework,
                Codebook.name,
            )
            .join(Segment, table.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .join(Code, table.code_id == Code.id)
            .join(Codebook, Code.codebook_id == Codebook.id)
            .outerjoin(Participant, Interview.participant_id == Participant.id)
            .where(*_readable(s, ctx, source))
        ).all()
        ivs = {
            iv.id: iv
            for iv in s.scalars(
                select(Interview).where(Interview.id.in_({r[0] for r in rows}))
            ).all()
        }
        people = {
            p.id: p
            for p in s.scalars(select(Participant).where(Participant.project_id == ctx.project_id))
        }
        roles = {iid: turn_roles(s, iv) for iid, iv in ivs.items()}
        data = []
        for iv_id, sid, speaker, key, name, fw, book in rows:
            iv = ivs[iv_id]
            turn = role_of_turn(iv, roles[iv_id], speaker)
            p = people.get(turn.participant_id) if turn.participant_id else None
            if turn.role == CITIZEN_ROLE and p is None and iv.participant_id:
                # A one-to-one interview whose speakers are not linked: the interview's citizen.
                p = people.get(iv.participant_id) if len(iv.people) <= 1 else None
            attrs = (p.attributes or {}) if p is not None else {}
            diag = next((attrs[k] for k in DIAGNOSIS_KEYS if attrs.get(k)), None)
            data.append(
                [
                    iv_id,
                    iv.title,
                    sid,
                    key,
                    name,
                    fw,
                    book,
                    p.citizen_id if p is not None else None,
                    p.arm if p is not None else None,
                    (p.site if p is not None else None) or iv.site,
                    turn.role,
                    diag,
                ]
            )
    df = pd.DataFrame(data, columns=LONG_COLUMNS)
    return df.drop_duplicates(subset=["segment_id", "code"]).reset_index(drop=True)


def frequencies(ctx: Context, by: str = "document", source: str = "consensus") -> pd.DataFrame:
    """Codes (rows) x values of a dimension (columns): number of coded segments; a total column."""
    if by not in DIMENSIONS:
        raise InputError(f"Kan ikke opdele efter '{by}'; vælg en af {', '.join(DIMENSIONS)}.")
    df = coded_segments(ctx, source)
    if df.empty:
        return pd.DataFrame()
    col = DIMENSIONS[by]
    if by == "framework":
        out = (
            df.groupby("framework")
            .agg(
                codes=("code", "nunique"),
                segments=("segment_id", "count"),
                documents=("interview_id", "nunique"),
            )
            .reset_index()
        )
        return out.sort_values("segments", ascending=False).reset_index(drop=True)
    df = df.assign(**{col: df[col].fillna("(ukendt)")})
    table = pd.crosstab([df["code"], df["code_name"]], df[col])
    table["I alt"] = table.sum(axis=1)
    return table.sort_values("I alt", ascending=False).reset_index()


def cooccurrence(ctx: Context, source: str = "consensus") -> pd.DataFrame:
    """Code x code: segments coded with both (the diagonal: segments with the code)."""
    df = coded_segments(ctx, source)
    if df.empty:
        return pd.DataFrame()
    onehot = pd.crosstab(df["segment_id"], df["code"]).clip(upper=1)
    return onehot.T.dot(onehot)


def code_participant_matrix(ctx: Context, source: str = "consensus") -> pd.DataFrame:
    """citizen_id (rows) x code (columns): coded segments per participant, for joining with the
    delivery tallies (per_citizen.csv) on citizen_id. Staff interviews have no citizen."""
    df = coded_segments(ctx, source)
    df = df[df["citizen_id"].notna()]
    if df.empty:
        return pd.DataFrame(columns=["citizen_id"])
    m = pd.crosstab(df["citizen_id"], df["code"])
    m.columns.name = None
    return m.reset_index()


@dataclass(frozen=True)
class CodingSummary(Record):
    segments: int
    codes: int
    documents: int


def summary(ctx: Context, source: str = "consensus") -> CodingSummary:
    df = coded_segments(ctx, source)
    if df.empty:
        return CodingSummary(0, 0, 0)
    return CodingSummary(
        int(df["segment_id"].nunique()),
        int(df["code"].nunique()),
        int(df["interview_id"].nunique()),
    )


SAMPLE_COLUMNS = ["type", "rolle", "arm", "sted", "bølge", "personer", "interviews"]


def informant_sample(ctx: Context) -> pd.DataFrame:
    """Who was interviewed, by kind, role, arm, site and wave (the reports' informant table):
    persons = distinct people (citizens by register row, staff by speaker), interviews = sources.
    Withdrawn citizens are left out (their data are removed)."""
    from qualkit.store.models import InterviewPerson

    from .interview_meta import CITIZEN_ROLE, KIND_LABELS
    from .speakers import INTERVIEWER

    ctx.require("interview.list")
    rows: list[dict[str, Any]] = []
    with ctx.db.session() as s:
        ivs = s.scalars(select(Interview).where(Interview.project_id == ctx.project_id)).all()
        people = {
            p.id: p
            for p in s.scalars(select(Participant).where(Participant.project_id == ctx.project_id))
        }
        links = s.scalars(
            select(InterviewPerson)
            .join(Interview, InterviewPerson.interview_id == Interview.id)
            .where(Interview.project_id == ctx.project_id)
        ).all()
    by_iv: dict[int, list[Any]] = {}
    for r in links:
        by_iv.setdefault(r.interview_id, []).append(r)
    for iv in ivs:
        kind = KIND_LABELS.get(iv.kind, iv.kind)  # type: ignore[call-overload]
        base = {"type": kind, "bølge": iv.wave, "interview_id": iv.id}
        persons = [r for r in by_iv.get(iv.id, []) if r.role != INTERVIEWER]
        for r in persons:
            p = people.get(r.participant_id) if r.participant_id else None
            if p is not None and p.withdrawn_date is not None:
                continue
            rows.append(
                {
                    **base,
                    "rolle": CITIZEN_ROLE if p is not None else r.role,
                    "arm": p.arm if p is not None else None,
                    "sted": (p.site if p is not None else None) or iv.site,
                    "person": f"p{p.id}" if p is not None else f"{iv.id}:{r.speaker}",
                }
            )
        if not persons:
            role = iv.staff_role or (CITIZEN_ROLE if iv.kind == "citizen" else kind.lower())
            rows.append({**base, "rolle": role, "arm": None, "sted": iv.site, "person": None})
    if not rows:
        return pd.DataFrame(columns=SAMPLE_COLUMNS)
    df = pd.DataFrame(rows)
    for c in ("arm", "sted"):
        df[c] = df[c].fillna("(ingen)")
    df["bølge"] = df["bølge"].map(lambda w: "(ingen)" if pd.isna(w) else str(int(w)))
    out = (
        df.groupby(["type", "rolle", "arm", "sted", "bølge"], dropna=False)
        .agg(personer=("person", "nunique"), interviews=("interview_id", "nunique"))
        .reset_index()
    )
    total = pd.DataFrame(
        [
            {
                "type": "I alt",
                "rolle": "",
                "arm": "",
                "sted": "",
                "bølge": "",
                "personer": int(df["person"].nunique()),
                "interviews": int(df["interview_id"].nunique()),
            }
        ]
    )
    return pd.concat([out, total], ignore_index=True)[SAMPLE_COLUMNS]


def write_sample(df: pd.DataFrame, path: str | Path) -> Path:
    """The informant table as Danish CSV (`;`) or .xlsx, written atomically."""
    import os
    import tempfile

    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError(f"{path}: filen skal ende på .csv eller .xlsx.")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.stem}.", suffix=suffix, dir=p.parent)
    os.close(fd)
    try:
        if suffix == ".csv":
            df.to_csv(tmp, sep=";", index=False, encoding="utf-8-sig", lineterminator="\n")
        else:
            with pd.ExcelWriter(tmp, engine="xlsxwriter") as xw:
                df.to_excel(xw, sheet_name="Informanter", index=False)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
