"""`qualkit codebook convert IN OUT`: codebook YAML <-> REFI-QDA .qdc, by extension."""

from __future__ import annotations

from pathlib import Path

import typer

from qualkit.codebooks.qdc import load_any, write_any

from ._common import ForceOpt


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Codebooks: convert between YAML and REFI-QDA .qdc.", no_args_is_help=True
    )

    @group.command("convert")
    def convert(
        source: Path = typer.Argument(..., metavar="IN", help=".yaml/.yml or .qdc"),
        target: Path = typer.Argument(..., metavar="OUT", help=".yaml/.yml or .qdc"),
        force: bool = ForceOpt,
    ) -> None:
        """Convert a codebook; names, hierarchy, descriptions, include/exclude/example are kept."""
        book = load_any(source)
        write_any(book, target, force=force)
        n = sum(1 for _ in book.walk())
        typer.echo(f"{target}: codebook '{book.name}', {n} code(s).")

    app.add_typer(group, name="codebook")
