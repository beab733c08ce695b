"""`qualkit agreement --codings CODINGS.csv --out DIR` (docs/DESIGN.md "Command line")."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import ForceOpt


def register(app: typer.Typer) -> None:
    @app.command("agreement")
    def agreement(
        codings: Path = typer.Option(
            ..., "--codings", help="CSV/xlsx: document_id, segment_id, coder, code."
        ),
        out: Path = typer.Option(..., "--out", help="Mappe til agreement.csv."),
        force: bool = ForceOpt,
    ) -> None:
        """Enighed mellem kodere for hver kode og samlet: observeret enighed, Cohens kappa, Krippendorffs alfa."""
        from qualkit.agreement import agreement_rows, read_codings, write_agreement_csv

        rows = agreement_rows(read_codings(codings))
        target = write_agreement_csv(rows, out, force=force)
        overall = rows[-1]
        typer.echo(
            f"{target}: {len(rows) - 1} kode(r), {overall.units} enhed(er), {overall.coders} koder(e)."
        )
