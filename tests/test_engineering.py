"""Engineering contracts (issue 12): one vocabulary per kind, the word-list cache, the
offline model's SHA-256 check, the logging set-up."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from qualkit import enums, logs
from qualkit.deid import lexicon
from qualkit.errors import InputError
from qualkit.store import Database


def test_vocabularies_keep_their_stored_values_and_are_defined_once():
    from qualkit.services import permissions, users
    from qualkit.store import models

    assert [r.value for r in enums.Role] == ["admin", "evaluator", "staff", "writer"]
    assert users.ROLES is models.ROLES is enums.ROLES
    assert models.INTERVIEW_STATUSES is enums.INTERVIEW_STATUSES
    assert "transcribing" not in enums.INTERVIEW_STATUSES  # never set: a job's status says it
    assert models.JOB_STATUSES is enums.JOB_STATUSES
    assert models.EVENT_STATUSES is enums.EVENT_STATUSES
    assert enums.DecisionState("accepted") == "accepted"
    assert permissions.ADMIN == "admin" and permissions.allowed("admin", "vault.read")


def test_word_list_cache_round_trip_and_a_damaged_cache_is_rebuilt(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("QUALKIT_CACHE", str(tmp_path))
    built = lexicon.load()  # from the shared cache or built; either way the real lists
    path = lexicon._cache_file()
    assert path.is_relative_to(tmp_path)
    lexicon._to_cache(path, built)
    again = lexicon._from_cache(path)
    assert again is not None
    for name in ("first_names", "places", "forms", "common", "zipf"):
        assert getattr(again, name) == getattr(built, name), name
    assert isinstance(again.forms, frozenset) and len(again.forms) > 100_000
    path.write_bytes(b"not marshal data")
    with caplog.at_level(logging.WARNING, logger="qualkit"):
        assert lexicon._from_cache(path) is None
    assert "rebuilding" in caplog.text


def test_log_file_in_the_data_folder_masks_personal_data(tmp_path):
    db = Database.open(tmp_path / "data")
    db.close()
    log_path = tmp_path / "data" / logs.LOG_FILE
    logging.getLogger("qualkit.test").warning(
        "refused row for %s, mail %s, phone %s", "120379-1234", "mette@example.dk", "20 30 40 50"
    )
    for handler in logging.getLogger("qualkit").handlers:
        handler.flush()
    text = log_path.read_text(encoding="utf-8")
    assert "refused row for [CPR], mail [EMAIL], phone [TELEFON]" in text
    assert "120379" not in text and "mette@" not in text
    assert stat.S_IMODE(os.stat(log_path).st_mode) == 0o600


@pytest.mark.slow
def test_offline_model_files_are_checked_by_sha256(tmp_path, monkeypatch):
    from qualkit.transcription import models

    assert models.offline_parts() is not None, "the offline-model extra is installed by setup"
    monkeypatch.setenv("QUALKIT_MODEL_CACHE", str(tmp_path / "cache"))
    folder = models.prepare_offline_model()
    assert models.offline_ready() and models.verify_offline_model() == folder
    # One byte changed, size and modification time kept: the cheap check cannot see it,
    # the digest check before loading does.
    model_bin = folder / "model.bin"
    st = model_bin.stat()
    with model_bin.open("r+b") as fh:
        fh.seek(1_000_000)
        byte = fh.read(1)
        fh.seek(1_000_000)
        fh.write(bytes([byte[0] ^ 0xFF]))
    os.utime(model_bin, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert models.offline_ready()
    with pytest.raises(InputError, match="SHA-256"):
        models.verify_offline_model()
    with pytest.raises(InputError, match="SHA-256"):
        models.resolve_model(None)
    # A changed file with a new modification time is noticed and assembled again.
    model_bin.touch()
    assert not models.offline_ready()
    models.prepare_offline_model()
    assert models.offline_ready() and models.verify_offline_model() == folder


def test_no_service_module_is_over_400_lines():
    """Issue 12: each service module is small enough to read in one sitting."""
    from pathlib import Path

    services = Path(__file__).resolve().parent.parent / "qualkit" / "services"
    sizes = {p.name: len(p.read_text("utf-8").splitlines()) for p in services.glob("*.py")}
    assert len(sizes) > 20  # the folder was found
    over = {name: n for name, n in sizes.items() if n > 400}
    assert not over, f"service modules over 400 lines: {over}"


def test_deid_start_up_leaves_torch_unimported_and_torch_still_imports_after(tmp_path):
    """Where spaCy itself tokenises (exported rules of another spaCy version), it is
    imported without torch (which thinc would import: about a second of start-up); hiding
    it must neither change what is found nor break torch."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    code = (
        "import json, sys\n"
        "from qualkit.deid import tokenizer\n"
        "tokenizer.installed_spacy = lambda: '0.0.0'\n"
        "from qualkit.deid import detect\n"
        "spans = detect('Jeg mødtes med Mette Hansen fra Jobcenter Aarhus på 20 30 40 50.')\n"
        "print(json.dumps({s.label: s.text for s in spans}))\n"
        "print('torch' in sys.modules, 'spacy' in sys.modules)\n"
        "import torch\n"
        "print(torch.tensor([1, 2]).sum().item())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(repo)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.splitlines()
    found = json.loads(out[0])
    assert found.get("PERSON") == "Mette Hansen"
    assert "PHONE" in found
    assert out[1] == "False True"
    assert out[2] == "3"
