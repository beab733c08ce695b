"""The files of `qualkit agreement`: CODINGS.csv in, agreement.csv out.

agreement.csv is written the Danish-Excel way, like qualkit's other tables:
`;`-separated, UTF-8 with BOM, numbers with a decimal comma and four decimals,
empty cells where a statistic is undefined. Reading a codings file accepts `;`
or `,`, with or without BOM, or .xlsx (tabular.read_table); reading numbers
elsewhere accepts a decimal comma or point (tabular.parse_number).
"""

from __future__ import annotations

from pathlib import Path

from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.tabular import Problem, TableErrors, read_table, require_columns

from .stats import AgreementRow

CODING_COLUMNS = ["document_id", "segment_id", "coder", "code"]
AGREEMENT_COLUMNS = ["code", "units", "coders", "observed_agreement", "kappa", "alpha"]


def read_codings(path: str | Path) -> list[tuple[str, str, str, str]]:
    """Validated (document_id, segment_id, coder, code) rows; every problem named by row/column."""
    table = read_table(path)
    require_columns(table, CODING_COLUMNS)
    problems: list[Problem] = []
    out: list[tuple[str, str, str, str]] = []
    for row, number in zip(table.rows, table.row_numbers, strict=True):
        bad = False
        for col in ("document_id", "segment_id", "coder"):
            if not row[col]:
                problems.append(
                    Problem(
                        table.path,
                        number,
                        col,
                        _msg("value.empty") + "; hver række skal have en værdi",
                    )
                )
                bad = True
        if not bad:
            out.append((row["document_id"], row["segment_id"], row["coder"], row["code"]))
    if problems:
        raise TableErrors(problems)
    if not out:
        raise InputError(
            f"{table.path}: ingen kodninger (filen har en overskrift, men ingen rækker)."
        )
    coders = {r[2] for r in out}
    if len(coders) < 2:
        raise InputError(
            f"{table.path}: enighed kræver mindst to kodere; "
            f"fandt {len(coders)} ({', '.join(sorted(coders))})."
        )
    return out


def _num(x: float | None) -> str:
    return "" if x is None else f"{x:.4f}".replace(".", ",")


def agreement_table(rows: list[AgreementRow]) -> list[list[str]]:
    return [
        [
            r.code,
            str(r.units),
            str(r.coders),
            _num(r.observed_agreement),
            _num(r.kappa),
            _num(r.alpha),
        ]
        for r in rows
    ]


def write_agreement_csv(
    rows: list[AgreementRow], out_dir: str | Path, *, force: bool | None = None
) -> Path:
    """Write DIR/agreement.csv through the one output mechanism (new folder or only
    qualkit's own files replaced; never half-written; text cells neutralised)."""
    from qualkit.exports.files import write_folder
    from qualkit.tabular import write_csv_rows

    def write(path: Path) -> None:
        write_csv_rows(path, list(AGREEMENT_COLUMNS), agreement_table(rows), lineterminator="\r\n")

    return write_folder(out_dir, {"agreement.csv": write}, force=force)[0]
