"""Report-ready outputs from the stored project: themes x fidelity group and wave, and the
.docx report with the pivoted table, the flow figure and the informant-sample table."""

from __future__ import annotations

import io

from qualkit.services import tally

from .conftest import ctx_as


def test_theme_display_and_docx_report_on_the_demo(demo):
    from docx import Document

    db, result = demo
    ctx = ctx_as(db, result.project_id, "writer")
    themes = tally.theme_display(ctx)
    assert len(themes) and themes.index.name == "Tema"
    # Columns cross fidelity groups with waves; cells count interviewed citizens.
    assert all(", bølge " in c for c in themes.columns)
    assert themes.to_numpy().max() <= 3  # three citizen interviews in the demo
    doc = Document(io.BytesIO(tally.report_bytes(ctx)))
    assert len(doc.inline_shapes) == 1
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert {"Studieforløb", "Informanter", "Temaer efter fidelitet og bølge"} <= set(headings)
    pivot = doc.tables[0]
    assert [c.text for c in pivot.rows[0].cells][-1] == "I alt"
    reached = next(r for r in pivot.rows if r.cells[0].text == "Nået")
    assert reached.cells[-1].text.endswith("%)")
    informants = doc.tables[1]
    assert [c.text for c in informants.rows[0].cells][:2] == ["type", "rolle"]
