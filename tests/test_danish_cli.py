"""The command line in Danish: the help of every command and subcommand (enumerated from the
Typer app, so a new command is covered without editing this file), the framework's own help
words and usage errors, and the success lines of a few commands, all failing on English by
the ``english_in`` word-list heuristic of test_danish.py.

No framework string is excluded: Typer's/Click's words ("Usage:", "Options", "Show this
message and exit.", "[required]", "Missing option") are rendered in Danish by
qualkit/cli/_danish.py, and FRAMEWORK_ENGLISH asserts that none of them is left.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from qualkit.cli import app, main

from .test_danish import english_in

REPO = Path(__file__).resolve().parent.parent
FRAMEWORK_ENGLISH = (
    "Usage:",
    "Options:",
    "Arguments:",
    "Commands:",
    "Show this message and exit.",
    "[default:",
    "[required]",
    "Missing",
    "No such",
    "Try '",
    "Error:",
    "<path>",
    "<str>",
    "<int>",
    "[OPTIONS]",
)


def command_paths() -> list[list[str]]:
    """Every command path of the app: [], ["tally"], ["interviews", "add"], ..."""
    import typer.main
    from typer import _click

    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(cmd: _click.Command, path: list[str]) -> None:
        paths.append(path)
        ctx = _click.Context(cmd)
        for name in getattr(cmd, "list_commands", lambda _ctx: [])(ctx):
            walk(cmd.get_command(ctx, name), [*path, name])  # type: ignore[attr-defined]

    walk(root, [])
    return paths


PATHS = command_paths()


@pytest.fixture(scope="module", autouse=True)
def _log_handler_outside_capsys():
    """main() sets up qualkit's stderr log handler once per process, on the sys.stderr of that
    moment; set it up here, before capsys swaps in a stream that is closed after the test
    (a later test flushing the handler would hit the closed file)."""
    from qualkit import logs

    logs.setup()


def test_the_enumeration_finds_groups_and_their_subcommands():
    names = {" ".join(p) for p in PATHS}
    assert {"", "tally", "demo", "interviews", "interviews add", "export quotes"} <= names
    assert {"review decide", "models list", "backups prune", "import qdpx"} <= names
    assert len(PATHS) > 40


OPTION_NAME = re.compile(r"(?<![\w-])--?[\w][\w-]*")


def english_outside_options(text: str) -> list[str]:
    """english_in, with option names (--no-serve, --dry-run) left out like other identifiers."""
    return english_in(OPTION_NAME.sub(" ", text))


def framework_english(text: str) -> list[str]:
    return [s for s in FRAMEWORK_ENGLISH if s in text]


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "qualkit")
def test_help_is_danish(path, capsys):
    assert main([*path, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Brug: qualkit"), out[:200]
    assert "Vis denne hjælp og afslut." in out and "Tilvalg:" in out
    assert not english_outside_options(out), (path, english_outside_options(out), out)
    assert not framework_english(out), (path, framework_english(out), out)


def test_every_command_has_a_help_text(capsys):
    """A command without a docstring shows an empty line in the overview; none may."""
    for path in PATHS:
        main([*path, "--help"])
        out = capsys.readouterr().out
        body = out.split("\n\n", 1)[1] if "\n\n" in out else ""
        assert not body.startswith("Tilvalg:"), f"qualkit {' '.join(path)} has no help text"


@pytest.mark.parametrize(
    "argv, expect",
    [
        (["tally"], "Der mangler tilvalget '--participants'."),
        (["tally", "--nope"], "Ukendt tilvalg: --nope"),
        (["intet-her"], "Ukendt kommando 'intet-her'."),
        (["interviews", "transcribe", "--speakers", "9"], "Værdien må højst være 6."),
        (["interviews", "show", "x"], "Skriv et helt tal."),
        (["users", "list", "a", "b"], "Uventede ekstra argumenter (a b)."),
        (["tally", "--out"], "Tilvalget '--out' kræver en værdi."),
        (["worker", "--concurrency", "0"], "Værdien skal mindst være 1."),
    ],
)
def test_usage_errors_are_danish_not_tracebacks(argv, expect, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expect in err and "Traceback" not in err, err
    assert not english_in(err) and not framework_english(err), err


def test_no_arguments_shows_the_danish_help(capsys):
    assert main([]) == 0
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "Brug: qualkit [TILVALG] KOMMANDO" in text and "Kommandoer:" in text


def _without_secrets(out: str) -> str:
    """The demo's passwords and passphrase are random words: they are not Danish prose."""
    lines = [ln for ln in out.splitlines() if not ln.startswith("  ")]
    return "\n".join(ln.split("vises kun nu):")[0] for ln in lines)


def test_demo_success_lines_are_danish(tmp_path, capsys):
    data = tmp_path / "data"
    assert main(["demo", "--data", str(data), "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert f"Demoprojektet er oprettet i {data}:" in out
    assert "deltagere" in out and "leverancer" in out and "kodebøger" in out
    assert "Demobrugere (adgangskoderne vises kun nu; skriv dem ned):" in out
    assert not english_in(_without_secrets(out)), out
    assert main(["demo", "--data", str(data), "--no-serve"]) == 0
    again = capsys.readouterr().out
    assert again.strip() == f"Demoprojektet findes allerede i {data}; intet er ændret."


def test_tally_success_line_is_danish(tmp_path, capsys):
    out_dir = tmp_path / "optælling"
    argv = ["tally", "--participants", str(REPO / "demo" / "participants.csv")]
    argv += ["--events", str(REPO / "demo" / "delivery_log.csv"), "--protocol", "tki2"]
    assert main([*argv, "--out", str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert " borgere, " in out and " nået, " in out and " leverancer; " in out
    assert f"kontrol(ler) i {out_dir / 'checks.csv'}" in out
    assert not english_in(out), out


def test_deid_success_line_is_danish(tmp_path, capsys):
    src = tmp_path / "b03.txt"
    src.write_text("[00:00:05] I: Hvordan var det at møde Sanne Kjærgaard?\n", encoding="utf-8")
    out = tmp_path / "b03_pseudo.txt"
    assert main(["deid", str(src), "--out", str(out)]) == 0
    err = capsys.readouterr().err.strip()
    assert err.endswith(f"fund erstattet; skrev {out}.") and int(err.split()[0]) >= 1, err
    assert not english_in(err), err


def test_codebook_and_agreement_success_lines_are_danish(tmp_path, capsys):
    books = sorted((REPO / "codebooks").glob("*.yaml"))
    book = next(b for b in books if not b.name.startswith("protocol_"))
    shutil.copy(book, tmp_path / book.name)
    target = tmp_path / "bog.qdc"
    assert main(["codebook", "convert", str(tmp_path / book.name), str(target)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{target}: kodebog '") and out.rstrip().endswith("kode(r).")
    codings = tmp_path / "codings.csv"
    codings.write_text(
        "document_id;segment_id;coder;code\n1;1;a;x\n1;1;b;x\n1;2;a;y\n1;2;b;\n", encoding="utf-8"
    )
    assert main(["agreement", "--codings", str(codings), "--out", str(tmp_path / "enighed")]) == 0
    out = capsys.readouterr().out
    assert "2 kode(r), 2 enhed(er), 2 koder(e)." in out
    assert not english_in(out), out


def test_option_names_are_spared_and_prose_is_not():
    assert not english_outside_options("--no-serve  Opret projektet; -n og --dry-run.")
    assert english_outside_options("--no-serve  Do not start the app.")
    assert framework_english("Usage: qualkit [OPTIONS]") == ["Usage:", "[OPTIONS]"]


def test_every_print_in_the_cli_is_danish():
    """Each print/echo literal in qualkit/cli (success lines the tests above do not run)."""
    import ast

    from .test_danish_messages import _texts

    found = []
    for path in sorted((REPO / "qualkit" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("print", "typer.echo"):
                found += [
                    f"{path.name}:{node.lineno}: {t!r}" for t in _texts(node) if english_in(t)
                ]
    assert not found, found
