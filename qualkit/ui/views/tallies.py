"""Tallies: reach, fidelity and dose by arm and site, the study flow, checks and figures.

The same computation as `qualkit tally` (services.tally), on the project's stored data.
"""

from __future__ import annotations

import altair as alt
import streamlit as st

from qualkit.errors import NotFound
from qualkit.services import tally
from qualkit.ui import state
from qualkit.ui.plain import plain_message

SUMMARY_LABELS = {
    "arm": "Arm",
    "site": "Sted",
    "measure": "Mål",
    "subgroup": "Undergruppe",
    "category": "Kategori",
    "value": "Værdi",
}


def _download(ctx, label: str, df, what: str, filename: str) -> None:
    st.download_button(
        label,
        tally.csv_bytes(df),
        file_name=filename,
        mime="text/csv",
        key=f"dl_{what}",
        on_click=tally.record_export,
        args=(ctx, what, len(df)),
    )


def _flow(report) -> None:
    st.subheader("Studieforløb")
    st.graphviz_chart(report.flow_dot)
    gaps = report.result.checks
    gaps = gaps[gaps["check"].str.startswith("flow.")]
    for msg in gaps.loc[gaps["check"] == "flow.unaccounted", "message"]:
        st.warning(msg)


def _summary(report) -> None:
    st.subheader("Rækkevidde, fidelitet og dosis")
    s = report.result.summary
    left, right = st.columns(2)
    arms = ["alle", *sorted(a for a in s["arm"].unique() if a != "alle")]
    arm = left.selectbox("Arm", arms, key="t_arm")
    sites = ["alle", *sorted(x for x in s.loc[s["arm"] == arm, "site"].unique() if x != "alle")]
    site = right.selectbox("Sted", sites, key="t_site")
    view = s[(s["arm"] == arm) & (s["site"] == site)]
    reached = view[view["measure"] == "reached"]["value"]
    high = view[view["measure"] == "high_fidelity_reached"]["value"]
    c1, c2, c3 = st.columns(3)
    c1.metric("Nået", reached.iloc[0] if len(reached) else "-")
    c2.metric("Høj fidelitet blandt nåede", high.iloc[0] if len(high) else "-")
    c3.metric("Kontroller", str(len(report.result.checks)))
    shown = view[list(SUMMARY_LABELS)].assign(measure=view["measure"].map(tally.measure_label))
    st.dataframe(shown.rename(columns=SUMMARY_LABELS), hide_index=True, width="stretch", height=320)


def _figures(report) -> None:
    st.subheader("Fidelitet pr. borger")
    if len(report.heatmap):
        heat = (
            alt.Chart(report.heatmap)
            .mark_rect()
            .encode(
                x=alt.X("component:N", title="Komponent"),
                y=alt.Y("citizen_id:N", title="Borger"),
                color=alt.Color(
                    "status:N",
                    title="Kernekomponent",
                    scale=alt.Scale(
                        domain=["opfyldt", "ikke opfyldt", "ikke kerne"],
                        range=["#2a9d8f", "#e76f51", "#d9d9d9"],
                    ),
                ),
                tooltip=["citizen_id", "component", "count", "status"],
            )
        )
        st.altair_chart(heat, width="stretch")
    else:
        st.caption("Ingen borgere er nået endnu.")
    st.subheader("Dosis")
    if len(report.dose):
        bars = (
            alt.Chart(report.dose)
            .mark_bar()
            .encode(
                x=alt.X("deliveries:O", title="Antal leverancer"),
                y=alt.Y("citizens:Q", title="Borgere"),
                column=alt.Column("component:N", title=None),
            )
        )
        st.altair_chart(bars)
    st.subheader("Leverancer over tid (vedligeholdelse)")
    if len(report.over_time):
        line = (
            alt.Chart(report.over_time)
            .mark_line(point=True)
            .encode(
                x=alt.X("month:T", title="Måned", axis=alt.Axis(format="%m-%Y")),
                y=alt.Y("events:Q", title="Leverancer"),
                color=alt.Color("site:N", title="Sted"),
            )
        )
        st.altair_chart(line, width="stretch")
    st.subheader("Adoption")
    st.caption("Hvor mange medarbejdere leverede hver komponent, pr. sted.")
    st.dataframe(
        report.adoption.rename(
            columns={
                "component": "Komponent",
                "site": "Sted",
                "staff": "Medarbejdere",
                "citizens": "Borgere",
                "events": "Leverancer",
            }
        ),
        hide_index=True,
        width="stretch",
    )


def render() -> None:
    ctx = state.guard("tally.read")
    st.header("Optællinger")
    try:
        report = tally.report(ctx)
    except NotFound as exc:
        st.info(plain_message(exc))
        return
    st.caption(f"Protokol: {report.protocol.name}. Kun leverede hændelser tælles; se Kontroller.")
    _summary(report)
    _flow(report)
    _figures(report)
    st.subheader("Kontroller")
    checks = report.result.checks
    if len(checks):
        st.dataframe(_danish(checks), hide_index=True, width="stretch")
        _download(ctx, "Hent checks.csv", checks, "checks", "checks.csv")
    else:
        st.caption("Ingen uoverensstemmelser fundet.")
    st.subheader("Repræsentativitet (deltagere mod egnede ikke-deltagere)")
    st.dataframe(_danish(report.result.reach), hide_index=True, width="stretch")
    st.subheader("Pr. borger")
    st.dataframe(_danish(report.result.per_citizen), hide_index=True, width="stretch")
    _download(
        ctx, "Hent per_citizen.csv", report.result.per_citizen, "per_citizen", "per_citizen.csv"
    )
    st.subheader("Fælles visning: levering og interviewkoder")
    if len(report.joint):
        st.dataframe(report.joint, hide_index=True, width="stretch")
        _download(ctx, "Hent fælles visning", report.joint, "joint_display", "faelles_visning.csv")
    else:
        st.caption("Ingen interviewede borgere endnu.")
    _numbers(report)


# Column headers shown in the app; the CSV files keep docs/DESIGN.md's column names.
COLUMN_LABELS = {
    "citizen_id": "Projekt-ID",
    "arm": "Arm",
    "site": "Sted",
    "reached": "Nået",
    "events_delivered": "Leverede hændelser",
    "minutes_delivered": "Leverede minutter",
    "core_met": "Kernekomp. opfyldt",
    "core_total": "Kernekomp. i alt",
    "fidelity_score": "Fidelitetsscore",
    "high_fidelity": "Høj fidelitet",
    "components": "Komponenter",
    "minutes_planned": "Planlagte minutter",
    "minutes_share": "Leveret/planlagt",
    "events_no_show": "Udeblevet",
    "events_cancelled": "Aflyst",
    "first_event": "Første",
    "last_event": "Seneste",
    "check": "Kontrol",
    "severity": "Alvor",
    "row": "Række",
    "count": "Antal",
    "message": "Besked",
    "attribute": "Egenskab",
    "level": "Niveau",
    "kind": "Type",
    "participants": "Deltagere",
    "non_participants": "Egnede ikke-deltagere",
    "test": "Test",
    "p_value": "p-værdi",
}
PREFIX_LABELS = {
    "n_": "Antal: ",
    "days_to_": "Dage til: ",
    "on_time_": "Rettidig: ",
    "met_": "Opfyldt: ",
}


def _danish(frame):
    """Danish headers for display: known columns by name, per-component columns by prefix."""

    def label(col: str) -> str:
        if col in COLUMN_LABELS:
            return COLUMN_LABELS[col]
        for prefix, text in PREFIX_LABELS.items():
            if col.startswith(prefix):
                return text + col.removeprefix(prefix)
        return col

    return frame.rename(columns=label)


def _numbers(report) -> None:
    """Each number of the protocol with its source in the seeds, or marked as an assumption."""
    rows = report.numbers
    if not rows:
        return
    assumed = sum(1 for n in rows if n.assumption or not n.source)
    with st.expander(
        f"Protokollens tal og kilder ({assumed} antagelser at bekræfte)",
        icon=":material/fact_check:",
    ):
        st.dataframe(
            [
                {
                    "Komponent": n.where or "(protokol)",
                    "Felt": n.field,
                    "Værdi": n.value,
                    "Status": "Antagelse - bekræft"
                    if n.assumption
                    else ("Kilde" if n.source else "Ingen kilde"),
                    "Kilde eller begrundelse": n.source,
                }
                for n in rows
            ],
            hide_index=True,
            width="stretch",
        )
