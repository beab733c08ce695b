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

# How the speakers were told apart (result.speaker_method), as the summary line names it.
SPEAKER_METHODS = {
    "none": "ingen",
    "channels": "kanaler",
    "pyannote": "pyannote",
    "voices": "stemmer",
}

LanguageOpt = typer.Option(
    "da", "--language", help="Talt sprog (ISO-kode); 'auto' finder det selv."
)


def transcribe(
    audio_file: Path = typer.Argument(
        ..., metavar="AUDIO", help="m4a, mp3, wav, ... (mono eller stereo)"
    ),
    model: str | None = typer.Option(
        None,
        "--model",
        metavar="NAME|DIR",
        help="tiny ... large-v3, large-v3-turbo eller en CTranslate2-"
        "mappe; standard: offline-basismodellen.",
    ),
    language: str = LanguageOpt,
    engine: str = typer.Option(
        "faster-whisper", "--engine", help="faster-whisper (standard) eller openai-whisper."
    ),
    out: Path | None = typer.Option(
        None, "--out", metavar="FILE", help="Skriv hertil (ellers stdout)."
    ),
    fmt: str | None = typer.Option(
        None,
        "--format",
        help="json|txt|docx|srt|vtt (standard: ud fra filtypen i --out, ellers json)",
    ),
    force: bool = ForceOpt,
    speakers: int | None = typer.Option(
        None,
        "--speakers",
        min=1,
        max=6,
        help="Antal talere i en monooptagelse (standard: findes automatisk, 1-6; 1: ingen talere).",
    ),
) -> None:
    """Transskribér en lydfil lokalt med Whisper."""
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

    from qualkit.tabular import format_number_dk, format_percent_dk

    def progress(done: float, total: float) -> None:
        if sys.stderr.isatty() and total:
            print(
                f"\r{format_percent_dk(done / total):>7} af {total:.0f} s",
                end="",
                file=sys.stderr,
                flush=True,
            )

    result = transcribe_file(
        audio_file, model=model, language=lang, engine=engine, progress=progress, speakers=speakers
    )
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(
        f"qualkit: model {result.model} ({result.engine}, {result.decoding}); "
        f"{len(result.segments)} segmenter, {format_number_dk(result.duration)} s lyd; "
        f"talere: {SPEAKER_METHODS.get(result.speaker_method, result.speaker_method)}.",
        file=sys.stderr,
    )
    data = formats.render(result, chosen)
    if out is None:
        sys.stdout.write(data if isinstance(data, str) else data.decode("utf-8", "replace"))
        sys.stdout.flush()
    else:
        formats.write_atomic(out, data, force=force)
        print(f"qualkit: skrev {out} ({chosen}).", file=sys.stderr)


models_app = typer.Typer(
    help="Whisper-modeller: saml offline-modellen, vis hvad der er her.", no_args_is_help=True
)


@models_app.command("prepare")
def prepare(
    name: str | None = typer.Argument(
        None,
        metavar="[NAME]",
        help="large-v3-turbo, small, ... eller ejer/model (en Whisper-model på model-hubben, "
        "konverteret til CTranslate2); standard: saml offline-basismodellen.",
    ),
) -> None:
    """Læg en model i modelcachen: offline-basismodellen, eller hent en navngiven."""
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
    """Modellerne her og dem, der kan hentes, med størrelse og forventet hastighed."""
    from qualkit.transcription import models

    for m in models.list_models():
        print(f"{m.name:<20} {m.describe():<48} {m.status}" + (f"  {m.where}" if m.where else ""))


def register(app: typer.Typer) -> None:
    app.command("transcribe")(transcribe)
    app.add_typer(models_app, name="models")
