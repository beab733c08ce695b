"""`qualkit agreement --codings CODINGS.csv --out DIR` (docs/DESIGN.md "Command line")."""

from __future__ import annotations

from pathlib import Path

import typer

from qualkit.agreement import agreement_rows, read_codings, write_agreement_csv

from ._common import ForceOpt


def register(app: typer.Typer) -> None:
    @app.command("agreement")
    def agreement(
        codings: Path = typer.Option(
            ..., "--codings", help="CSV/xlsx: document_id, segment_id, coder, code."
        ),
        out: Path = typer.Option(..., "--out", help="Folder for agreement.csv."),
        force: bool = ForceOpt,
    ) -> None:
        """Inter-coder agreement per code and overall: observed agreement, Cohen's kappa, Krippendorff's alpha."""
        rows = agreement_rows(read_codings(codings))
        target = write_agreement_csv(rows, out, force=force)
        overall = rows[-1]
        typer.echo(
            f"{target}: {len(rows) - 1} code(s), {overall.units} unit(s), {overall.coders} coder(s)."
        )
