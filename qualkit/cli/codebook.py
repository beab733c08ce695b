"""`qualkit codebook convert IN OUT`: codebook YAML <-> REFI-QDA .qdc, by extension."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import ForceOpt


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Kodebøger: konvertér mellem YAML og REFI-QDA .qdc.", no_args_is_help=True
    )

    @group.command("convert")
    def convert(
        source: Path = typer.Argument(..., metavar="IN", help=".yaml/.yml eller .qdc"),
        target: Path = typer.Argument(..., metavar="OUT", help=".yaml/.yml eller .qdc"),
        force: bool = ForceOpt,
    ) -> None:
        """Konvertér en kodebog; navne, hierarki, beskrivelser og include/exclude/example bevares."""
        from qualkit.codebooks.qdc import load_any, write_any

        book = load_any(source)
        write_any(book, target, force=force)
        n = sum(1 for _ in book.walk())
        typer.echo(f"{target}: kodebog '{book.name}', {n} kode(r).")

    app.add_typer(group, name="codebook")
