"""Analyse: code frequencies by document, participant attribute and framework dimension,
co-occurrence, and a codes x participants matrix (joinable with the tallies on citizen_id)."""

from __future__ import annotations

import streamlit as st

from qualkit.services import analysis
from qualkit.services.permissions import allowed
from qualkit.ui import state

BY = {
    "document": "Dokument",
    "arm": "Arm",
    "site": "Sted",
    "role": "Rolle",
    "diagnosis": "Diagnosegruppe",
    "framework": "Dimension (RE-AIM/fidelitet)",
}
SOURCES = {"consensus": "Konsensuskodning", "coders": "Alle koderes kodninger"}


def _csv(df) -> bytes:
    from qualkit.tabular import csv_bytes  # every CSV cell neutralised against formulas

    return csv_bytes([str(c) for c in df.columns], df.itertuples(index=False, name=None))


def render() -> None:
    ctx = state.guard("consensus.read")
    st.header("Analyse")
    sources = [s for s in SOURCES if s == "consensus" or allowed(ctx.actor.role, "coding.compare")]
    c = st.columns(2)
    source = c[0].radio(
        "Kodninger", sources, format_func=SOURCES.get, key="an_source", horizontal=True
    )
    by = c[1].selectbox("Fordel efter", list(BY), format_func=BY.get, key="an_by")
    _informants(ctx)
    info = analysis.summary(ctx, source)
    st.caption(
        f"{info['segments']} kodede segmenter, {info['codes']} koder, "
        f"{info['documents']} interviews."
    )
    freq = analysis.frequencies(ctx, by, source)
    st.subheader("Kodefrekvenser")
    if freq.empty:
        st.info("Ingen kodninger endnu.")
        return
    st.dataframe(freq, hide_index=True, width="stretch")
    st.download_button(
        "Hent som CSV", _csv(freq), file_name=f"kodefrekvenser_{by}.csv", key="an_dl_freq"
    )
    st.subheader("Samtidig forekomst (segmenter med begge koder)")
    st.dataframe(analysis.cooccurrence(ctx, source), width="stretch")
    st.subheader("Koder x deltagere")
    st.caption("Antal kodede segmenter pr. borger; kan kobles med optællingerne på citizen_id.")
    matrix = analysis.code_participant_matrix(ctx, source)
    st.dataframe(matrix, hide_index=True, width="stretch")
    st.download_button(
        "Hent matrix som CSV", _csv(matrix), file_name="koder_x_deltagere.csv", key="an_dl_matrix"
    )


def _informants(ctx) -> None:
    """Who was interviewed, by kind, role, arm, site and wave (the reports' informant table)."""
    import io

    st.subheader("Informanter")
    sample = analysis.informant_sample(ctx)
    if len(sample) <= 1:
        st.caption("Ingen interviews endnu.")
        return
    st.dataframe(sample, hide_index=True, width="stretch")
    c = st.columns(2)
    c[0].download_button(
        "Hent informanttabel (CSV)", _csv(sample), file_name="informanter.csv", key="an_dl_sample"
    )
    buf = io.BytesIO()
    sample.to_excel(buf, index=False, sheet_name="Informanter", engine="xlsxwriter")
    c[1].download_button(
        "Hent informanttabel (xlsx)",
        buf.getvalue(),
        file_name="informanter.xlsx",
        key="an_dl_sample_xlsx",
    )
