"""`qualkit review propose|decide|approve ID`: de-identification of a stored interview.

Proposal numbers are the ones ``review propose`` prints; every command obeys the same roles
as the app (the services check them) and prints one line per error.
"""

from __future__ import annotations

from pathlib import Path

import typer

from qualkit.errors import InputError

from ._common import DataOpt, InterviewArg, ProjectOpt, UserOpt, context

review_app = typer.Typer(help="Pseudonymisering af et gemt interview.", no_args_is_help=True)

STATES = {"proposed": "foreslået", "accepted": "accepteret", "rejected": "afvist"}


@review_app.command("propose")
def review_propose(
    interview_id: int = InterviewArg,
    roster: Path | None = typer.Option(None, "--roster", help="ROSTER.csv: name, role, pseudonym"),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Kør genkenderne over interviewet og vis de nummererede forslag."""
    from qualkit.services import deid

    ctx = context(data, user, project)
    entries = None
    if roster is not None:
        from qualkit.deid.roster import read_roster

        entries = read_roster(roster)
    n = deid.propose(ctx, interview_id, entries)
    shown = deid.numbered(ctx, interview_id)
    print(f"Interview {interview_id}: {n} nye forslag; {len(shown)} i alt.")
    for p in shown:
        where = f"segment {p.segment}" if p.segment is not None else "taler"
        print(
            f"{p.number:>4}  {where:<12} {p.label:<13} '{p.text}' -> {p.pseudonym or ''}  "
            f"({STATES.get(p.decision, p.decision)}, {p.source})"
        )


def _numbers(tokens: list[str]) -> tuple[list[int], list[int]]:
    """``--accept 1 2 --reject 3`` (also ``--accept 1,2`` and repeated flags)."""
    accept: list[int] = []
    reject: list[int] = []
    target: list[int] | None = None
    for tok in tokens:
        if tok in ("--accept", "--reject"):
            target = accept if tok == "--accept" else reject
            continue
        if tok.startswith(("--accept=", "--reject=")):
            flag, _, tok = tok.partition("=")
            target = accept if flag == "--accept" else reject
        if target is None:
            raise InputError(
                f"Ukendt argument '{tok}': brug --accept-all, --accept N eller --reject N."
            )
        for part in tok.split(","):
            if not part.strip().isdigit():
                raise InputError(f"'{part}' er ikke et forslagsnummer.")
            target.append(int(part))
    return accept, reject


@review_app.command(
    "decide", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
)
def review_decide(
    typer_ctx: typer.Context,
    interview_id: int = InterviewArg,
    accept_all: bool = typer.Option(False, "--accept-all", help="Acceptér alle åbne forslag."),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Acceptér eller afvis forslag efter nummer: --accept-all | --accept N... | --reject N..."""
    from qualkit.services import deid

    accept, reject = _numbers(list(typer_ctx.args))
    if accept_all and (accept or reject):
        raise InputError("Brug enten --accept-all eller --accept/--reject, ikke begge.")
    ctx = context(data, user, project)
    n = deid.decide_numbers(ctx, interview_id, accept_all=accept_all, accept=accept, reject=reject)
    print(f"Interview {interview_id}: {n} forslag afgjort.")


@review_app.command("approve")
def review_approve(
    interview_id: int = InterviewArg,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Godkend: pseudonymer ind i teksten, råteksten forsegles i nøgleboksen."""
    from qualkit.services import deid

    ctx = context(data, user, project)
    res = deid.approve(ctx, interview_id)
    print(
        f"Interview {interview_id} er godkendt: {res.replaced} steder erstattet med "
        f"pseudonymer i {res.segments} segmenter."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
