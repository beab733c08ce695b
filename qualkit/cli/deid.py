"""`qualkit deid INPUT.txt [--roster ROSTER.csv] [--out REDACTED.txt] [--spans-out SPANS.jsonl]`."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.messages import os_reason

from ._common import ForceOpt


def read_input_text(path: Path) -> str:
    """UTF-8 (with or without BOM), else Windows-1252/latin-1 from old Word exports."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(_msg("file.unreadable", path=path, reason=os_reason(exc))) from None
    if not raw.strip():
        raise InputError(_msg("file.empty", path=path))
    if b"\x00" in raw[:4096] or raw[:4] in (b"PK\x03\x04", b"%PDF"):
        raise InputError(f"{path}: binær fil; forventede ren transskriptionstekst.")
    from qualkit.limits import check_text_bytes

    check_text_bytes(raw, str(path))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _write_atomic(path: Path, text: str) -> None:
    from qualkit.exports.files import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def run_deid(
    input_path: Path,
    roster_path: Path | None,
    out: Path | None,
    spans_out: Path | None,
    force: bool = False,
) -> tuple[str, list]:
    from qualkit.deid import Pseudonymiser, detect, redact
    from qualkit.deid.roster import read_roster

    text = read_input_text(input_path)  # validate everything before any write
    roster = read_roster(roster_path) if roster_path else []
    spans = Pseudonymiser(roster).assign(detect(text, roster))
    redacted = redact(text, spans)
    lines = "".join(json.dumps(s.as_dict(), ensure_ascii=False) + "\n" for s in spans)
    from qualkit.exports.files import check_file, overwrite_allowed

    with overwrite_allowed(force):
        for target in (spans_out, out):
            if target:
                check_file(target)  # both refused before either is written
        if spans_out:
            _write_atomic(spans_out, lines)
        if out:
            _write_atomic(out, redacted)
    return redacted, spans


def register(app: typer.Typer) -> None:
    @app.command("deid")
    def deid(
        input: Path = typer.Argument(..., help="Transskriptionens tekst (.txt)."),
        roster: Path | None = typer.Option(None, "--roster", help="CSV med name, role, pseudonym."),
        out: Path | None = typer.Option(
            None, "--out", help="Skriv den pseudonymiserede tekst her."
        ),
        spans_out: Path | None = typer.Option(
            None, "--spans-out", help="Skriv ét JSON-fund pr. linje her."
        ),
        force: bool = ForceOpt,
    ) -> None:
        """Pseudonymisér en transskription: navne, steder, CPR- og telefonnumre -> pseudonymer."""
        redacted, spans = run_deid(input, roster, out, spans_out, force)
        if out is None:
            typer.echo(redacted, nl=False)
        else:
            typer.echo(f"{len(spans)} fund erstattet; skrev {out}.", err=True)
