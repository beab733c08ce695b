"""Analysis of codings: frequencies by document, participant attribute and framework
dimension; co-occurrence; a codes x participants matrix keyed by citizen_id.

The source is the consensus coding (default; writers may read it) or every
coder's codings (evaluators, after comparing). Counts are numbers of coded
segments: a segment coded twice with the same code (two coders, two spans)
counts once per code.
"""

from __future__ import annotations

from dataclasses import dataclass

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
        raise InputError(f"Source '{source}' is not one of {', '.join(SOURCES)}.")
    ctx.require("consensus.read" if source == "consensus" else "coding.compare")


def _readable(s, ctx: Context, source: str) -> list:
    """The read policy (services/read_policy.py): which interviews and whose codings."""
    from .read_policy import Read, codings, interviews

    if source == "consensus":
        return [interviews(ctx, Read.CONSENSUS)]
    return [interviews(ctx), codings(s, ctx)]


def coded_segments(ctx: Context, source: str = "consensus") -> pd.DataFrame:
    """One row per (segment, code) with the document's and participant's attributes."""
    _require(ctx, source)
    table = ConsensusCoding if source == "consensus" else Coding
    with ctx.db.session() as s:
        rows = s.execute(
            select(
                Interview.id,
                Interview.title,
                Interview.kind,
                Interview.staff_role,
                table.segment_id,
                Code.key,
                Code.name,
                Code.framework,
                Codebook.name,
                Participant.citizen_id,
                Participant.arm,
                Participant.site,
                Participant.attributes,
            )
            .join(Segment, table.segment_id == Segment.id)
            .join(Interview, Segment.interview_id == Interview.id)
            .join(Code, table.code_id == Code.id)
            .join(Codebook, Code.codebook_id == Codebook.id)
            .outerjoin(Participant, Interview.participant_id == Participant.id)
            .where(*_readable(s, ctx, source))
        ).all()
    data = []
    for iv_id, title, kind, staff_role, sid, key, name, fw, book, cid, arm, site, attrs in rows:
        attrs = attrs or {}
        diag = next((attrs[k] for k in DIAGNOSIS_KEYS if attrs.get(k)), None)
        role = "borger" if kind == "citizen" else (staff_role or kind)
        data.append([iv_id, title, sid, key, name, fw, book, cid, arm, site, role, diag])
    df = pd.DataFrame(data, columns=LONG_COLUMNS)
    return df.drop_duplicates(subset=["segment_id", "code"]).reset_index(drop=True)


def frequencies(ctx: Context, by: str = "document", source: str = "consensus") -> pd.DataFrame:
    """Codes (rows) x values of a dimension (columns): number of coded segments; a total column."""
    if by not in DIMENSIONS:
        raise InputError(f"Cannot split by '{by}'; choose one of {', '.join(DIMENSIONS)}.")
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
