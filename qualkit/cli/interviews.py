"""`qualkit interviews ...`: stored interviews and their transcripts."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from qualkit.services import interviews
from qualkit.tabular import format_date_dk

from ._common import DataOpt, ProjectOpt, UserOpt, context

interviews_app = typer.Typer(help="Interviews and transcripts.", no_args_is_help=True)


@interviews_app.command("list")
def interviews_list(
    data: Path | None = DataOpt, user: str | None = UserOpt, project: str | None = ProjectOpt
) -> None:
    """List the project's interviews."""
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
    ctx = context(data, user, project)
    iid = interviews.import_text(ctx, path, title=title or path.stem, citizen_id=citizen_id)
    print(f"Imported {path} as interview {iid}.")


@interviews_app.command("add")
def interviews_add(
    title: str = typer.Option(..., "--title", help="The interview's title."),
    citizen_id: str | None = typer.Option(None, "--citizen", help="The citizen's project ID."),
    audio: Path | None = typer.Option(
        None, "--audio", metavar="FILE", help="A recording to attach (m4a, mp3, wav, ...)."
    ),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Create an interview, optionally with its recording (checked that it decodes)."""
    from qualkit.errors import InputError
    from qualkit.services import transcription
    from qualkit.transcription.audio import probe

    ctx = context(data, user, project)
    if audio is not None:
        if not audio.is_file():
            raise InputError(f"{audio}: filen findes ikke.")
        probe(audio)  # refuse unusable audio before anything is created
    iid = transcription.new_interview(ctx, title, citizen_id=citizen_id)
    if audio is None:
        print(f"Interview {iid} oprettet: {title}")
        return
    info = transcription.attach_audio(ctx, iid, audio.name, audio.read_bytes())
    print(
        f"Interview {iid} oprettet: {title}, med lyd {audio.name} "
        f"({info['duration']:.0f} s, {info['channels']} kanal(er))"
    )


@interviews_app.command("transcribe")
def interviews_transcribe(
    interview_id: int | None = typer.Argument(None, metavar="ID"),
    all_pending: bool = typer.Option(
        False, "--all-pending", help="Every interview with audio and no transcript yet."
    ),
    model: str | None = typer.Option(None, "--model", metavar="NAME|DIR"),
    speakers: int | None = typer.Option(
        None, "--speakers", min=1, max=6, help="Number of speakers (default: found)."
    ),
    language: str = typer.Option("da", "--language"),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Replace segments edited by hand, and their codings."
    ),
    wait: bool = typer.Option(
        False, "--wait", help="Return when the job(s) are done; non-zero exit if one failed."
    ),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Queue transcription of an interview's audio (run by `qualkit worker`)."""
    from qualkit.errors import InputError, QualkitError
    from qualkit.services import transcription

    if (interview_id is None) == (not all_pending):
        raise InputError("Angiv enten et interview-ID eller --all-pending.")
    ctx = context(data, user, project)
    lang = None if language in ("", "auto") else language
    if all_pending:
        queued = transcription.transcribe_all_pending(ctx, model=model, speakers=speakers)
        jobs = [(q.interview_id, q.job_id) for q in queued]
        print(f"{len(jobs)} interview(s) sat i kø til transskription.")
    else:
        job_id = transcription.start_transcription(
            ctx,
            interview_id,
            model=model,
            language=lang,
            speakers=speakers,
            overwrite_edited=overwrite,
        )
        jobs = [(interview_id, job_id)]
        print(f"Interview {interview_id}: job {job_id} sat i kø.")
    if not wait:
        if ctx.db.settings.is_sqlite and jobs:
            transcription.start_local_worker(ctx.db, idle_exit=120)
        return
    failed = []
    for iid, job_id in jobs:
        status = transcription.wait_for(ctx.db, job_id)
        job = transcription.get_job(ctx, job_id)
        if status == "done":
            print(f"Interview {iid}: færdig, {job['segments']} segmenter ({job['model']}).")
        else:
            failed.append(f"interview {iid}: {status} ({job['error'] or ''})")
    if failed:
        raise QualkitError("Transskription mislykkedes for " + "; ".join(failed))


def register(app: typer.Typer) -> None:
    app.add_typer(interviews_app, name="interviews")
