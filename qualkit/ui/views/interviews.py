"""Interviews: the project's interviews and a read-only view of one transcript."""

from __future__ import annotations

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import interviews
from qualkit.transcripts.textformat import format_timestamp
from qualkit.ui import state
from qualkit.ui.format import frame


def render() -> None:
    ctx = state.guard("interview.list")
    st.header("Interviews")
    rows = interviews.list_interviews(ctx)
    if not rows:
        st.info("Projektet har endnu ingen interviews.")
        return
    st.dataframe(frame(rows, {"id": "ID", "title": "Titel", "citizen_id": "Borger", "kind": "Type",
                              "date": "Dato", "interviewer": "Interviewer", "status": "Status",
                              "segments": "Segmenter", "audio": "Lyd"}),
                 hide_index=True, width="stretch")
    titles = {r["id"]: r["title"] for r in rows}
    chosen = st.selectbox("Vis transskription", list(titles), format_func=titles.get)
    if chosen is not None:
        try:
            t = interviews.get_transcript(ctx, chosen)
        except QualkitError as exc:
            state.show_error(exc)
            return
        st.subheader(t["title"])
        for seg in t["segments"]:
            stamp = format_timestamp(seg["start"])
            st.markdown(f"`{stamp}` **{seg['speaker'] or '?'}**: {seg['text']}")
