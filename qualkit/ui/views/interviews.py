"""Interviews: the list, a new interview from a recording, and the transcript editor.

The editor: upload audio, transcribe in the background (progress bar with time left, the
user may go to other pages meanwhile), play from any segment, correct text (autosaved),
split/merge, insert markers, name and assign speakers, approve (retention deletes the
audio). Every rule lives in the services; this module only arranges widgets.
"""

from __future__ import annotations

import streamlit as st

from qualkit.errors import QualkitError
from qualkit.services import interviews, projects, transcript_editor, transcription
from qualkit.services.permissions import allowed
from qualkit.transcripts.textformat import format_timestamp
from qualkit.ui import state
from qualkit.ui.format import frame
from qualkit.ui.plain import plain, plain_message

AUDIO_TYPES = ["m4a", "mp3", "wav", "ogg", "oga", "opus", "flac", "aac", "wma", "mp4", "webm"]
LANGUAGES = {
    "da": "Dansk",
    "en": "Engelsk",
    "sv": "Svensk",
    "no": "Norsk",
    "de": "Tysk",
    "auto": "Genkend automatisk",
}
PAGE_SIZE = 30
STATUS_DA = {
    "new": "ny",
    "transcribing": "transskriberes",
    "transcribed": "transskriberet",
    "deidentified": "pseudonymiseret",
    "approved": "godkendt",
}
JOB_DA = {
    "queued": "i kø",
    "running": "kører",
    "done": "færdig",
    "failed": "fejlede",
    "interrupted": "afbrudt",
    "cancelled": "annulleret",
}
SPEAKER_CHOICES = [None, 1, 2, 3, 4, 5, 6]


def render() -> None:
    ctx = state.guard("interview.list")
    st.header("Interviews")
    can_transcribe = allowed(ctx.actor.role, "transcribe")
    if can_transcribe:
        _new_interview(ctx)
    rows = interviews.list_interviews(ctx)
    if not rows:
        st.info("Projektet har endnu ingen interviews.")
        return
    for r in rows:
        r["status"] = STATUS_DA.get(r["status"], r["status"])
    st.dataframe(
        frame(
            rows,
            {
                "id": "ID",
                "title": "Titel",
                "citizen_id": "Borger",
                "kind": "Type",
                "wave": "Bølge",
                "date": "Dato",
                "interviewer": "Interviewer",
                "site": "Sted",
                "status": "Status",
                "segments": "Segmenter",
                "audio": "Lyd",
            },
        ),
        hide_index=True,
        width="stretch",
    )
    titles = {r["id"]: r["title"] for r in rows}
    ids = list(titles)
    wanted = st.session_state.pop("open_interview", None)
    if wanted in ids:
        st.session_state["chosen_interview"] = wanted
    elif st.session_state.get("chosen_interview") not in ids:
        st.session_state.pop("chosen_interview", None)
    chosen = st.selectbox("Vis transskription", ids, format_func=titles.get, key="chosen_interview")
    if chosen is None:
        return
    if allowed(ctx.actor.role, "transcript.edit"):
        _editor(ctx, chosen)
    else:
        _read_only(ctx, chosen)


def _read_only(ctx, interview_id: int) -> None:
    try:
        t = interviews.get_transcript(ctx, interview_id)
    except QualkitError as exc:  # e.g. a writer and a transcript not yet de-identified
        state.show_error(exc)
        return
    st.subheader(plain(t["title"]))
    for seg in t["segments"]:
        stamp = format_timestamp(seg["start"])
        st.markdown(f"`{stamp}` **{plain(seg['speaker'] or '?')}**: {plain(seg['text'])}")


def _new_interview(ctx) -> None:
    from qualkit.services import participants
    from qualkit.services.interview_meta import KIND_LABELS, parse_meta

    with st.expander("Nyt interview fra lydfil", icon=":material/upload_file:"):
        with st.form("new_interview", clear_on_submit=True):
            title = st.text_input("Titel", placeholder="fx B12, 1. interview")
            c = st.columns(3)
            kind = c[0].selectbox(
                "Type", list(KIND_LABELS), format_func=KIND_LABELS.get, key="new_iv_kind"
            )
            wave = c[1].number_input("Bølge", min_value=0, step=1, value=0, key="new_iv_wave")
            when = c[2].date_input("Dato", value=None, format="DD-MM-YYYY", key="new_iv_date")
            c = st.columns(2)
            interviewer = c[0].text_input("Interviewer", key="new_iv_interviewer")
            site = c[1].text_input("Sted (tomt: borgerens sted)", key="new_iv_site")
            ids = [p["citizen_id"] for p in participants.list_participants(ctx)]
            citizens = st.multiselect(
                "Deltager(e)", ids, key="new_iv_citizens", placeholder="Vælg borger(e)"
            )
            upload = st.file_uploader("Lydfil (m4a, mp3, wav, ...)", type=AUDIO_TYPES)
            submitted = st.form_submit_button("Opret interview")
        if submitted:
            if upload is None or not title.strip():
                st.error("Angiv en titel og vælg en lydfil.")
                return
            try:
                meta = parse_meta(
                    kind=kind,
                    wave=int(wave) or None,
                    interview_date=when,
                    interviewer=interviewer,
                    site=site,
                    citizens=citizens,
                )
                iid = interviews.add_interview(
                    ctx, title, meta, audio_name=upload.name, audio_bytes=upload.getvalue()
                )
            except QualkitError as exc:
                st.error(plain_message(exc))
                return
            st.session_state["open_interview"] = iid
            st.rerun()


# --- the editor -------------------------------------------------------------------------------


def _editor(ctx, interview_id: int) -> None:
    data = transcript_editor.editor_data(ctx, interview_id)
    st.subheader(plain(data["title"]))
    approved = data["locked"]
    audio_line = {
        "present": "Lyd: findes",
        "deleted": "Lyden er slettet"
        + (f" ({data['audio_deleted_at']:%d-%m-%Y %H:%M})" if data["audio_deleted_at"] else ""),
        "none": "Lyd: ingen",
    }[data["audio"]]
    approved_note = " · transskription godkendt" if data["transcript_approved_at"] else ""
    st.caption(
        f"Status: {STATUS_DA.get(data['status'], data['status'])}{approved_note} · {audio_line} · "
        f"{len(data['segments'])} segmenter"
    )
    job = data["job"]
    running = job is not None and job["status"] in ("queued", "running")
    if allowed(ctx.actor.role, "transcribe") and not approved:
        if running:
            _progress(ctx, interview_id)
        else:
            _transcribe_controls(ctx, data)
    if data["audio"] == "present" and allowed(ctx.actor.role, "transcribe"):
        _player(ctx, data)
    if not data["segments"]:
        st.info("Ingen segmenter endnu: transskribér lyden eller importér en transskription.")
        return
    if approved:
        st.success(
            "Transskriptionen er godkendt."
            if data["transcript_approved_at"]
            else "Interviewet er pseudonymiseret og godkendt; teksten er låst."
        )
        for seg in data["segments"]:
            st.markdown(
                f"`{format_timestamp(seg['start'])}` **{plain(seg['speaker'] or '?')}**: "
                f"{plain(seg['text'])}"
            )
        return
    _speaker_tools(ctx, data)
    _segments(ctx, data)
    _approve(ctx, data, running)


@st.fragment(run_every=1.0)
def _progress(ctx, interview_id: int) -> None:
    job = transcription.latest_job(ctx, interview_id)
    if job is None or job["status"] not in ("queued", "running"):
        st.rerun()
        return
    share = job["progress"] or 0.0
    left = job["seconds_left"]
    if job["status"] == "queued":
        text = "I kø: venter på en ledig worker"
    else:
        text = f"Transskriberer: {share:.0%} færdig".replace("%", " %")
        if left is not None:
            text += f" · ca. {format_timestamp(left)} tilbage"
        elif not job["seconds_done"]:
            text += " · indlæser model"
        if (job["attempts"] or 0) > 1:
            text += f" · forsøg {job['attempts']}"
    st.progress(min(1.0, share), text=text)
    st.caption(
        "Jobbet kører i en worker; du kan arbejde videre på andre sider imens. "
        "Resultatet gemmes samlet, når jobbet er færdigt."
    )
    if st.button("Annullér transskription", key=f"stop_{job['id']}"):
        transcription.cancel(ctx, job["id"])


def _transcribe_controls(ctx, data: dict) -> None:
    job = data["job"]
    if job is not None and job["status"] in ("failed", "interrupted", "cancelled"):
        st.warning(f"Seneste transskription {JOB_DA[job['status']]}: {job['error'] or ''}")
        if data["audio"] == "present" and st.button("Prøv igen", key=f"retry_{job['id']}"):
            try:
                transcription.retry(ctx, job["id"])
            except transcription.EditedTranscript as exc:
                st.warning(str(exc))
                return
            transcription.ensure_worker(ctx)
            st.rerun()
    elif job is not None and job["status"] == "done":
        st.caption(f"Transskriberet med {job['model']} ({job['engine']}).")
    with st.expander(
        "Lyd og transskription", expanded=data["audio"] != "present" or not data["segments"]
    ):
        upload = st.file_uploader(
            "Lydfil til dette interview (m4a, mp3, wav, ...)",
            type=AUDIO_TYPES,
            key=f"upload_{data['id']}",
        )
        if upload is not None and st.button("Gem lydfil", key=f"save_audio_{data['id']}"):
            info = transcription.attach_audio(ctx, data["id"], upload.name, upload.getvalue())
            st.toast(f"Lyd gemt: {info['duration']:.0f} s, {info['channels']} kanal(er).")
            st.rerun()
        if data["audio"] != "present":
            return
        models = {m.name: m for m in transcription.model_choices(ctx)}
        names = list(models)
        c1, c2, c3, c4 = st.columns(4)
        model = c1.selectbox(
            "Model",
            names,
            key=f"model_{data['id']}",
            format_func=lambda n: (
                f"{'Whisper base (offline)' if n == names[0] else n} · {models[n].describe()}"
                + ("" if models[n].ready else " · skal hentes")
            ),
        )
        language = c2.selectbox(
            "Sprog", list(LANGUAGES), format_func=LANGUAGES.get, key=f"lang_{data['id']}"
        )
        speakers = c3.selectbox(
            "Antal talere",
            SPEAKER_CHOICES,
            format_func=lambda n: "Find automatisk" if n is None else str(n),
            key=f"speakers_{data['id']}",
        )
        engine = c4.selectbox(
            "Motor", ["faster-whisper", "openai-whisper"], key=f"engine_{data['id']}"
        )
        overwrite = False
        if data["segments"]:
            overwrite = st.checkbox(
                "Overskriv rettede segmenter og kodninger",
                value=False,
                key=f"overwrite_{data['id']}",
            )
        if st.button("Start transskription", type="primary", key=f"start_{data['id']}"):
            try:
                transcription.start_transcription(
                    ctx,
                    data["id"],
                    model=None if model == names[0] else model,
                    language=None if language == "auto" else language,
                    engine=engine,
                    speakers=speakers,
                    overwrite_edited=overwrite,
                )
            except transcription.EditedTranscript as exc:
                st.warning(
                    f"{exc} Sæt flueben i 'Overskriv rettede segmenter og kodninger' "
                    "for at transskribere igen."
                )
                return
            transcription.ensure_worker(ctx)
            st.rerun()


def _player(ctx, data: dict) -> None:
    found = transcription.audio_for_playback(ctx, data["id"])
    if found is None:
        return
    path, mime = found
    start = st.session_state.get(f"play_from_{data['id']}", 0)
    st.audio(path, format=mime, start_time=int(start), autoplay=bool(start))


def _reset_widgets(interview_id: int) -> None:
    for key in list(st.session_state.keys()):
        if isinstance(key, str) and key.startswith(
            (f"txt_{interview_id}_", f"spk_{interview_id}_")
        ):
            del st.session_state[key]


def _run(ctx, fn, *args, reset: int | None = None, toast: str | None = None) -> None:
    """Call a service from a widget callback; show its error instead of a traceback."""
    try:
        fn(ctx, *args)
        if toast:
            st.toast(toast)
    except QualkitError as exc:
        st.session_state["editor_error"] = str(exc)
    if reset is not None:
        _reset_widgets(reset)


def _save_text(ctx, interview_id: int, segment_id: int) -> None:
    text = st.session_state[f"txt_{interview_id}_{segment_id}"]
    _run(ctx, transcript_editor.save_text, segment_id, text, toast="Gemt")


def _save_speaker(ctx, interview_id: int, number: int, segment_id: int) -> None:
    speaker = st.session_state[f"spk_{interview_id}_{segment_id}"]
    _run(
        ctx,
        transcript_editor.assign_speaker,
        interview_id,
        number,
        number,
        None if speaker == "?" else speaker,
        toast="Taler gemt",
    )


def _speaker_tools(ctx, data: dict) -> None:
    iid = data["id"]
    speakers = data["speakers"]
    for p in transcription.proposals(ctx, iid):
        st.info(
            f"Forslag: stemmen ligner **{p.name}** fra interviewet '{p.from_title}' "
            f"(lighed {p.similarity:.2f}".replace(".", ",")
            + "). Omdøb taleren under Talere, hvis det er forkert.",
            icon=":material/record_voice_over:",
        )
    with st.expander("Talere", icon=":material/person:"):
        c1, c2 = st.columns(2)
        with c1.form(f"rename_{iid}", clear_on_submit=True):
            old = st.selectbox("Taler", speakers or ["?"])
            new = st.text_input("Nyt navn (fx Interviewer, B03, JK1)")
            if st.form_submit_button("Omdøb overalt") and speakers:
                _run(
                    ctx,
                    transcript_editor.rename_speaker,
                    iid,
                    old,
                    new,
                    reset=iid,
                    toast=f"{old} hedder nu {new}",
                )
                st.rerun()
        with c2.form(f"assign_{iid}"):
            n = len(data["segments"])
            a, b = st.columns(2)
            first = a.number_input("Fra segment", 1, n, 1, key=f"from_{iid}")
            last = b.number_input("Til segment", 1, n, 1, key=f"to_{iid}")
            who = st.text_input("Taler", placeholder="navn; ny taler oprettes")
            if st.form_submit_button("Tildel taler (Enter)"):
                _run(
                    ctx,
                    transcript_editor.assign_speaker,
                    iid,
                    int(first),
                    int(last),
                    who,
                    reset=iid,
                    toast="Taler tildelt",
                )
                st.rerun()


def _segments(ctx, data: dict) -> None:
    iid = data["id"]
    if msg := st.session_state.pop("editor_error", None):
        st.error(msg)
    segments = data["segments"]
    pages = max(1, -(-len(segments) // PAGE_SIZE))
    page = st.number_input("Side", 1, pages, 1, key=f"page_{iid}") if pages > 1 else 1
    speakers = ["?"] + data["speakers"]
    st.caption(
        "Tekst gemmes automatisk, når du forlader feltet (eller Ctrl+Enter). "
        "▶ afspiller lyden fra segmentets start."
    )
    for seg in segments[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
        sid = seg["id"]
        tkey, skey = f"txt_{iid}_{sid}", f"spk_{iid}_{sid}"
        if tkey not in st.session_state:
            st.session_state[tkey] = seg["text"]
        if skey not in st.session_state:
            st.session_state[skey] = seg["speaker"] or "?"
        with st.container(border=True, key=f"seg_{iid}_{seg['number']}"):
            left, mid, right = st.columns([2, 9, 2], vertical_alignment="top")
            if left.button(
                f"▶ {format_timestamp(seg['start'])}",
                key=f"play_{iid}_{sid}",
                disabled=data["audio"] != "present" or seg["start"] is None,
                help="Afspil herfra",
            ):
                st.session_state[f"play_from_{iid}"] = seg["start"]
                st.rerun()
            left.selectbox(
                "Taler",
                speakers
                if st.session_state[skey] in speakers
                else speakers + [st.session_state[skey]],
                key=skey,
                label_visibility="collapsed",
                on_change=_save_speaker,
                args=(ctx, iid, seg["number"], sid),
            )
            mid.text_area(
                f"Segment {seg['number']}",
                key=tkey,
                height="content",
                on_change=_save_text,
                args=(ctx, iid, sid),
            )
            with right.popover("Rediger", icon=":material/edit:"):
                st.button(
                    "[uforståeligt]",
                    key=f"unk_{iid}_{sid}",
                    on_click=_run,
                    args=(ctx, transcript_editor.insert_marker, sid, "[uforståeligt]"),
                    kwargs={"reset": iid},
                )
                st.button(
                    "[pause]",
                    key=f"pause_{iid}_{sid}",
                    on_click=_run,
                    args=(ctx, transcript_editor.insert_marker, sid, "[pause]"),
                    kwargs={"reset": iid},
                )
                st.button(
                    "Del i to",
                    key=f"split_{iid}_{sid}",
                    on_click=_run,
                    args=(ctx, transcript_editor.split_segment, sid),
                    kwargs={"reset": iid},
                )
                st.button(
                    "Flet med næste",
                    key=f"merge_{iid}_{sid}",
                    on_click=_run,
                    args=(ctx, transcript_editor.merge_with_next, sid),
                    kwargs={"reset": iid},
                )
            if seg["edited"]:
                right.caption("rettet")


def _do_approve(ctx, interview_id: int) -> None:
    result = transcription.approve_transcript(ctx, interview_id)
    st.toast("Godkendt" + (" · lyden er slettet" if result["audio_deleted"] else ""))
    st.rerun()


def _approve(ctx, data: dict, running: bool) -> None:
    if not allowed(ctx.actor.role, "transcript.approve"):
        return
    deletes = projects.get_setting(ctx, "delete_audio_on_approve")
    note = (
        "Lydfilen slettes ved godkendelse (projektets regel)."
        if deletes and data["audio"] == "present"
        else ""
    )
    st.divider()
    confirm_key = f"approve_confirm_{data['id']}"
    clicked = st.button(
        "Godkend transskription",
        type="primary",
        disabled=running,
        key=f"approve_{data['id']}",
        help=note or None,
    )
    if clicked and note:  # irreversible: say what happens and ask first
        st.session_state[confirm_key] = True
    elif clicked:
        _do_approve(ctx, data["id"])
    if st.session_state.get(confirm_key):
        st.warning(
            "Når transskriptionen godkendes, slettes lydfilen permanent (projektets regel om "
            "sletning ved godkendelse), og teksten kan derefter ikke transskriberes igen fra "
            "lyden. Sletningen logges."
        )
        c = st.columns([2, 1, 3])
        if c[0].button(
            "Ja, godkend og slet lyden", type="primary", key=f"approve_yes_{data['id']}"
        ):
            st.session_state.pop(confirm_key, None)
            _do_approve(ctx, data["id"])
        if c[1].button("Fortryd", key=f"approve_no_{data['id']}"):
            st.session_state.pop(confirm_key, None)
            st.rerun()
    if note:
        st.caption(note)
