"""Report-ready tally outputs: the pivoted tables a report prints (measure x arm, "69 (52,3 %)"),
fidelity groups for joint displays, and a .docx report with the flow diagram as a figure and
the informant-sample table. Plain Python (python-docx, Pillow), no store, no Streamlit."""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

from qualkit.tabular import format_date_dk

from .flow import ALL, TOTAL
from .protocol import Protocol
from .tally import TallyResult, measure_label

TOTAL_COLUMN = "I alt"
# Fidelity groups of a joint display (seed 003 lines 3747-3830 cross themes with them).
HIGH, LOW, NOT_REACHED = "Høj fidelitet", "Lav fidelitet", "Ikke nået"


def _pivot_measures(protocol: Protocol) -> list[tuple[str, str]]:
    """(measure, category) rows of the report table, in the order a report reads."""
    rows = [("citizens", TOTAL), ("reached", TOTAL)]
    for c in protocol.components:
        if not c.team:
            rows.append((f"citizens:{c.id}", TOTAL))
    for c in protocol.core_components:
        rows.append((f"met:{c.id}", TOTAL))
    for c in protocol.components:
        if c.within_days is not None and not c.team:
            rows.append((f"on_time:{c.id}", TOTAL))
    rows.append(("high_fidelity", "*"))
    rows.append(("high_fidelity_reached", "*"))
    return rows


def pivot_summary(summary: pd.DataFrame, protocol: Protocol) -> pd.DataFrame:
    """Measures (rows) x arms (columns, then "I alt"): the n (share) cells of summary.csv,
    over all sites. Components get their labels, not their ids."""
    s = summary[(summary["site"] == ALL) & (summary["subgroup"] == ALL)]
    arms = sorted(a for a in s["arm"].unique() if a != ALL)
    labels = {c.id: c.label for c in protocol.components}
    out = []
    for measure, category in _pivot_measures(protocol):
        sel = s[s["measure"] == measure]
        if category != "*":
            sel = sel[sel["category"] == category]
        if sel.empty:
            continue
        head, _, comp = measure.partition(":")
        name = measure_label(head) + (f": {labels.get(comp, comp)}" if comp else "")
        if head == "citizens" and comp:
            name = f"Modtog: {labels.get(comp, comp)}"
        if category == "*":
            name += f" ({sel['category'].iloc[0]})"
        row = {"Mål": name}
        for arm in [*arms, ALL]:
            cell = sel[sel["arm"] == arm]
            row[TOTAL_COLUMN if arm == ALL else arm] = cell["value"].iloc[0] if len(cell) else ""
        out.append(row)
    return pd.DataFrame(out, columns=["Mål", *arms, TOTAL_COLUMN])


def fidelity_groups(per_citizen: pd.DataFrame) -> pd.Series:
    """Per citizen_id: high fidelity, low fidelity (reached, below the threshold), not reached."""
    pc = per_citizen.set_index("citizen_id")
    high = pc["high_fidelity"].fillna(False).astype(bool)
    reached = pc["reached"].astype(bool)
    return pd.Series(
        [HIGH if h else (LOW if r else NOT_REACHED) for h, r in zip(high, reached, strict=True)],
        index=pc.index,
    )


def _table(doc, df: pd.DataFrame, style: str = "Light Grid Accent 1") -> None:
    table = doc.add_table(rows=1, cols=len(df.columns))
    try:
        table.style = style
    except (KeyError, ValueError):
        table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, df.columns, strict=True):
        cell.text = str(name)
    for row in df.itertuples(index=False):
        cells = table.add_row().cells
        for cell, v in zip(cells, row, strict=True):
            cell.text = "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)


def report_docx(
    result: TallyResult,
    protocol: Protocol,
    *,
    title: str,
    flow_png: bytes | None = None,
    informants: pd.DataFrame | None = None,
    themes: pd.DataFrame | None = None,
    on: date | None = None,
) -> bytes:
    """The tally report as .docx bytes: pivoted summary, flow figure, checks, informants."""
    from docx import Document
    from docx.shared import Cm

    doc = Document()
    doc.add_heading(title, level=0)
    doc.add_paragraph(f"Protokol: {protocol.name}. Dato: {format_date_dk(on or date.today())}.")
    doc.add_heading("Rækkevidde, fidelitet og dosis", level=1)
    doc.add_paragraph("Antal borgere (andel af borgerne i armen).")
    _table(doc, pivot_summary(result.summary, protocol))
    doc.add_heading("Studieforløb", level=1)
    if flow_png:
        doc.add_picture(io.BytesIO(flow_png), width=Cm(16))
        doc.add_paragraph("Figur 1. Studieforløb (fra deltagerregistret).")
    report = result.checks[result.checks["check"].astype(str).str.startswith(("flow.", "report."))]
    if len(report):
        doc.add_heading("Uoverensstemmelser i forløbet", level=2)
        for msg in report["message"].astype(str):
            doc.add_paragraph(msg, style="List Bullet")
    if informants is not None and len(informants):
        doc.add_heading("Informanter", level=1)
        _table(doc, informants)
    if themes is not None and len(themes):
        doc.add_heading("Temaer efter fidelitet og bølge", level=1)
        doc.add_paragraph("Antal interviewede borgere med mindst ét kodet afsnit i temaet.")
        _table(doc, themes.reset_index())
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
