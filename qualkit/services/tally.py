"""Tallies in the app: the same computation as `qualkit tally`, on the project's stored data.

Also the figures' data (adoption, delivery over time) and the joint display: per
citizen, fidelity and dose beside the codes of their interviews. Staff have no
tally capability, so they never reach codings through here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from qualkit.delivery.figures import dose_data, flow_dot, heatmap_data
from qualkit.delivery.frames import events_from_rows, participants_frame
from qualkit.delivery.protocol import NumberSource, Protocol, number_sources
from qualkit.delivery.register import DATE_COLUMNS, TEXT_COLUMNS, ParticipantRecord
from qualkit.delivery.tally import TallyResult, measure_label, tally
from qualkit.store.models import (
    Code,
    Coding,
    ConsensusCoding,
    DeliveryEvent,
    Interview,
    Participant,
    Segment,
)

from . import _retry, audit, read_policy
from .context import Context
from .delivery import get_protocol
from .permissions import allowed

__all__ = [
    "TallyReport",
    "adoption",
    "compute",
    "csv_bytes",
    "joint_display",
    "measure_label",
    "over_time",
    "record_export",
    "report",
]
PARTICIPANT_FIELDS = ("citizen_id", *TEXT_COLUMNS, "eligible", *DATE_COLUMNS)


def _load(ctx: Context) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    with ctx.db.session() as s:
        people = s.scalars(
            select(Participant)
            .where(Participant.project_id == ctx.project_id)
            .order_by(Participant.citizen_id)
        ).all()
        records = [
            ParticipantRecord(
                **{f: getattr(p, f) for f in PARTICIPANT_FIELDS},
                attributes=dict(p.attributes or {}),
            )
            for p in people
        ]
        rows = (
            s.execute(
                select(
                    DeliveryEvent.id,
                    Participant.citizen_id,
                    DeliveryEvent.date,
                    DeliveryEvent.component,
                    DeliveryEvent.staff_role,
                    DeliveryEvent.staff_id,
                    DeliveryEvent.minutes,
                    DeliveryEvent.mode,
                    DeliveryEvent.status,
                    DeliveryEvent.note,
                )
                .join(Participant, DeliveryEvent.participant_id == Participant.id)
                .where(DeliveryEvent.project_id == ctx.project_id)
            )
            .mappings()
            .all()
        )
    register, attributes = participants_frame(records)
    return register, attributes, events_from_rows([dict(r) for r in rows])


def compute(ctx: Context, protocol_name: str | None = None) -> TallyResult:
    """Per citizen, summary, flow, checks and reach for the project (evaluators and writers)."""
    ctx.require("tally.read")
    protocol = get_protocol(ctx, protocol_name)
    register, attributes, events = _load(ctx)
    qual = protocol.flow.qualitative
    if qual and qual not in register:
        # In the app, "in the qualitative study" is known from the interviews themselves.
        register[qual] = (
            register["citizen_id"].isin(_interviewed(ctx)).map({True: "ja", False: "nej"})
        )
    return tally(register, events, protocol, attributes)


def _interviewed(ctx: Context) -> set[str]:
    from qualkit.store.models import InterviewPerson

    with ctx.db.session() as s:
        return {
            cid
            for (cid,) in s.execute(
                select(Participant.citizen_id)
                .join(InterviewPerson, InterviewPerson.participant_id == Participant.id)
                .where(
                    Participant.project_id == ctx.project_id, Participant.withdrawn_date.is_(None)
                )
            ).all()
        }


def delivery_frame(ctx: Context) -> pd.DataFrame:
    """Delivered events with site and month, for adoption and maintenance figures."""
    ctx.require("tally.read")
    register, _, events = _load(ctx)
    ev = events.loc[events["status"].eq("delivered")].copy()
    ev["citizen_id"] = ev["citizen_id"].astype(str)
    sites = register.set_index("citizen_id")["site"]
    ev["site"] = ev["citizen_id"].map(sites).fillna("(ukendt)")
    ev["month"] = ev["date"].dt.to_period("M").dt.to_timestamp()
    ev["component"] = ev["component"].astype(str)
    ev["staff_id"] = ev["staff_id"].astype(str).replace("", "(ukendt)")
    return ev[["citizen_id", "site", "date", "month", "component", "staff_id", "minutes"]]


def adoption(ctx: Context) -> pd.DataFrame:
    """How many staff delivered each component, and to how many citizens (RE-AIM adoption)."""
    ev = delivery_frame(ctx)
    if ev.empty:
        return pd.DataFrame(columns=["component", "site", "staff", "citizens", "events"])
    return (
        ev.groupby(["component", "site"])
        .agg(
            staff=("staff_id", "nunique"),
            citizens=("citizen_id", "nunique"),
            events=("citizen_id", "size"),
        )
        .reset_index()
    )


def over_time(ctx: Context) -> pd.DataFrame:
    """Delivered events per month and site (maintenance: does delivery last?)."""
    ev = delivery_frame(ctx)
    if ev.empty:
        return pd.DataFrame(columns=["month", "site", "events"])
    return ev.groupby(["month", "site"]).size().rename("events").reset_index()


def interview_codes(ctx: Context) -> dict[str, dict[str, list[str]]]:
    """Per citizen ID: consensus code names, and (for evaluators) each coder's code names."""
    ctx.require("tally.read")
    ctx.require("consensus.read")
    out: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"consensus": [], "coders": []})
    with ctx.db.session() as s:
        base = (
            select(Participant.citizen_id, Code.name)
            .join(Interview, Interview.participant_id == Participant.id)
            .join(Segment, Segment.interview_id == Interview.id)
            .where(Participant.project_id == ctx.project_id)
        )
        for cid, name in s.execute(
            base.join(ConsensusCoding, ConsensusCoding.segment_id == Segment.id)
            .join(Code, Code.id == ConsensusCoding.code_id)
            .where(read_policy.interviews(ctx, read_policy.Read.CONSENSUS))
        ).all():
            if name not in out[cid]["consensus"]:
                out[cid]["consensus"].append(name)
        if allowed(ctx.actor.role, "coding.compare"):
            for cid, name in s.execute(
                base.join(Coding, Coding.segment_id == Segment.id)
                .join(Code, Code.id == Coding.code_id)
                .where(read_policy.codings(s, ctx))
            ).all():
                if name not in out[cid]["coders"]:
                    out[cid]["coders"].append(name)
        interviewed = {
            cid
            for (cid,) in s.execute(
                select(Participant.citizen_id)
                .join(Interview, Interview.participant_id == Participant.id)
                .where(Participant.project_id == ctx.project_id)
            ).all()
        }
    for cid in interviewed:
        out[cid]  # noqa: B018 - interviewed citizens appear even before any coding
    return dict(out)


def joint_display(ctx: Context, result: TallyResult | None = None) -> pd.DataFrame:
    """Interviewed citizens: fidelity and dose beside the codes of their interviews."""
    ctx.require("tally.read")
    result = result or compute(ctx)
    codes = interview_codes(ctx)
    pc = result.per_citizen
    pc = pc.loc[pc["citizen_id"].isin(list(codes))]
    n_cols = [c for c in pc.columns if c.startswith("n_")]
    df = pc[
        [
            "citizen_id",
            "arm",
            "site",
            "reached",
            "events_delivered",
            "minutes_delivered",
            *n_cols,
            "core_met",
            "core_total",
            "fidelity_score",
        ]
    ].copy()
    df["consensus_codes"] = [", ".join(sorted(codes[c]["consensus"])) for c in df["citizen_id"]]
    if allowed(ctx.actor.role, "coding.compare"):
        df["coder_codes"] = [", ".join(sorted(codes[c]["coders"])) for c in df["citizen_id"]]
    return df.reset_index(drop=True)


def csv_bytes(df: pd.DataFrame) -> bytes:
    """A table as Danish CSV bytes (`;`, decimal comma, dd-mm-yyyy, BOM) for a download."""
    from qualkit.delivery.output import frame_csv_bytes

    return frame_csv_bytes(df)


def record_export(ctx: Context, what: str, rows: int) -> None:
    """Audit a downloaded table (called when the user clicks the download button)."""
    ctx.require("export")

    def work(s: Session) -> None:
        audit.record(
            s,
            ctx.actor,
            "tally.export",
            project_id=ctx.project_id,
            target_type="table",
            target_id=what,
            details={"rows": int(rows)},
        )

    _retry.write(ctx.db, work)


@dataclass
class TallyReport:
    """Everything the tallies page shows, computed once per view."""

    protocol: Protocol
    result: TallyResult
    flow_dot: str
    heatmap: pd.DataFrame
    dose: pd.DataFrame
    adoption: pd.DataFrame
    over_time: pd.DataFrame
    joint: pd.DataFrame
    numbers: list[NumberSource]


def protocol_numbers(ctx: Context, protocol_name: str | None = None) -> list[NumberSource]:
    """Every number of the project's protocol with its source (seed line) or assumption mark."""
    import yaml

    from qualkit.store.models import Protocol as ProtocolRow

    ctx.require("delivery.read")
    with ctx.db.session() as s:
        q = select(ProtocolRow).where(ProtocolRow.project_id == ctx.project_id)
        if protocol_name:
            q = q.where(ProtocolRow.name == protocol_name)
        row = s.scalars(q.order_by(ProtocolRow.id)).first()
        if row is None:
            return []
        return number_sources(yaml.safe_load(row.definition) or {})


def report(ctx: Context, protocol_name: str | None = None) -> TallyReport:
    ctx.require("tally.read")
    protocol = get_protocol(ctx, protocol_name)
    result = compute(ctx, protocol_name)
    return TallyReport(
        protocol=protocol,
        result=result,
        flow_dot=flow_dot(result.flow, result.checks),
        heatmap=heatmap_data(result.per_citizen, protocol),
        dose=dose_data(result.per_citizen, protocol),
        adoption=adoption(ctx),
        over_time=over_time(ctx),
        joint=joint_display(ctx, result),
        numbers=protocol_numbers(ctx, protocol_name),
    )


def theme_display(ctx: Context, result: TallyResult | None = None) -> pd.DataFrame:
    """Joint display: themes (top-level codes, rows) x fidelity group and wave (columns):
    interviewed citizens with at least one consensus-coded turn of their own in the theme
    (seed 003 lines 3747-3830 read the themes against fidelity this way)."""
    from qualkit.delivery.report import fidelity_groups

    from . import analysis

    ctx.require("tally.read")
    ctx.require("consensus.read")
    result = result or compute(ctx)
    df = analysis.coded_segments(ctx)
    df = df[df["citizen_id"].notna()]
    if df.empty:
        return pd.DataFrame()
    with ctx.db.session() as s:
        codes = {c.key: c for c in s.scalars(select(Code))}
        by_id = {c.id: c for c in codes.values()}
        waves = dict(
            s.execute(
                select(Interview.id, Interview.wave).where(Interview.project_id == ctx.project_id)
            ).all()
        )

    def root(key: str) -> str:
        c = codes.get(key)
        while c is not None and c.parent_id in by_id:
            c = by_id[c.parent_id]
        return c.name if c is not None else key

    groups = fidelity_groups(result.per_citizen)
    df = df.assign(
        theme=df["code"].map(root),
        group=df["citizen_id"].map(groups).fillna("Ikke i registret"),
        wave=df["interview_id"]
        .map(waves)
        .map(lambda w: "uden bølge" if pd.isna(w) else f"bølge {int(w)}"),
    )
    table = (
        df.drop_duplicates(["theme", "group", "wave", "citizen_id"])
        .groupby(["theme", "group", "wave"])
        .size()
        .unstack(["group", "wave"], fill_value=0)
        .sort_index(axis=1)
    )
    table.columns = [f"{g}, {w}" for g, w in table.columns]
    table.index.name = "Tema"
    return table


def report_bytes(ctx: Context, protocol_name: str | None = None) -> bytes:
    """The tally report (.docx): pivoted tables, flow figure, informants, themes x fidelity."""
    import tempfile
    from pathlib import Path

    from qualkit.delivery.flowchart import flow_png
    from qualkit.delivery.report import report_docx

    from . import analysis

    ctx.require("tally.read")
    protocol = get_protocol(ctx, protocol_name)
    result = compute(ctx, protocol_name)
    with tempfile.TemporaryDirectory(prefix="qualkit-report-") as tmp:
        png = flow_png(result.flow, result.checks, Path(tmp) / "flow.png").read_bytes()
    informants = (
        analysis.informant_sample(ctx) if allowed(ctx.actor.role, "interview.list") else None
    )
    themes = theme_display(ctx, result) if allowed(ctx.actor.role, "consensus.read") else None
    return report_docx(
        result,
        protocol,
        title=f"Optælling: {protocol.name}",
        flow_png=png,
        informants=informants,
        themes=themes,
    )
