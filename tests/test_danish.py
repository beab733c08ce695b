"""Danish throughout: every page for every role (AppTest) and the CLI's error paths, failing on
English sentences outside code identifiers (a word-list heuristic), and raw keys shown with
their Danish labels."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from qualkit.messages import LABELS, MESSAGES, label
from qualkit.services.users import actor_for
from qualkit.store import Database
from qualkit.ui.navigation import PAGES, pages_for

PAGES_DIR = Path(__file__).resolve().parent.parent / "qualkit" / "ui" / "pages"
ROLES = ("admin", "evaluator", "staff", "writer")
ENGLISH = re.compile(
    r"\b(the|is|not|found|must|invalid|cannot|can't|please|unknown|should|already|missing|"
    r"does|doesn't|permission|denied|nothing|choose|only|outside|error|failed|no such|this|"
    r"no|of|with|are|has|may|yet|first|will|you|your|there|which|could)\b",
    re.IGNORECASE,
)
IDENTIFIER = re.compile(r"`[^`]*`|\S*[._/:=]\S*|\[[^\]]*\]")


def english_in(text: str) -> list[str]:
    """English function words in a text, code identifiers (dotted, paths, `code`) left out."""
    return ENGLISH.findall(IDENTIFIER.sub(" ", text or ""))


def test_heuristic_catches_english_and_spares_danish_and_identifiers():
    assert english_in("Permission denied: writer may not coding write.")
    assert english_in("No interview 9 in this project.")
    assert english_in("The file is invalid")
    assert not english_in("Adgang nægtet: rapportskriver må ikke kode (`coding.write`).")
    assert not english_in("Koden impl.jk_moeder er udgået; se docs/DESIGN.md.")


def test_catalog_and_labels_are_danish():
    bad = {k: v for k, v in MESSAGES.items() if english_in(v)}
    assert not bad, bad
    for kind, table in LABELS.items():
        bad = {k: v for k, v in table.items() if english_in(v)}
        assert not bad, (kind, bad)
    assert label("delivery_status", "delivered") == "leveret"
    assert label("component", "jk_moede").startswith("Opfølgende møde")
    assert label("kind", "citizen") == "borger"
    assert label("action", "deid.approve") == "pseudonymisering godkendt"
    assert label("entity", "PERSON") == "Person"


def _visible(at: AppTest) -> list[str]:
    texts: list[str] = []
    for kind in (
        "title", "header", "subheader", "markdown", "caption", "info", "warning", "error",
        "success", "exception", "text",
    ):  # fmt: skip
        texts += [str(e.value) for e in getattr(at, kind)]
    for kind in ("button", "checkbox", "toggle", "text_input", "text_area", "number_input"):
        texts += [str(e.label) for e in getattr(at, kind)]
    for kind in ("selectbox", "multiselect", "radio"):
        for e in getattr(at, kind):
            texts.append(str(e.label))
            try:
                texts += [str(o) for o in e.options]
            except Exception:  # noqa: BLE001 - an element without options
                pass
    for tab in at.tabs:
        texts.append(str(tab.label))
    for e in at.expander:
        texts.append(str(e.label))
    return texts


@pytest.fixture(scope="module")
def demo(demo_folder):
    folder, _ = demo_folder
    db = Database.open(folder)
    yield folder, db
    db.close()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_role_is_danish(demo, monkeypatch, role):
    folder, db = demo
    monkeypatch.setenv("QUALKIT_DATA", str(folder))
    monkeypatch.delenv("QUALKIT_DATABASE_URL", raising=False)
    user = {"admin": "admin", "evaluator": "evaluator", "staff": "staff", "writer": "writer"}[role]
    actor = actor_for(db, user)
    allowed_keys = {p.key for p in pages_for(role)}
    problems: list[str] = []
    for spec in PAGES:
        at = AppTest.from_file(str(PAGES_DIR / f"{spec.key}.py"), default_timeout=90)
        at.session_state["actor"] = actor
        at.run()
        assert not at.exception, (spec.key, role, at.exception)
        if spec.key not in allowed_keys:
            assert any("Adgang nægtet" in e.value for e in at.error), (spec.key, role)
        texts = _visible(at)
        assert spec.key not in allowed_keys or len(texts) >= 2, (spec.key, role, texts)
        for text in texts:
            words = english_in(text)
            if words:
                problems.append(f"{spec.key} ({role}): {words} in {text[:160]!r}")
    assert not problems, "\n".join(problems[:30])


CLI_ERRORS = [
    ["interviews", "show", "999", "--data", "{data}"],
    ["interviews", "show", "1", "--data", "{data}", "--user", "staff"],
    ["interviews", "list", "--data", "{data}", "--user", "nobody"],
    ["interviews", "import", "/findes/ikke.txt", "--data", "{data}"],
    ["participants", "import", "/findes/ikke.csv", "--data", "{data}"],
    ["export", "quotes", "--data", "{data}", "--out", "{tmp}/citater.txt"],
    ["codebook", "convert", "/findes/ikke.yaml", "{tmp}/x.qdc"],
    ["agreement", "--codings", "/findes/ikke.csv", "--out", "{tmp}/ag"],
    ["tally", "--participants", "/findes/ikke.csv", "--events", "/x.csv", "--protocol",
     "/findes/ikke.yaml", "--out", "{tmp}/t"],
    ["deid", "/findes/ikke.txt"],
]  # fmt: skip


@pytest.mark.parametrize("argv", CLI_ERRORS, ids=lambda a: " ".join(a))
def test_cli_error_paths_are_danish(demo, capsys, tmp_path, argv):
    from qualkit.cli import main

    folder, _ = demo
    code = main([a.format(data=folder, tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    if code == 2 and "No such command" in err:
        pytest.fail(f"unknown command in the test: {argv}: {err}")
    assert code != 0, err
    line = err.strip().splitlines()[-1]
    assert not english_in(line), line


REPO = Path(__file__).resolve().parent.parent
DEMO_REGISTER = REPO / "demo" / "participants.csv"
DEMO_LOG = REPO / "demo" / "delivery_log.csv"
# (argv, files written into {tmp} first, a Danish piece of the expected message, one line only)
CLI_BAD_INPUTS = [
    (["tally", "--participants", str(DEMO_REGISTER), "--events", str(DEMO_LOG), "--protocol",
      "{tmp}/protokol.yaml", "--out", "{tmp}/t"],
     {"protokol.yaml": "name: x\ncomponents: []\n"}, "skal være en liste", True),
    (["tally", "--participants", str(DEMO_REGISTER), "--events", str(DEMO_LOG), "--protocol",
      "{tmp}/protokol.yaml", "--out", "{tmp}/t"],
     {"protokol.yaml": "name: x\nfarve: rød\ncomponents:\n  - id: a\n"}, "ukendt(e) nøgle(r) farve",
     True),
    (["tally", "--participants", str(DEMO_REGISTER), "--events", str(DEMO_LOG), "--protocol",
      "{tmp}/protokol.yaml", "--out", "{tmp}/t"],
     {"protokol.yaml": "name: x\ndose_bins: ['4-2']\ncomponents:\n  - id: a\n"}, "går baglæns",
     True),
    (["participants", "import", "{tmp}/register.csv", "--data", "{data}"],
     {"register.csv": "citizen_id;start_date\nB90;31-02-2024\nB90;01-03-2024\n;02-03-2024\n"},
     "række 3, kolonne 'citizen_id'", False),
    (["participants", "import", "{tmp}/register.csv", "--data", "{data}"],
     {"register.csv": "borger;arm\nB90;indsats\n"}, "mangler påkrævet(e) kolonne(r) citizen_id",
     True),
    (["participants", "import", "{tmp}/register.csv", "--data", "{data}"],
     {"register.csv": "citizen_id;eligible\nB90;måske\n"}, "er ikke ja/nej", False),
    (["events", "import", "{tmp}/log.csv", "--data", "{data}"],
     {"log.csv": "citizen_id;date;component;minutes\nB01;i går;jk_moede;-5\nB01;;;\n"},
     "er ikke en dato", False),
    (["events", "import", "{tmp}/log.csv", "--data", "{data}"],
     {"log.csv": b"\x00\x01binary"}, "binær", True),
    (["transcribe", "{tmp}/lyd.mp3"], {"lyd.mp3": "Dette er et notat, ikke lyd.\n" * 30},
     "ikke en lydfil", True),
    (["transcribe", "{tmp}/tom.wav"], {"tom.wav": b""}, "længden er nul", True),
    (["transcribe", "{tmp}"], {}, "er en mappe", True),
    (["transcribe", "{tmp}/lyd.wav", "--engine", "nej"], {"lyd.wav": b"RIFF"}, "Ukendt motor",
     True),
    (["transcribe", "{tmp}/lyd.wav", "--format", "docx"], {"lyd.wav": b"RIFF"}, "kræver --out",
     True),
    (["interviews", "transcribe", "999", "--data", "{data}"], {}, "findes ikke", True),
    (["interviews", "import", "{tmp}/tom.txt", "--data", "{data}"], {"tom.txt": "  \n"},
     "filen er tom", True),
    (["deid", "{tmp}/tom.txt"], {"tom.txt": "\n"}, "filen er tom", True),
    (["agreement", "--codings", "{tmp}/k.csv", "--out", "{tmp}/ag"],
     {"k.csv": "document_id;segment_id;coder;code\nd;1;a;x\nd;2;a;y\n"}, "mindst to kodere", True),
    (["agreement", "--codings", "{tmp}/k.csv", "--out", "{tmp}/ag"],
     {"k.csv": "document_id;segment_id;code\nd;1;x\n"}, "mangler påkrævet(e) kolonne(r) coder",
     True),
    (["interviews", "list", "--data", "{tmp}/ødelagt"],
     {"ødelagt/qualkit.sqlite3": b"this is not a database" * 100}, "ikke en SQLite-database", True),
]  # fmt: skip


@pytest.mark.parametrize(
    "argv, files, expect, one_line",
    CLI_BAD_INPUTS,
    ids=[f"{i}-{' '.join(c[0])[:40]}" for i, c in enumerate(CLI_BAD_INPUTS)],
)
def test_cli_bad_inputs_give_danish_messages(demo, capsys, tmp_path, argv, files, expect, one_line):
    from qualkit.cli import main

    folder, _ = demo
    for name, content in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    code = main([a.format(data=folder, tmp=tmp_path) for a in argv])
    err = capsys.readouterr().err
    assert code != 0, err
    assert "Traceback" not in err, err
    lines = [line for line in err.strip().splitlines() if line.strip()]
    assert lines and lines[0].startswith("qualkit: "), err
    assert not one_line or len(lines) == 1, err
    assert expect in err, err
    for line in lines:
        assert not english_in(line), line


def test_word_files_are_danish(tmp_path):
    from docx import Document

    from qualkit.exports.wordlang import set_danish

    doc = Document()
    set_danish(doc)
    doc.add_paragraph("Hej")
    doc.save(tmp_path / "a.docx")
    back = Document(tmp_path / "a.docx")
    assert back.core_properties.language == "da-DK"
    xml = back.styles.element.xml
    assert 'w:val="da-DK"' in xml
