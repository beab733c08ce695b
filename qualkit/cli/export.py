"""`qualkit export quotes|qdpx|codings` and `qualkit import qdpx` (docs/DESIGN.md "Command line").

Outputs are written through a temporary file and renamed, so a refused or failed
export leaves nothing behind; a refusal names each passage and exits non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from ._common import (
    DataOpt,
    ForceOpt,
    ProjectOpt,
    UserOpt,
    context,
    open_db,
    resolve_actor,
)

export_app = typer.Typer(
    help="Exports: quote sets (.docx), REFI-QDA projects, coding tables.", no_args_is_help=True
)
if TYPE_CHECKING:
    from qualkit.services import exports

import_app = typer.Typer(help="Imports of projects made elsewhere.", no_args_is_help=True)

OverrideOpt = typer.Option(
    None,
    "--override",
    help="Export this segment although the safety check flags it (audited); repeat for several.",
)


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _report(result: exports.ExportResult, what: str) -> None:
    counts = ", ".join(
        f"{k} {v}" for k, v in result.counts.items() if v or not k.startswith("skipped")
    )
    print(f"Wrote {what} to {result.path} ({counts}).")
    if result.report.overridden:
        keys = sorted({f.key for f in result.report.overridden if f.key is not None})
        passages = [f"segment {k}" if k >= 0 else f"title of interview {-k}" for k in keys]
        print(f"Overridden by you (audited): {', '.join(passages)}.")


@export_app.command("quotes")
def export_quotes(
    out: Path = typer.Option(..., "--out", help="The Word file to write (*.docx)."),
    group_by: str = typer.Option("code", "--group-by", help="code|framework"),
    role: list[str] | None = typer.Option(
        None, "--role", help="Speaker role, e.g. borger, jobkonsulent."
    ),
    arm: list[str] | None = typer.Option(None, "--arm"),
    site: list[str] | None = typer.Option(None, "--site"),
    wave: list[int] | None = typer.Option(None, "--wave"),
    code: list[str] | None = typer.Option(None, "--code", help="Code id (includes its sub-codes)."),
    starred_only: bool = typer.Option(
        False, "--starred-only", help="Only quotes a writer starred."
    ),
    describe: list[str] | None = typer.Option(
        None,
        "--describe",
        help="Descriptor fields in order, e.g. label,køn,alder,arm,diagnosegruppe.",
    ),
    override: list[int] | None = OverrideOpt,
    force: bool = ForceOpt,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Themed quote set as a Word document."""
    from qualkit.services import exports
    from qualkit.services.exports import QuoteFilter

    ctx = context(data, user, project)
    flt = QuoteFilter(
        roles=_split(role),
        arms=_split(arm),
        sites=_split(site),
        waves=list(wave or []),
        codes=_split(code),
        starred_only=starred_only,
    )
    from qualkit.exports.files import overwrite_allowed

    with overwrite_allowed(force):
        result = exports.export_quotes(
            ctx,
            out,
            flt,
            group_by=group_by,
            descriptor_fields=_split(describe) or None,
            overrides=override or [],
        )
    _report(result, "the quote set")


@export_app.command("qdpx")
def export_qdpx(
    out: Path = typer.Option(..., "--out", help="The REFI-QDA project to write (*.qdpx)."),
    override: list[int] | None = OverrideOpt,
    force: bool = ForceOpt,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """REFI-QDA project: users, codebook, de-identified sources, consensus codings, memos."""
    from qualkit.services import exchange

    ctx = context(data, user, project)
    from qualkit.exports.files import overwrite_allowed

    with overwrite_allowed(force):
        result = exchange.export_qdpx(ctx, out, override or [])
    _report(result, "the REFI-QDA project")


@export_app.command("codings")
def export_codings(
    out: Path = typer.Option(..., "--out", help="*.xlsx or *.csv"),
    override: list[int] | None = OverrideOpt,
    force: bool = ForceOpt,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """A row per coding; .xlsx adds the codes x participants matrix and the tallies."""
    from qualkit.services import exports

    ctx = context(data, user, project)
    from qualkit.exports.files import overwrite_allowed

    with overwrite_allowed(force):
        result = exports.export_codings(ctx, out, override or [])
    _report(result, "the codings")


@import_app.command("qdpx")
def import_qdpx(
    path: Path,
    project: str | None = typer.Option(
        None, "--project", help="Name of the NEW project (default: the name in the file)."
    ),
    deidentified: bool = typer.Option(
        False,
        "--deidentified",
        help="The sources are already pseudonymised (audited); else they await review.",
    ),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
) -> None:
    """Bring a project coded in NVivo, ATLAS.ti, MAXQDA or QualCoder into a new qualkit project."""
    from qualkit.services import exchange

    db = open_db(data)
    pid = exchange.import_qdpx(
        db, resolve_actor(db, user), path, project, deidentified=deidentified
    )
    print(f"Imported {path} as project {pid}.")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")
