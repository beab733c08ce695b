"""`qualkit interviews ...`: stored interviews and their transcripts."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from ._common import DataOpt, InterviewArg, ProjectOpt, UserOpt, context

interviews_app = typer.Typer(help="Interviews og transskriptioner.", no_args_is_help=True)


@interviews_app.command("list")
def interviews_list(
    data: Path | None = DataOpt, user: str | None = UserOpt, project: str | None = ProjectOpt
) -> None:
    """Vis projektets interviews."""
    from qualkit.services import interviews
    from qualkit.tabular import format_date_dk

    ctx = context(data, user, project)
    rows = interviews.list_interviews(ctx)
    if not rows:
        print("Projektet har ingen interviews.")
        return
    print(
        f"{'id':>4}  {'dato':<10}  {'type':<11} {'bølge':>5}  {'interviewer':<11} "
        f"{'sted':<16} {'borgere':<14} {'status':<12} {'segm.':>5}  titel"
    )
    for iv in rows:
        wave = "" if iv["wave"] is None else str(iv["wave"])
        print(
            f"{iv['id']:>4}  {format_date_dk(iv['date']):<10}  {iv['kind']:<11} {wave:>5}  "
            f"{iv['interviewer'] or '':<11} {iv['site'] or '':<16} "
            f"{','.join(iv['citizens']) or '-':<14} {iv['status']:<12} "
            f"{iv['segments']:>5}  {iv['title']}"
        )


@interviews_app.command("show")
def interviews_show(
    interview_id: int = InterviewArg,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Udskriv en transskription i transskriptionsformatet."""
    from qualkit.services import interviews
    from qualkit.transcripts.textformat import Turn, format_transcript

    ctx = context(data, user, project)
    t = interviews.get_transcript(ctx, interview_id)
    turns = [Turn(s["speaker"], s["text"], s["start"]) for s in t["segments"]]
    sys.stdout.write(format_transcript(turns))


CitizenOpt = typer.Option(
    None,
    "--citizen",
    help="Deltagerens projekt-ID (gentag for en fokusgruppe eller fælles interview).",
)
KindOpt = typer.Option(
    None,
    "--kind",
    help="citizen, staff, focus_group, joint, fieldnote, logbook eller document (standard: citizen).",
)
WaveOpt = typer.Option(None, "--wave", help="Bølge (1, 2, 3, ...).")
DateOpt = typer.Option(None, "--date", help="Interviewdato (01-04-2019 eller 2019-04-01).")
InterviewerOpt = typer.Option(None, "--interviewer", help="Interviewerens initialer.")
SiteOpt = typer.Option(None, "--site", help="Sted (standard: borgerens sted).")
StaffRoleOpt = typer.Option(None, "--staff-role", help="Medarbejderens rolle (staff-interviews).")


def _meta(kind, wave, date, interviewer, site, citizens, staff_role):
    from qualkit.services.interview_meta import parse_meta

    return parse_meta(
        kind=kind,
        wave=wave,
        interview_date=date,
        interviewer=interviewer,
        site=site,
        citizens=citizens or [],
        staff_role=staff_role,
    )


@interviews_app.command("add")
def interviews_add(
    title: str = typer.Option(..., "--title", help="Interviewets titel."),
    citizen_id: list[str] | None = CitizenOpt,
    kind: str | None = KindOpt,
    wave: str | None = WaveOpt,
    date: str | None = DateOpt,
    interviewer: str | None = InterviewerOpt,
    site: str | None = SiteOpt,
    staff_role: str | None = StaffRoleOpt,
    audio: Path | None = typer.Option(None, "--audio", help="Lydfil, kontrolleres og gemmes."),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Opret et interview (metadata, eventuelt lyd), der venter på transskription."""
    from qualkit.services import interviews

    ctx = context(data, user, project)
    meta = _meta(kind, wave, date, interviewer, site, citizen_id, staff_role)
    iid = interviews.add_interview(ctx, title, meta, audio=audio)
    print(f"Interview {iid} oprettet ({meta.kind.value}){' med lyd' if audio else ''}.")


@interviews_app.command("import")
def interviews_import(
    path: Path = typer.Argument(..., metavar="FILE", help="Transskriptionen (.txt eller .docx)."),
    title: str | None = typer.Option(None, "--title"),
    citizen_id: list[str] | None = CitizenOpt,
    kind: str | None = KindOpt,
    wave: str | None = WaveOpt,
    date: str | None = DateOpt,
    interviewer: str | None = InterviewerOpt,
    site: str | None = SiteOpt,
    staff_role: str | None = StaffRoleOpt,
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Importér en transskription lavet andetsteds (.txt eller .docx i transskriptionsformatet)."""
    from qualkit.services import interviews

    ctx = context(data, user, project)
    meta = _meta(kind, wave, date, interviewer, site, citizen_id, staff_role)
    iid = interviews.import_text(ctx, path, title=title or path.stem, meta=meta)
    print(f"{path} importeret som interview {iid} ({meta.kind.value}).")


@interviews_app.command("speaker")
def interviews_speaker(
    interview_id: int = InterviewArg,
    speaker: str = typer.Argument(
        ..., metavar="LABEL", help="Talermarkeringen i transskriptionen, fx B03."
    ),
    citizen_id: str | None = typer.Option(None, "--citizen", help="Taleren er denne deltager."),
    role: str | None = typer.Option(
        None, "--role", help="Taleren har denne rolle (interviewer, jobkonsulent, ...)."
    ),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Knyt en talermarkering i et interview til en deltager eller en rolle."""
    from qualkit.services import speakers

    ctx = context(data, user, project)
    r = speakers.set_speaker(ctx, interview_id, speaker, citizen_id=citizen_id, role=role)
    print(f"Interview {interview_id}: {speaker} = {citizen_id or r.role}.")


@interviews_app.command("sample")
def interviews_sample(
    out: Path | None = typer.Option(None, "--out", help="Skriv tabellen som .csv eller .xlsx."),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Informantoversigten: hvem der er interviewet, efter type, rolle, arm, sted og bølge."""
    from qualkit.services import analysis

    ctx = context(data, user, project)
    df = analysis.informant_sample(ctx)
    if out is not None:
        analysis.write_sample(df, out)
        print(f"Informanttabel ({len(df) - 1} rækker) skrevet til {out}.")
        return
    print(df.to_string(index=False))


@interviews_app.command("transcribe")
def interviews_transcribe(
    interview_id: int | None = typer.Argument(
        None, metavar="ID", help="Interviewets nummer (eller --all-pending)."
    ),
    all_pending: bool = typer.Option(
        False, "--all-pending", help="Alle interviews med lyd og endnu ingen transskription."
    ),
    model: str | None = typer.Option(None, "--model", metavar="NAME|DIR"),
    speakers: int | None = typer.Option(
        None, "--speakers", min=1, max=6, help="Antal talere (standard: findes automatisk)."
    ),
    language: str = typer.Option("da", "--language"),
    overwrite: bool = typer.Option(
        False, "--overwrite", help="Erstat segmenter, der er rettet i hånden, og deres kodninger."
    ),
    wait: bool = typer.Option(
        False,
        "--wait",
        help="Vend tilbage, når jobbet/jobbene er færdige; afslutningskode forskellig fra 0, hvis et fejlede.",
    ),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Sæt transskription af et interviews lyd i kø (køres af `qualkit worker`)."""
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
        assert interview_id is not None  # checked above: without --all-pending an ID is given
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
            from qualkit.messages import label

            failed.append(f"interview {iid}: {label('job_status', status)} ({job['error'] or ''})")
    if failed:
        raise QualkitError("Transskription mislykkedes for " + "; ".join(failed))


@interviews_app.command("edit")
def interviews_edit(
    interview_id: int = InterviewArg,
    segment: int = typer.Option(..., "--segment", help="Segmentnummer (fra 1, som i show)."),
    text: str = typer.Option(..., "--text", help="Segmentets nye tekst."),
    data: Path | None = DataOpt,
    user: str | None = UserOpt,
    project: str | None = ProjectOpt,
) -> None:
    """Ret et segments tekst (før godkendelse); pseudonymiseringens beslutninger følger med."""
    from qualkit.services import segments, transcript_editor

    ctx = context(data, user, project)
    ctx.require("transcript.edit")
    seg_id = segments.segment_by_number(ctx, interview_id, segment)
    changed = transcript_editor.save_text(ctx, seg_id, text)
    print(
        f"Segment {segment} i interview {interview_id} er ændret."
        if changed
        else f"Segment {segment} i interview {interview_id} er uændret."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(interviews_app, name="interviews")
