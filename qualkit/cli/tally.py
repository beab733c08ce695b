"""`qualkit tally`: reach, fidelity and dose from a register, a delivery log and a protocol."""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import ForceOpt


def tally_cmd(
    participants: Path = typer.Option(
        ..., "--participants", help="Participant register (CSV/xlsx)."
    ),
    events: Path = typer.Option(..., "--events", help="Delivery log (CSV/xlsx)."),
    protocol: Path = typer.Option(..., "--protocol", help="Delivery protocol (YAML)."),
    out: Path = typer.Option(..., "--out", help="Folder for the CSV files."),
    force: bool = ForceOpt,
    figures: bool = typer.Option(
        False, "--figures", help="Skriv også flowdiagrammet som flow.svg og flow.png i OUT."
    ),
) -> None:
    """Write per_citizen.csv, summary.csv, flow.csv, checks.csv and reach.csv into OUT.

    Every input is validated in full before anything is written; the folder is
    written in one go. Components not in the protocol are reported in checks.csv.
    """
    # Imported here so other commands do not pay for pandas and scipy at start-up.
    from qualkit.delivery.frames import read_events_frame, read_participants_frame
    from qualkit.delivery.output import FILES, write_report
    from qualkit.delivery.protocol import load_protocol
    from qualkit.delivery.tally import tally, validate_for_tally
    from qualkit.exports.files import check_folder

    check_folder(out, [f"{n}.csv" for n in FILES], force=force)  # refuse before any work
    proto = load_protocol(protocol)
    validate_for_tally(proto)
    register, attributes = read_participants_frame(participants)
    log = read_events_frame(events)
    result = tally(register, log, proto, attributes)
    write_report(result, out, force=force)
    if figures:
        from qualkit.delivery.flowchart import write_figures

        write_figures(result, out)
    n_reached = int(result.per_citizen["reached"].sum())
    print(
        f"{len(result.per_citizen)} citizens, {n_reached} reached, {len(log)} events; "
        f"{len(result.checks)} check(s) in {out / 'checks.csv'}"
    )


def register(app: typer.Typer) -> None:
    app.command("tally")(tally_cmd)
