"""`qualkit export quotes|qdpx|codings` and `qualkit import qdpx` (docs/DESIGN.md "Command line").

Outputs are written through a temporary file and renamed, so a refused or failed
export leaves nothing behind; a refusal names each passage and exits non-zero.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:  # services and exporters load when a command runs, not at start-up
    from qualkit.services import exports

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
        keys = sorted({f.key for f in result.report.overridden})
        from qualkit.services.export_memos import MEMO_KEY_BASE

        what = [
            f"segment {k}"
            if k >= 0
            else f"memo {-k - MEMO_KEY_BASE}"
            if -k > MEMO_KEY_BASE
            else f"title of interview {-k}"
            for k in keys
        ]
        print(f"Overridden by you (audited): {', '.join(what)}.")


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
    descriptor_first: bool = typer.Option(
        False, "--descriptor-first", help="Beskrivelseslinjen før citatet, som rapporterne."
    ),
    exchange: bool = typer.Option(
        False, "--exchange", help="Et svar på interviewerens spørgsmål vises med spørgsmålet."
    ),
    memos: bool = typer.Option(
        False,
        "--memos",
        help="Et bilag 'Memoer' med de memoer, du må læse (kode, interview, projekt).",
    ),
    force: bool = ForceOpt,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Themed quote set as a Word document."""
    from qualkit.exports.files import overwrite_allowed
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
    with overwrite_allowed(force):
        result = exports.export_quotes(
            ctx,
            out,
            flt,
            group_by=group_by,
            descriptor_fields=_split(describe) or None,
            overrides=override or [],
            descriptor_first=descriptor_first,
            exchange=exchange,
            memos=memos,
        )
    _report(result, "the quote set")


PositionsOpt = typer.Option(
    None,
    "--positions",
    help="utf16|codepoints: how startPosition/endPosition count (export default utf16, "
    "as NVivo, ATLAS.ti and MAXQDA read; import default: decided from the file).",
)


@export_app.command("qdpx")
def export_qdpx(
    out: Path = typer.Option(..., "--out", help="The REFI-QDA project to write (*.qdpx)."),
    positions: str | None = PositionsOpt,
    cases: bool = typer.Option(
        False, "--cases", help="Participants' non-identifying attributes as cases/variables."
    ),
    override: list[int] | None = OverrideOpt,
    force: bool = ForceOpt,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """REFI-QDA project: users, codebook, de-identified sources, codings by coder and
    consensus, memos, sets."""
    from qualkit.exports.files import overwrite_allowed
    from qualkit.exports.positions import DEFAULT_EXPORT_UNIT
    from qualkit.services import exchange

    ctx = context(data, user, project)
    unit = _unit(positions) or DEFAULT_EXPORT_UNIT
    with overwrite_allowed(force):
        result = exchange.export_qdpx(ctx, out, override or [], positions=unit, cases=cases)
    _report(result, "the REFI-QDA project")
    print(f"Positioner skrevet som {unit.value}.")


def _unit(value: str | None):
    from qualkit.errors import InputError
    from qualkit.exports.positions import PositionUnit

    if value is None:
        return None
    try:
        return PositionUnit(value.strip().lower())
    except ValueError:
        raise InputError(f"--positions {value!r}: brug utf16 eller codepoints.") from None


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
    from qualkit.exports.files import overwrite_allowed
    from qualkit.services import exports

    ctx = context(data, user, project)
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
        help="You attest the sources are already de-identified (audited per source); "
        "else they await review.",
    ),
    positions: str | None = PositionsOpt,
    speakers: bool = typer.Option(
        False, "--speakers", help="Read 'SPEAKER: text' lines as speaker turns."
    ),
    cases_as_participants: bool = typer.Option(
        False, "--cases-as-participants", help="Cases -> participants, variables -> attributes."
    ),
    report: Path | None = typer.Option(
        None, "--report", help="Write what was imported and left out as JSON."
    ),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
) -> None:
    """Bring a project coded in NVivo, ATLAS.ti, MAXQDA or QualCoder into a new qualkit project."""
    from qualkit.services.exchange_import import import_qdpx as run

    db = open_db(data)
    result = run(
        db,
        resolve_actor(db, user),
        path,
        project,
        deidentified=deidentified,
        positions=_unit(positions),
        speakers=speakers,
        cases_as_participants=cases_as_participants,
    )
    c = result.counts
    print(
        f"Importerede {path} som projekt {result.project_id} ({result.project_name!r}): "
        f"{c['sources']} kilder, {c['codes']} koder, {c['selections']} markeringer, "
        f"{c['codings']} kodninger af kodere, {c['consensus']} konsensuskodninger."
    )
    print(f"Program: {result.producer or 'ukendt'}; {result.positions.describe()}.")
    if result.coders:
        print(f"Kodere: {', '.join(result.coders)}.")
    if result.left_out:
        print(f"Ikke importeret ({len(result.left_out)}):")
        for p in result.left_out:
            print(f"  - {p.kind} {p.where}: {p.reason}")
    else:
        print("Intet udeladt.")
    if report is not None:
        print(f"Rapport: {result.write_report(report)}")


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")
