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
    help="Eksport: citatsamlinger (.docx), REFI-QDA-projekter, kodningstabeller.",
    no_args_is_help=True,
)
# The result counts' keys (code) as the CLI's line names them.
COUNT_NAMES = {
    "quotes": "citater",
    "themes": "temaer",
    "speakers": "talere",
    "skipped_withdrawn": "udeladt (samtykke trukket tilbage)",
    "skipped_revealing": "udeladt (afslørende)",
    "skipped_not_deidentified": "udeladt (ikke pseudonymiseret)",
    "sources": "kilder",
    "codes": "koder",
    "codings": "kodninger",
    "users": "brugere",
    "consensus": "konsensuskodninger",
    "tally_sheets": "optællingsark",
    "memos": "memoer",
}
import_app = typer.Typer(help="Import af projekter lavet i andre programmer.", no_args_is_help=True)

OverrideOpt = typer.Option(
    None,
    "--override",
    help="Eksportér dette segment, selv om sikkerhedstjekket markerer det (logføres); gentag for flere.",
)


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for item in values or [] for v in item.split(",") if v.strip()]


def _report(result: exports.ExportResult, what: str) -> None:
    counts = ", ".join(
        f"{COUNT_NAMES.get(k, k)} {v}"
        for k, v in result.counts.items()
        if v or not k.startswith("skipped")
    )
    print(f"Skrev {what} til {result.path} ({counts}).")
    if result.report.overridden:
        # Overridden findings come from pass 1, on a passage's key (never None); filtered as in
        # export_policy.audit_overrides.
        keys = sorted({f.key for f in result.report.overridden if f.key is not None})
        from qualkit.services.export_memos import MEMO_KEY_BASE

        names = [
            f"segment {k}"
            if k >= 0
            else f"memo {-k - MEMO_KEY_BASE}"
            if -k > MEMO_KEY_BASE
            else f"titlen på interview {-k}"
            for k in keys
        ]
        print(f"Tilsidesat af dig (logført): {', '.join(names)}.")


@export_app.command("quotes")
def export_quotes(
    out: Path = typer.Option(..., "--out", help="Word-filen, der skrives (*.docx)."),
    group_by: str = typer.Option(
        "code", "--group-by", help="code|framework (efter kode eller analyseramme)"
    ),
    role: list[str] | None = typer.Option(
        None, "--role", help="Talerens rolle, fx borger, jobkonsulent."
    ),
    arm: list[str] | None = typer.Option(None, "--arm", help="Forsøgsarm."),
    site: list[str] | None = typer.Option(None, "--site", help="Sted."),
    wave: list[int] | None = typer.Option(None, "--wave", help="Bølge."),
    code: list[str] | None = typer.Option(None, "--code", help="Kodens id (med dens underkoder)."),
    starred_only: bool = typer.Option(
        False, "--starred-only", help="Kun citater, en rapportskriver har stjernemarkeret."
    ),
    describe: list[str] | None = typer.Option(
        None,
        "--describe",
        help="Beskrivelsesfelter i rækkefølge, fx label,køn,alder,arm,diagnosegruppe.",
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
    """Tematisk citatsamling som Word-dokument."""
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
    _report(result, "citatsamlingen")


PositionsOpt = typer.Option(
    None,
    "--positions",
    help="utf16|codepoints: hvordan startPosition/endPosition tælles (eksport: standard utf16, "
    "som NVivo, ATLAS.ti og MAXQDA læser; import: standard afgøres ud fra filen).",
)


@export_app.command("qdpx")
def export_qdpx(
    out: Path = typer.Option(..., "--out", help="REFI-QDA-projektet, der skrives (*.qdpx)."),
    positions: str | None = PositionsOpt,
    cases: bool = typer.Option(
        False, "--cases", help="Deltagernes ikke-identificerende egenskaber som cases/variabler."
    ),
    override: list[int] | None = OverrideOpt,
    force: bool = ForceOpt,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """REFI-QDA-projekt: brugere, kodebog, pseudonymiserede kilder, kodninger fordelt på kodere og
    konsensus, notater, sæt."""
    from qualkit.exports.files import overwrite_allowed
    from qualkit.exports.positions import DEFAULT_EXPORT_UNIT
    from qualkit.services import exchange

    ctx = context(data, user, project)
    unit = _unit(positions) or DEFAULT_EXPORT_UNIT
    with overwrite_allowed(force):
        result = exchange.export_qdpx(ctx, out, override or [], positions=unit, cases=cases)
    _report(result, "REFI-QDA-projektet")
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
    out: Path = typer.Option(..., "--out", help="*.xlsx eller *.csv"),
    override: list[int] | None = OverrideOpt,
    force: bool = ForceOpt,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """En række for hver kodning; .xlsx får også matricen koder x deltagere og optællingerne."""
    from qualkit.exports.files import overwrite_allowed
    from qualkit.services import exports

    ctx = context(data, user, project)
    with overwrite_allowed(force):
        result = exports.export_codings(ctx, out, override or [])
    _report(result, "kodningerne")


@import_app.command("qdpx")
def import_qdpx(
    path: Path = typer.Argument(
        ..., metavar="FILE.qdpx", help="REFI-QDA-projektet, der importeres."
    ),
    project: str | None = typer.Option(
        None, "--project", help="Navnet på det NYE projekt (standard: navnet i filen)."
    ),
    deidentified: bool = typer.Option(
        False,
        "--deidentified",
        help="Du bekræfter, at kilderne allerede er pseudonymiserede (logføres pr. kilde); "
        "ellers venter de på gennemgang.",
    ),
    positions: str | None = PositionsOpt,
    speakers: bool = typer.Option(
        False, "--speakers", help="Læs linjer 'TALER: tekst' som taleture."
    ),
    cases_as_participants: bool = typer.Option(
        False, "--cases-as-participants", help="Cases -> deltagere, variabler -> egenskaber."
    ),
    report: Path | None = typer.Option(
        None, "--report", help="Skriv, hvad der blev importeret og udeladt, som JSON."
    ),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
) -> None:
    """Hent et projekt kodet i NVivo, ATLAS.ti, MAXQDA eller QualCoder ind i et nyt qualkit-projekt."""
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
