"""`qualkit transcribe` (docs/DESIGN.md) and `qualkit models prepare|list`.

Transcribing a file needs no project: it reads audio and writes a transcript. The
model used is reported on stderr so stdout carries only the transcript when no
--out is given.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from qualkit.errors import InputError
from qualkit.messages import msg as _msg

from ._common import ForceOpt

LanguageOpt = typer.Option(
    "da", "--language", help="Spoken language (ISO code); 'auto' detects it."
)


def transcribe(
    audio_file: Path = typer.Argument(
        ..., metavar="AUDIO", help="m4a, mp3, wav, ... (mono or stereo)"
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        metavar="NAME|DIR",
        help="tiny ... large-v3, large-v3-turbo, or a CTranslate2 "
        "folder; default: the offline base model.",
    ),
    language: str = LanguageOpt,
    engine: str = typer.Option(
        "faster-whisper", "--engine", help="faster-whisper (default) or openai-whisper."
    ),
    out: Path | None = typer.Option(
        None, "--out", metavar="FILE", help="Write here (else stdout)."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help="json|txt|docx|srt|vtt (default: from --out's extension, else json)"
    ),
    force: bool = ForceOpt,
    speakers: int | None = typer.Option(
        None,
        "--speakers",
        min=1,
        max=6,
        help="Number of speakers in a mono recording (default: found, 1-6; 1: no speakers).",
    ),
) -> None:
    """Transcribe an audio file locally with Whisper."""
    from qualkit.transcription import formats
    from qualkit.transcription.engines import ENGINES
    from qualkit.transcription.pipeline import transcribe_file

    chosen = formats.format_for(str(out) if out else None, fmt)
    if engine not in ENGINES:
        raise InputError(
            _msg("choice.unknown", what="motor", value=engine, choices=" eller ".join(ENGINES))
        )
    if chosen == "docx" and out is None:
        raise InputError("--format docx kræver --out FIL.docx (det er en binær fil).")
    if out is not None and not out.parent.exists():
        raise InputError(f"{out}: mappen {out.parent} findes ikke.")
    if out is not None:
        from qualkit.exports.files import check_file

        check_file(out, force=force)  # refuse before the slow part
    lang = None if language in ("", "auto") else language

    def progress(done: float, total: float) -> None:
        if sys.stderr.isatty() and total:
            print(f"\r{done / total:6.1%} of {total:.0f} s", end="", file=sys.stderr, flush=True)

    result = transcribe_file(
        audio_file, model=model, language=lang, engine=engine, progress=progress, speakers=speakers
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        f"qualkit: model {result.model} ({result.engine}, {result.decoding}); "
        f"{len(result.segments)} segments, {result.duration:.1f} s of audio; "
        f"speakers: {result.speaker_method}.",
        file=sys.stderr,
    )
    data = formats.render(result, chosen)
    if out is None:
        sys.stdout.write(data if isinstance(data, str) else data.decode("utf-8", "replace"))
        sys.stdout.flush()
    else:
        formats.write_atomic(out, data, force=force)
        print(f"qualkit: wrote {out} ({chosen}).", file=sys.stderr)


models_app = typer.Typer(
    help="Whisper models: assemble the offline model, list what is here.", no_args_is_help=True
)


@models_app.command("prepare")
def prepare(
    name: str | None = typer.Argument(
        None,
        metavar="[NAME]",
        help="large-v3-turbo, small, ..., or owner/model (a Whisper model on the model hub, "
        "converted to CTranslate2); default: assemble the offline base model.",
    ),
) -> None:
    """Put a model in the model cache: the offline base model, or fetch a named one."""
    from qualkit.transcription import models

    if name is None or name in (models.OFFLINE_NAME, "default"):
        already = models.offline_ready()
        folder = models.prepare_offline_model()
        print(f"Offline-modellen er {'allerede ' if already else ''}klar i {folder}")
        return
    folder = models.prepare_named_model(name)
    print(f"Modellen {name} er klar i {folder}; brug --model {name}")


@models_app.command("list")
def list_() -> None:
    """Models here and those that can be fetched, with size and expected speed."""
    from qualkit.transcription import models

    for m in models.list_models():
        print(f"{m.name:<20} {m.describe():<48} {m.status}" + (f"  {m.where}" if m.where else ""))


def register(app: typer.Typer) -> None:
    app.command("transcribe")(transcribe)
    app.add_typer(models_app, name="models")
