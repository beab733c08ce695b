"""`qualkit interviews ...`: stored interviews and their transcripts."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ._common import DataOpt, ProjectOpt, UserOpt, context

interviews_app = typer.Typer(help="Interviews and transcripts.", no_args_is_help=True)


@interviews_app.command("list")
def interviews_list(
    data: Path | None = DataOpt, user: str | None = UserOpt, project: str | None = ProjectOpt
) -> None:
    """List the project's interviews."""
    from qualkit.services import interviews
    from qualkit.tabular import format_date_dk

    ctx = context(data, user, project)
    for iv in interviews.list_interviews(ctx):
        print(
            f"{iv['id']:>4}  {format_date_dk(iv['date']):<10}  {iv['status']:<12} "
            f"{iv['segments']:>4} segm.  {iv['title']}"
        )


@interviews_app.command("show")
def interviews_show(
    interview_id: int,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Print one transcript in the transcript text format."""
    from qualkit.services import interviews
    from qualkit.transcripts.textformat import Turn, format_transcript

    ctx = context(data, user, project)
    t = interviews.get_transcript(ctx, interview_id)
    turns = [Turn(s["speaker"], s["text"], s["start"]) for s in t["segments"]]
    sys.stdout.write(format_transcript(turns))


@interviews_app.command("import")
def interviews_import(
    path: Path,
    title: str | None = typer.Option(None, "--title"),
    citizen_id: str | None = typer.Option(None, "--citizen"),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Import a transcript made elsewhere (.txt or .docx in the transcript format)."""
    from qualkit.services import interviews

    ctx = context(data, user, project)
    iid = interviews.import_text(ctx, path, title=title or path.stem, citizen_id=citizen_id)
    print(f"Imported {path} as interview {iid}.")


def register(app: typer.Typer) -> None:
    app.add_typer(interviews_app, name="interviews")
