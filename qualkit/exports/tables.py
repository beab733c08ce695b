"""Codings as spreadsheets: a row per coding, a codes x participants matrix, the tallies.

`.xlsx` gets one sheet each ("Kodninger", "Koder x deltagere", and "Tally <name>" for
the delivery tallies when the project has them); `.csv` holds the coding rows only,
the Danish way (`;`, dd-mm-yyyy), as docs/DESIGN.md's interchange formats promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from qualkit.errors import InputError
from qualkit.tabular import write_csv_rows
from qualkit.transcripts.textformat import format_timestamp

COLUMNS = {
    "document": "dokument",
    "segment": "segment",
    "speaker": "taler",
    "time": "tid",
    "code_key": "kode_id",
    "code": "kode",
    "coder": "koder",
    "consensus": "konsensus",
    "text": "tekst",
}


@dataclass
class CodingRow:
    document: str
    segment: int  # the segment's position in its interview (0-based)
    speaker: str
    start: float | None
    code_key: str
    code: str
    coder: str
    consensus: bool
    text: str
    participant: str | None = None  # citizen_id for the matrix; never a name

    def as_dict(self) -> dict[str, object]:
        return {
            COLUMNS["document"]: self.document,
            COLUMNS["segment"]: self.segment,
            COLUMNS["speaker"]: self.speaker,
            COLUMNS["time"]: format_timestamp(self.start),
            COLUMNS["code_key"]: self.code_key,
            COLUMNS["code"]: self.code,
            COLUMNS["coder"]: self.coder,
            COLUMNS["consensus"]: "ja" if self.consensus else "nej",
            COLUMNS["text"]: self.text,
        }


def codings_frame(rows: list[CodingRow]) -> pd.DataFrame:
    return pd.DataFrame([r.as_dict() for r in rows], columns=list(COLUMNS.values()))


def matrix_frame(rows: list[CodingRow]) -> pd.DataFrame:
    """Codes x participants: how many consensus codings each citizen's interviews got per code
    (individual coders' rows are left out so one passage counts once)."""
    data = [(r.code, r.participant) for r in rows if r.consensus and r.participant]
    if not data:
        return pd.DataFrame({"kode": []})
    df = pd.DataFrame(data, columns=["kode", "citizen_id"])
    table = pd.crosstab(df["kode"], df["citizen_id"])
    table.columns.name = None
    return table.reset_index()


def write_csv(rows: list[CodingRow], path: Path) -> None:
    """The coding rows the Danish way; every text cell neutralised against formulas."""
    write_csv_rows(
        path, list(COLUMNS.values()), (r.as_dict().values() for r in rows), lineterminator="\r\n"
    )


def _sheet_name(name: str, used: set[str]) -> str:
    base = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Ark"
    out, i = base, 2
    while out in used:
        out = f"{base[:28]} {i}"
        i += 1
    used.add(out)
    return out


def write_xlsx(
    rows: list[CodingRow], path: Path, tallies: dict[str, pd.DataFrame] | None = None
) -> None:
    used: set[str] = set()
    # Text is always a string cell: never a formula or a link, whatever a code is named.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(path, engine="xlsxwriter", engine_kwargs={"options": options}) as xw:
        codings_frame(rows).to_excel(xw, sheet_name=_sheet_name("Kodninger", used), index=False)
        matrix_frame(rows).to_excel(
            xw, sheet_name=_sheet_name("Koder x deltagere", used), index=False
        )
        for name, frame in (tallies or {}).items():
            frame.to_excel(xw, sheet_name=_sheet_name(f"Tally {name}", used), index=False)


def write_table(
    rows: list[CodingRow],
    path: str | Path,
    kind: str,
    tallies: dict[str, pd.DataFrame] | None = None,
) -> None:
    """Write ``kind`` ('.csv' or '.xlsx', from :func:`table_kind` of the final name) to path."""
    if kind == ".csv":
        write_csv(rows, Path(path))
    else:
        write_xlsx(rows, Path(path), tallies)


def table_kind(path: str | Path) -> str:
    """'.xlsx' or '.csv' from the output name; other names are refused before any work."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InputError(f"{path}: outputfilen skal ende på .xlsx eller .csv.")
    return suffix
