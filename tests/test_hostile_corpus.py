"""Every reader against the hostile corpus (tests/hostile/) and against generated inputs
(Hypothesis): a non-zero exit, one message, no traceback, nothing written (database rows and
files compared before and after), within a time and memory bound (issue 11, "Tests and
measures"). The counts of inputs tried are printed (`pytest -s`) and reported, with medians, by
bench/hostile_inputs.py."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualkit.cli import main
from qualkit.errors import QualkitError
from qualkit.services import delivery, participants, projects
from qualkit.services.context import SYSTEM, Context
from qualkit.store import Database

REPO = Path(__file__).resolve().parent.parent
HOSTILE = Path(__file__).resolve().parent / "hostile"
DEMO_P = REPO / "demo" / "participants.csv"
DEMO_E = REPO / "demo" / "delivery_log.csv"
TKI2 = REPO / "codebooks" / "protocol_tki2.yaml"
SECONDS = 10.0  # generous: each input is refused in well under a second
PEAK_BYTES = 400 * 1024 * 1024  # Python-level peak while refusing one input


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile") / "data"
    db = Database.open(folder)
    pid = projects.create_project(db, SYSTEM, "Fjendtlig", "")
    ctx = Context(db, SYSTEM, pid)
    participants.import_participants(ctx, DEMO_P)
    delivery.save_protocol(ctx, TKI2.read_text(encoding="utf-8"), str(TKI2))
    db.close()
    return folder


def rows(folder: Path) -> dict[str, int]:
    """Rows per table, read directly (the check itself must not write)."""
    import sqlite3

    con = sqlite3.connect(f"file:{folder / 'qualkit.sqlite3'}?mode=ro", uri=True)
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: con.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
    finally:
        con.close()


def files(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def commands(kind: str, path: Path, data: Path, out: Path) -> list[list[str]]:
    tally = [
        "tally",
        "--participants",
        str(DEMO_P),
        "--events",
        str(DEMO_E),
        "--protocol",
        str(TKI2),
    ]
    if kind == "registers":
        return [
            ["participants", "import", str(path), "--data", str(data)],
            [*tally[:1], "--participants", str(path), *tally[3:], "--out", str(out)],
        ]
    if kind == "events":
        return [
            ["events", "import", str(path), "--data", str(data)],
            [*tally[:3], "--events", str(path), *tally[5:], "--out", str(out)],
        ]
    if kind == "protocols":
        return [[*tally[:5], "--protocol", str(path), "--out", str(out)]]
    if kind == "codebooks":
        target = out.with_suffix(".yaml" if path.suffix == ".qdc" else ".qdc")
        return [["codebook", "convert", str(path), str(target)]]
    if kind == "transcripts":
        cmds = [["interviews", "import", str(path), "--data", str(data), "--title", "x"]]
        if path.suffix == ".txt":
            cmds.append(["deid", str(path), "--out", str(out.with_suffix(".txt"))])
        return cmds
    if kind == "qdpx":
        return [["import", "qdpx", str(path), "--data", str(data)]]
    if kind == "audio":
        return [["transcribe", str(path), "--out", str(out.with_suffix(".json"))]]
    raise AssertionError(kind)


CORPUS = sorted(p for p in HOSTILE.glob("*/*") if p.is_file())


def refuse(capsys, args: list[str], data: Path, out_dir: Path) -> tuple[float, int]:
    """Run one command on a hostile input and check every promise; returns (seconds, peak)."""
    before_rows, before_files, before_out = rows(data), files(data), files(out_dir)
    capsys.readouterr()
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        code = main(args)
    finally:
        took = time.perf_counter() - t0
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    err = capsys.readouterr().err
    assert code != 0, (args, err)
    assert err.count("qualkit: ") == 1 and "Traceback" not in err, err
    assert took < SECONDS and peak < PEAK_BYTES, (took, peak)
    assert rows(data) == before_rows and files(data) == before_files, args
    assert files(out_dir) == before_out, args  # no output, no temporary debris
    return took, peak


def readers(kind: str, path: Path) -> list:
    """The reader functions behind the commands, called directly (the fast half of the suite)."""
    from qualkit.codebooks.qdc import load_any
    from qualkit.delivery import frames
    from qualkit.delivery.events import read_events
    from qualkit.delivery.protocol import load_protocol
    from qualkit.delivery.register import read_participants
    from qualkit.exports.qdpx import read_qdpx
    from qualkit.transcription.audio import probe

    if kind == "registers":
        return [lambda: read_participants(path), lambda: frames.read_participants_frame(path)]
    if kind == "events":
        return [lambda: read_events(path, {"jk_moede"}), lambda: frames.read_events_frame(path)]
    if kind == "protocols":
        return [lambda: load_protocol(path)]
    if kind == "codebooks":
        return [lambda: load_any(path)]
    if kind == "transcripts":
        from qualkit.cli.deid import read_input_text
        from qualkit.transcripts.docxformat import docx_text

        return [lambda: docx_text(path) if path.suffix == ".docx" else read_input_text(path)]
    if kind == "qdpx":
        return [lambda: read_qdpx(path)]
    if kind == "audio":
        return [lambda: probe(path)]
    raise AssertionError(kind)


def test_hostile_corpus_readers():
    """Every corpus file against its reader functions: one QualkitError, fast, bounded memory."""
    from qualkit.delivery import frames

    frames.read_events_frame(DEMO_E), frames.read_participants_frame(DEMO_P)  # warm imports
    for path in CORPUS:  # and every reader once, untimed, so imports are not what is measured
        for read in readers(path.parent.name, path):
            try:
                read()
            except QualkitError:
                pass
    timings = []
    slowest = ("", 0.0)
    for path in CORPUS:
        for read in readers(path.parent.name, path):
            tracemalloc.start()
            t0 = time.perf_counter()
            try:
                read()
                raise AssertionError(f"{path} was accepted")
            except QualkitError as exc:
                message = str(exc)
            finally:
                took = time.perf_counter() - t0
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            assert message and "Traceback" not in message, path
            assert took < SECONDS and peak < PEAK_BYTES, (path, took, peak)
            timings.append(took)
            slowest = max(slowest, (str(path.relative_to(HOSTILE)), took), key=lambda x: x[1])
    timings.sort()
    print(
        f"hostile corpus: {len(CORPUS)} files, {len(timings)} reader runs, "
        f"median {timings[len(timings) // 2] * 1000:.1f} ms, max {timings[-1] * 1000:.0f} ms"
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_hostile_corpus(path, data, tmp_path, capsys, monkeypatch):
    """The same files through the command line: exit code, one line, nothing written."""
    monkeypatch.setenv("QUALKIT_TMPDIR", str(tmp_path / "qtmp"))
    out_dir = tmp_path / "outputs"
    out_dir.mkdir()
    for args in commands(path.parent.name, path, data, out_dir / "out"):
        refuse(capsys, args, data, out_dir)


def test_corpus_covers_every_reader():
    kinds = {p.parent.name for p in CORPUS}
    assert kinds == {
        "registers",
        "events",
        "protocols",
        "codebooks",
        "transcripts",
        "qdpx",
        "audio",
    }
    print(f"hostile corpus: {len(CORPUS)} files")


# --- generated inputs ------------------------------------------------------------------------

CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            "B01",
            "0101901234",
            "=1+1",
            "+cmd|' /C calc'!A0",
            "nan",
            "inf",
            "1e400",
            "-5",
            "45,5",
            "31-13-2024",
            "01-02-2099",
            "01-02-2024",
            "ja",
            '"',
            '""',
            "a\nb",
            "x\x00y",
            "\r",
            "\t",
            ";",
            ",",
            "æøå",
            "B" * 90,
        ]
    ),
    st.text(max_size=12),
)
HEADERS = st.lists(
    st.sampled_from(
        [
            "citizen_id",
            "arm",
            "site",
            "date",
            "component",
            "minutes",
            "status",
            "start_date",
            "eligible",
            "note",
            "x",
            "",
        ]
    ),
    min_size=1,
    max_size=6,
)
TRIED = {"csv": 0, "yaml": 0}


@st.composite
def csv_texts(draw) -> str:
    header = draw(HEADERS)
    sep = draw(st.sampled_from([";", ","]))
    body = draw(st.lists(st.lists(CELLS, min_size=0, max_size=len(header) + 2), max_size=6))
    quote = draw(st.booleans())
    lines = [sep.join(header)]
    for r in body:
        lines.append(sep.join(f'"{c}"' if quote and c and '"' not in c else c for c in r))
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=csv_texts())
def test_generated_tables_are_read_or_refused_in_one_line(tmp_path_factory, text):
    """Both readers of registers and logs (row by row and vectorised) either accept a table
    or refuse it with a QualkitError; never another exception."""
    from qualkit.delivery import frames
    from qualkit.delivery.events import read_events
    from qualkit.delivery.register import read_participants

    TRIED["csv"] += 1
    path = tmp_path_factory.mktemp("gen") / "t.csv"
    path.write_text(text, encoding="utf-8")
    for reader in (
        read_participants,
        read_events,
        frames.read_participants_frame,
        frames.read_events_frame,
    ):
        try:
            reader(path)
        except QualkitError as exc:
            assert str(exc) and "Traceback" not in str(exc)


YAML_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8)),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=60, deadline=None)
@given(
    value=YAML_VALUES,
    raw=st.text(alphabet="[]{}:-&*! \n\tab'\"#|>", max_size=60),
    use_raw=st.booleans(),
)
def test_generated_yaml_is_read_or_refused_in_one_line(value, raw, use_raw):
    """Codebook and protocol readers: any YAML text gives a result or one QualkitError."""
    import yaml

    from qualkit.codebooks.model import load_codebook_text
    from qualkit.delivery.protocol import load_protocol_text

    TRIED["yaml"] += 1
    text = (
        raw
        if use_raw
        else yaml.safe_dump({"codebook": "x", "name": "x", "codes": value, "components": value})
    )
    for load in (load_codebook_text, load_protocol_text):
        try:
            load(text, "gen.yaml")
        except QualkitError as exc:
            assert str(exc)


def test_generated_counts_reported():
    print(f"generated inputs tried: {TRIED['csv']} tables, {TRIED['yaml']} YAML documents")
