"""`qualkit tally`: reach, fidelity and dose from a register, a delivery log and a protocol."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import ForceOpt


def tally_cmd(
    participants: Path = typer.Option(..., "--participants", help="Deltagerregister (CSV/xlsx)."),
    events: Path = typer.Option(..., "--events", help="Leveranceregister (CSV/xlsx)."),
    protocol: Path = typer.Option(
        ...,
        "--protocol",
        help="Leveranceprotokol (YAML) eller navnet på en medfølgende: tki2, backpain, vestegn, ishoej.",
    ),
    out: Path = typer.Option(..., "--out", help="Mappe til CSV-filerne."),
    force: bool = ForceOpt,
    figures: bool = typer.Option(
        False,
        "--figures",
        help="Skriv også flowdiagrammet (flow.svg, flow.png) og rapport.docx i OUT.",
    ),
) -> None:
    """Skriv per_citizen.csv, summary.csv, flow.csv, checks.csv og reach.csv i OUT.

    Alle inddata valideres helt, før noget skrives; mappen skrives i ét hug.
    Komponenter, der ikke står i protokollen, meldes i checks.csv.
    """
    # Imported here so other commands do not pay for pandas and scipy at start-up.
    from qualkit.delivery.flowchart import FIGURE_FILES, figure_writers
    from qualkit.delivery.frames import read_events_frame, read_participants_frame
    from qualkit.delivery.output import FILES, write_csv
    from qualkit.delivery.protocol import load_protocol
    from qualkit.delivery.tally import tally, validate_for_tally
    from qualkit.exports.files import check_folder, write_folder
    from qualkit.shipped import resolve_protocol

    names = [f"{n}.csv" for n in FILES] + (list(FIGURE_FILES) if figures else [])
    check_folder(out, names, force=force)  # refuse before any work
    proto = load_protocol(resolve_protocol(protocol))
    validate_for_tally(proto)
    register, attributes = read_participants_frame(participants)
    log = read_events_frame(events)
    result = tally(register, log, proto, attributes)
    files = {f"{n}.csv": (lambda path, n=n: write_csv(getattr(result, n), path)) for n in FILES}
    if figures:
        files.update(figure_writers(result, proto, title=f"Optælling: {proto.name}"))
    write_folder(out, files, force=force)  # all files or none; only qualkit's own replaced
    n_reached = int(result.per_citizen["reached"].sum())
    print(
        f"{len(result.per_citizen)} borgere, {n_reached} nået, {len(log)} leverancer; "
        f"{len(result.checks)} kontrol(ler) i {out / 'checks.csv'}"
    )


def register(app: typer.Typer) -> None:
    app.command("tally")(tally_cmd)
