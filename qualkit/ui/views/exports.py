"""Exports: the writer picks quotes (filters, stars, revealing flags), sees what the safety
check found, overrides single passages, and downloads Word, REFI-QDA and Excel/CSV files.

Widgets and service calls only; what may leave is decided in services.exports.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import consensus, exchange, exports
from qualkit.services.exports import QuoteFilter
from qualkit.services.permissions import allowed
from qualkit.ui import state
from qualkit.ui.format import frame
from qualkit.ui.plain import plain, plain_message

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from qualkit.services.context import Context

GROUPS = {"code": "Efter kode og underkode", "framework": "Efter dimension (RE-AIM m.fl.)"}
DEFAULT_FIELDS = ["label", "køn", "alder", "arm", "diagnosegruppe"]


def _filters(opts: dict) -> tuple[QuoteFilter, str, list[str]]:
    c1, c2 = st.columns(2)
    with c1:
        group_by = st.radio("Gruppering", list(GROUPS), format_func=GROUPS.get, key="exp_group")
        roles = st.multiselect("Roller", opts["roles"], key="exp_roles")
        arms = st.multiselect("Arm", opts["arms"], key="exp_arms")
        sites = st.multiselect("Sted", opts["sites"], key="exp_sites")
    with c2:
        waves = st.multiselect("Bølge", opts["waves"], key="exp_waves")
        names = {c["key"]: f"{c['name']} ({c['key']})" for c in opts["codes"]}
        codes = st.multiselect(
            "Koder (med underkoder)", list(names), format_func=names.get, key="exp_codes"
        )
        fields_all = opts["descriptor_fields"]
        fields = st.multiselect(
            "Beskrivelse under citatet",
            list(fields_all),
            default=[f for f in DEFAULT_FIELDS if f in fields_all],
            format_func=fields_all.get,
            key="exp_fields",
        )
        starred = st.checkbox("Kun stjernemarkerede citater", key="exp_starred")
    flt = QuoteFilter(
        roles=roles, arms=arms, sites=sites, waves=list(waves), codes=codes, starred_only=starred
    )
    return flt, group_by, fields or ["label"]


def _quote_list(ctx: Context, quotes: list[dict]) -> None:
    st.caption(
        f"{len(quotes)} citater matcher filtrene (afslørende citater, tilbagetrukne "
        "deltagere og ikke-pseudonymiserede interviews er altid udeladt)."
    )
    if not quotes:
        return
    st.dataframe(
        frame(
            quotes,
            {
                "starred": "Stjerne",
                "theme": "Tema",
                "code": "Kode",
                "text": "Citat",
                "descriptor": "Beskrivelse",
                "source": "Kilde",
            },
        ),
        hide_index=True,
        width="stretch",
        height=320,
    )
    labels = {
        q["consensus_id"]: f"{'★ ' if q['starred'] else ''}{q['code']}: {q['text'][:70]}"
        for q in quotes
    }
    chosen = st.selectbox("Citat", list(labels), format_func=labels.get, key="exp_quote")
    b1, b2, b3 = st.columns(3)
    if b1.button("Stjernemarkér", key="exp_star"):
        consensus.mark_consensus(ctx, chosen, starred=True)
        st.rerun()
    if b2.button("Fjern stjerne", key="exp_unstar"):
        consensus.mark_consensus(ctx, chosen, starred=False)
        st.rerun()
    if b3.button("Markér som afslørende (udelades)", key="exp_reveal"):
        consensus.mark_consensus(ctx, chosen, revealing=True)
        st.rerun()


def _revealing(ctx: Context) -> None:
    flagged = exports.list_revealing(ctx)
    if not flagged:
        return
    with st.expander(f"Citater markeret som afslørende ({len(flagged)})"):
        labels = {q["consensus_id"]: f"{q['code']}: {q['text'][:70]}" for q in flagged}
        chosen = st.selectbox(
            "Afslørende citat", list(labels), format_func=labels.get, key="exp_revealed"
        )
        if st.button("Fjern markeringen", key="exp_unreveal"):
            consensus.mark_consensus(ctx, chosen, revealing=False)
            st.rerun()


def _safety(ctx: Context, flt: QuoteFilter) -> list[int]:
    """The findings of the last check, each with an override box; returns the overrides."""
    if st.button("Kontrollér citaterne for personoplysninger", key="exp_check"):
        _, listing = exports.check_quotes(ctx, flt)
        st.session_state["exp_findings"] = listing
        if not listing:
            st.success(
                "Ingen upseudonymiserede navne, CPR-numre, telefonnumre eller e-mails fundet."
            )
    findings = st.session_state.get("exp_findings") or []
    overrides = []
    if findings:
        st.warning(
            f"{len({f['segment_id'] for f in findings})} passage(r) indeholder mulige "
            "personoplysninger. Ret dem under Pseudonymisering, eller tilsidesæt enkelte "
            "(det logges)."
        )
        seen = set()
        for f in findings:
            if f["segment_id"] in seen:
                continue
            seen.add(f["segment_id"])
            labels = ", ".join(
                sorted(
                    {
                        g["label"] + ": " + g["surface"]
                        for g in findings
                        if g["segment_id"] == f["segment_id"]
                    }
                )
            )
            key = f["segment_id"]
            what = f"Segment {key}" if key >= 0 else f"Titlen på interview {-key}"
            st.markdown(
                f"**{what}** ({plain(f['where'])}) - {plain(labels)}  \n> {plain(f['text'])}"
            )
            if st.checkbox(f"Tilsidesæt for {what.lower()}", key=f"exp_ovr_{key}"):
                overrides.append(key)
    return overrides


def _make(key: str, label: str, build: Callable[[], Any]) -> None:
    """A button that builds a file through a service; the download appears once it is built."""
    if st.button(label, key=f"exp_make_{key}"):
        try:
            st.session_state[f"exp_file_{key}"] = build().data
        except QualkitError as exc:
            st.session_state.pop(f"exp_file_{key}", None)
            st.error(plain_message(exc))


def _import(ctx: Context) -> None:
    st.subheader("Importér et REFI-QDA-projekt")
    upload = st.file_uploader(
        "Projektfil (.qdpx) fra NVivo, ATLAS.ti, MAXQDA eller QualCoder",
        type=["qdpx"],
        key="exp_upload",
    )
    name = st.text_input("Navn på det nye projekt", key="exp_import_name")
    deid = st.checkbox("Kilderne er allerede pseudonymiseret", key="exp_import_deid")
    if upload is not None and st.button("Importér som nyt projekt", key="exp_import"):
        from qualkit import tempdir  # the one private, cleaned-at-start place for temp files

        with tempdir.workdir("upload") as tmp:
            path = tmp / Path(upload.name).name
            path.write_bytes(upload.getvalue())
            tempdir.private_file(path)
            result = exchange.import_qdpx(ctx.db, ctx.actor, path, name or None, deidentified=deid)
        st.success(f"Importeret som projekt {result.project_id}: {result.positions.describe()}.")
        if result.left_out:
            st.warning(f"Ikke importeret ({len(result.left_out)}):")
            st.text("\n".join(f"{p.kind} {p.where}: {p.reason}" for p in result.left_out))


def render() -> None:
    ctx = state.guard("export")
    st.header("Eksport")
    opts = exports.quote_options(ctx)
    st.subheader("Citatsamling til rapporten (Word)")
    flt, group_by, fields = _filters(opts)
    _quote_list(ctx, exports.list_quotes(ctx, flt, fields))
    _revealing(ctx)
    overrides = _safety(ctx, flt)
    with_memos = st.checkbox(
        "Bilag med memoer",
        key="exp_memos",
        help="Memoer om koder, interviews og projektet, som du må læse, efter citaterne.",
    )
    _make(
        "docx",
        "Lav Word-fil",
        lambda: exports.export_quotes(
            ctx,
            None,
            flt,
            group_by=group_by,
            descriptor_fields=fields,
            overrides=overrides,
            memos=with_memos,
        ),
    )
    if st.session_state.get("exp_file_docx"):
        st.download_button(
            "Hent Word-fil",
            st.session_state["exp_file_docx"],
            "citater.docx",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            key="exp_dl_docx",
        )

    st.subheader("Projekt til NVivo, ATLAS.ti, MAXQDA, QualCoder (REFI-QDA .qdpx)")
    _make("qdpx", "Lav .qdpx-fil", lambda: exchange.export_qdpx(ctx, None, overrides))
    if st.session_state.get("exp_file_qdpx"):
        st.download_button(
            "Hent .qdpx-fil",
            st.session_state["exp_file_qdpx"],
            "projekt.qdpx",
            mime="application/zip",
            key="exp_dl_qdpx",
        )

    st.subheader("Kodninger som tabel")
    kind = st.radio("Format", [".xlsx", ".csv"], horizontal=True, key="exp_table_kind")
    _make("table", "Lav tabel", lambda: exports.export_codings(ctx, None, overrides, kind=kind))
    if st.session_state.get("exp_file_table"):
        st.download_button(
            "Hent tabel", st.session_state["exp_file_table"], f"kodninger{kind}", key="exp_dl_table"
        )

    if allowed(ctx.actor.role, "project.import"):
        _import(ctx)
