"""`qualkit coding apply` and `qualkit consensus add`: coding a stored interview.

Segment numbers count from 1 in ``qualkit interviews show ID`` order; CODE_ID is the code's
id in the codebook (``impl.trepartssamtale``). Roles as in the app: the services check them.
"""

from __future__ import annotations

from pathlib import Path

import typer

from ._common import DataOpt, InterviewArg, ProjectOpt, UserOpt, context

coding_app = typer.Typer(help="Kodning af et interview (egne kodninger).", no_args_is_help=True)
consensus_app = typer.Typer(help="Konsensuskodninger.", no_args_is_help=True)

SegmentOpt = typer.Option(..., "--segment", help="Segmentnummer (fra 1, som i interviews show).")
CodeOpt = typer.Option(..., "--code", help="Kodens id i kodebogen.")


@coding_app.command("apply")
def coding_apply(
    interview_id: int = InterviewArg,
    segment: int = SegmentOpt,
    code: str = CodeOpt,
    span: str | None = typer.Option(None, "--span", help="Et tekststykke af segmentet."),
    memo: str = typer.Option("", "--memo", help="Et notat til kodningen."),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Anvend en kode på segment N (eventuelt på et tekststykke, med et notat)."""
    from qualkit.services import coding, segments

    ctx = context(data, user, project)
    ctx.require("coding.write")
    seg_id = segments.segment_by_number(ctx, interview_id, segment)
    code_id = segments.code_by_key(ctx, code)
    ids = coding.apply_code(ctx, [seg_id], code_id, fragment=span, memo=memo)
    print(f"Kode '{code}' anvendt på segment {segment} i interview {interview_id} ({len(ids)}).")


@consensus_app.command("add")
def consensus_add(
    interview_id: int = InterviewArg,
    segment: int = SegmentOpt,
    code: str = CodeOpt,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Tilføj en konsensuskodning af en kode på segment N."""
    from qualkit.services import consensus, segments

    ctx = context(data, user, project)
    ctx.require("consensus.write")
    seg_id = segments.segment_by_number(ctx, interview_id, segment)
    code_id = segments.code_by_key(ctx, code)
    consensus.reconcile(ctx, "new", segment_id=seg_id, code_id=code_id)
    print(f"Konsensuskodning '{code}' tilføjet segment {segment} i interview {interview_id}.")


def register(app: typer.Typer) -> None:
    app.add_typer(coding_app, name="coding")
    app.add_typer(consensus_app, name="consensus")
