"""The command line in Danish: the help of every command and subcommand (enumerated from the
Typer app, so a new command is covered without editing this file), the framework's own help
words and usage errors, and the success lines of a few commands, all failing on English by
the ``english_in`` word-list heuristic of test_danish.py.

No framework string is excluded: Typer's/Click's words ("Usage:", "Options", "Show this
message and exit.", "[required]", "Missing option") are rendered in Danish by
qualkit/cli/_danish.py, and FRAMEWORK_ENGLISH asserts that none of them is left.
"""

from __future__ import annotations

import ast
import datetime
import enum
import errno
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Literal

import pytest
import typer

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


# --- Typer's/Click's usage-error templates, collected from their source --------------------

TYPER = Path(__import__("typer").__file__).resolve().parent
# The modules that raise usage errors: the vendored Click's parser and core, Typer's groups and
# commands (core.py) and its value checks (pydantic adapters, coercion, paths, choices, files).
ERROR_MODULES = (
    "_click/core.py",
    "_click/parser.py",
    "_click/utils.py",
    "core.py",
    "_coercion.py",
    "_param_types.py",
    "_adapters.py",
)
USAGE_ERRORS = {"UsageError", "BadParameter", "BadOptionUsage", "BadArgumentUsage", "fail"}
MESSAGE_ARG = {"BadOptionUsage": 1}  # BadOptionUsage(option_name, message)
# A ValueError becomes a usage error ("Value error, ...") only inside a value check; elsewhere
# it is a programming error about the command's declaration.
VALUE_CHECK_MODULES = {"_adapters.py"}
VALUE_CHECK_FUNCTIONS = {"coerce_cli_choice"}
# Functions whose returned text is shown as part of a usage error.
MESSAGE_FUNCTIONS = {"get_missing_message"}
# Sample values for each placeholder expression of the templates: (value, is it the user's own
# value, which the Danish text must keep). A template with a placeholder missing here fails.
SAMPLES: dict[str, list[tuple[str, bool]]] = {
    "extra_args": [("q7 q8", True)],
    "option_name": [("--q7", True)],
    "_escape_control_characters(option_name)": [("--q7", True)],
    "opt": [("--q7", True)],
    "msg": [("an argument.", False), ("2 arguments.", False)],
    "self.dest": [("q7", True)],
    "self.nargs": [("2", True)],
    "name": [("q7", True)],
    "value": [("q7", True)],
    "format_filename(value)": [("q7", True)],
    "label": [("file", False), ("dir", False), ("path", False)],
    "loc": [("'q7'", True)],
    "annotation.__name__": [("UUID", True)],
    "filename": [("q7", True)],
    "exc.strerror": [(os.strerror(n), False) for n in (errno.ENOENT, errno.EACCES, errno.EISDIR)],
    "choices_str": [("'a', 'b'", False), ("a,\n\tb", False)],
    "formats_str": [("'%Y-%m-%d'", False)],
    "len(adapters)": [("2", True)],
    "len(value)": [("1", True)],
    "message": [("No such command 'q7'", False)],
    "suggestions": [("'q8'", True)],
}
# pydantic's messages, for the error types a command-line value can raise (ints, floats, bools,
# strings, dates and times, UUIDs, decimals, bounds, lists/tuples, choices, Typer's checks).
PYDANTIC_TYPES = (
    "int_", "float_", "bool_", "string_", "date", "time", "uuid_", "decimal_",
    "greater_than", "less_than", "multiple_of", "finite_number", "value_error",
    "assertion_error", "list_type", "tuple_type", "enum", "literal_error",
)  # fmt: skip
PYDANTIC_SAMPLES = {
    "error": "'q7' is not one of 'a', 'b'.",
    "expected": "'q7' or 'q8'",
    "pattern": "^q7$",
    "expected_plural": "s",
    "tz_expected": "3600",
    "tz_actual": "0",
}
# Words of an English template that Danish spells the same way.
SAME_IN_DANISH = {"for", "uuid", "ascii", "argument", "version"}


def _fills(node: ast.expr) -> list[tuple[str, list[str], str]]:
    """Every (text, kept user values, text without the samples) a template literal can give."""
    import itertools
    import string

    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        parts: list[tuple[str, str | None, str | None]] = []
        for literal, field, _spec, conv in string.Formatter().parse(node.value):
            parts.append((literal, None, None))
            if field is not None:
                parts.append(("", field, conv))
    elif isinstance(node, ast.JoinedStr):
        parts = []
        for v in node.values:
            if isinstance(v, ast.Constant):
                parts.append((str(v.value), None, None))
            else:
                assert isinstance(v, ast.FormattedValue)
                conv = chr(v.conversion) if v.conversion > 0 else None
                parts.append(("", ast.unparse(v.value), conv))
    else:
        return []
    fields = [p for p in parts if p[1] is not None]
    missing = [f for _lit, f, _c in fields if f not in SAMPLES]
    assert not missing, f"no sample for {missing} in {ast.unparse(node)}: add one to SAMPLES"
    out = []
    for combo in itertools.product(*(SAMPLES[f] for _lit, f, _c in fields)):  # type: ignore[index]
        values = iter(combo)
        text, kept, bare = "", [], ""
        for literal, field, conv in parts:
            if field is None:
                text += literal
                bare += literal
                continue
            value, is_users = next(values)
            shown = repr(value) if conv == "r" else value
            text += shown
            if is_users:
                kept.append(shown)
        out.append((text, kept, bare))
    return out


def _english_words(template: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{2,}", template)} - SAME_IN_DANISH


def raised_templates() -> list[tuple[str, str, list[str], str]]:
    """(where, filled text, kept values, the template's own words) for each usage-error literal
    in Typer's source."""
    found = []
    for rel in ERROR_MODULES:
        tree = ast.parse((TYPER / rel).read_text(encoding="utf-8"))
        for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
            for node in ast.walk(func):
                literals: list[ast.expr] = []
                if isinstance(node, ast.Call):
                    name = ast.unparse(node.func).split(".")[-1]
                    value_check = rel in VALUE_CHECK_MODULES or func.name in VALUE_CHECK_FUNCTIONS
                    if name in USAGE_ERRORS or (name == "ValueError" and value_check):
                        literals = node.args[MESSAGE_ARG.get(name, 0) :][:1]
                elif isinstance(node, ast.Assign) and ast.unparse(node.targets[0]).endswith(
                    ".message"
                ):
                    literals = [node.value]
                elif isinstance(node, ast.Return) and func.name in MESSAGE_FUNCTIONS:
                    literals = [node.value] if node.value is not None else []
                for lit in literals:
                    if isinstance(lit, ast.Call) and ast.unparse(lit.func).endswith(".format"):
                        lit = lit.func.value  # type: ignore[attr-defined]
                    if isinstance(lit, ast.Call) and ast.unparse(lit.func) == "_":
                        lit = lit.args[0]
                    for text, kept, bare in _fills(lit):
                        if text:
                            found.append((f"{rel}:{node.lineno}", text, kept, bare))
    return found


def exception_templates() -> list[tuple[str, str, list[str], str]]:
    """The texts the vendored Click's exception classes compose (format_message)."""
    from typer._click import exceptions as ex

    inner = "Input should be a valid integer"
    cases = {
        "BadParameter": [ex.BadParameter(inner, param_hint="'--q7'"), ex.BadParameter(inner)],
        "MissingParameter": [
            ex.MissingParameter(param_hint=hint, param_type=kind)
            for kind in ("option", "argument", "parameter")
            for hint in ("'--q7'", "'--q7' / '-q' (env var: 'Q7')", None)
        ],
        "NoSuchOption": [ex.NoSuchOption("--q7"), ex.NoSuchOption("--q7", None, ["--q8", "--q9"])],
        "FileError": [ex.FileError("q7", os.strerror(errno.EACCES)), ex.FileError("q7")],
    }
    # containers: their text is the message given where they are raised (raised_templates)
    containers = {"ClickException", "UsageError", "BadOptionUsage", "BadArgumentUsage"}
    containers.add("NoArgsIsHelpError")  # its text is the help, rendered in Danish
    classes = {
        n for n, c in vars(ex).items() if isinstance(c, type) and issubclass(c, ex.ClickException)
    }
    assert classes == set(cases) | containers, classes ^ (set(cases) | containers)
    out = []
    for name, excs in cases.items():
        for exc in excs:
            text = exc.format_message()
            kept = [x for x in ("'--q7'", "--q7", "'q7'") if x in text][:1]
            out.append((name, text, kept, text.replace(inner, "")))
    return out


def pydantic_templates() -> list[tuple[str, str, list[str], str]]:
    from collections import defaultdict

    from pydantic_core._pydantic_core import list_all_errors

    out = []
    for error in list_all_errors():
        if not error["type"].startswith(PYDANTIC_TYPES):
            continue
        values = defaultdict(lambda: "5", PYDANTIC_SAMPLES)
        template = error["message_template_python"]
        bare = template.format_map(defaultdict(str))
        out.append((f"pydantic {error['type']}", template.format_map(values), [], bare))
    return out


TEMPLATES = raised_templates() + exception_templates() + pydantic_templates()


def test_the_template_collection_finds_the_known_texts():
    texts = [t for _w, t, _k, _b in TEMPLATES]
    assert len(TEMPLATES) > 100
    for expected in (
        "Option '--q7' does not take a value.",
        "No such command 'q7'. Did you mean 'q8'?",
        "'q7' is not one of 'a', 'b'.",
        "'q7' does not match the formats '%Y-%m-%d'.",
        "file 'q7' is not writable.",
        "Could not open file 'q7': Permission denied",
        "No such option: --q7 (Possible options: --q8, --q9)",
        "Input should be a valid UUID, 'q7' is not one of 'a', 'b'.",
        "Choose from:\n\ta,\n\tb",
        "Missing option '--q7' / '-q' (env var: 'Q7').",
    ):
        assert expected in texts or any(expected in t for t in texts), expected


@pytest.mark.parametrize(
    "where, text, kept, bare", TEMPLATES, ids=[f"{w} {t[:40]}" for w, t, _k, _b in TEMPLATES]
)
def test_every_framework_usage_text_has_a_danish_wording(where, text, kept, bare, caplog):
    """Each template: a Danish pattern (not the generic fallback), none of the template's own
    English words left, no English by the word-list heuristic, the user's value kept."""
    from qualkit.cli._usage_texts import GENERIC, danish_usage_text

    with caplog.at_level("WARNING", logger="qualkit.cli"):
        danish = danish_usage_text(text)
    assert danish != GENERIC and not caplog.records, (
        where,
        text,
        danish,
    )  # a pattern, not the fallback
    assert not _english_words(bare) & _english_words(danish), (where, text, danish)
    assert not english_in(danish), (where, text, danish)
    for value in kept:
        assert value in danish, (where, text, danish, value)


def test_an_unknown_framework_text_is_the_danish_generic_and_logged(caplog, capsys):
    """A text no pattern knows: the user reads the Danish generic sentence; the original goes
    to the log (logger qualkit.cli, WARNING) and not to the user's stderr."""
    from typer._click.exceptions import BadParameter

    from qualkit.cli._danish import usage_message
    from qualkit.cli._usage_texts import GENERIC, GENERIC_VALUE, danish_usage_text

    unknown = "Frobnication of the widget failed beyond repair"
    with caplog.at_level("WARNING", logger="qualkit.cli"):
        assert danish_usage_text(unknown) == GENERIC
        bad = usage_message(BadParameter(unknown, param_hint="'--q7'"))
    assert bad == f"Ugyldig værdi for '--q7': {GENERIC_VALUE}"
    logged = [r for r in caplog.records if r.name == "qualkit.cli"]
    assert len(logged) == 2 and all(r.levelname == "WARNING" for r in logged)
    assert all(unknown in r.getMessage() for r in logged)
    assert unknown not in capsys.readouterr().err  # logs.DETAIL: off stderr by default
    assert not english_in(GENERIC) and not english_in(GENERIC_VALUE)


def test_a_known_text_is_not_logged(caplog):
    from qualkit.cli._usage_texts import danish_usage_text

    with caplog.at_level("DEBUG", logger="qualkit.cli"):
        assert danish_usage_text("Missing command.") == "Der mangler en kommando."
    assert not caplog.records


@pytest.mark.parametrize(
    "argv, expect",
    [
        (["tallly"], "Ukendt kommando 'tallly'. Mente du 'tally'?"),
        (["tally", "--participant", "x"], "Ukendt tilvalg: --participant (mulige tilvalg:"),
        (["demo", "--no-serve=ja"], "Tilvalget '--no-serve' tager ingen værdi."),
        (
            ["worker", "--concurrency", "1,5"],
            "Ugyldig værdi for '--concurrency': Skriv et helt tal.",
        ),
        (["interviews", "show"], "Der mangler argumentet 'ID'."),
    ],
)
def test_more_usage_errors_of_the_real_cli_are_danish(argv, expect, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expect in err, err
    assert not english_outside_options(err) and not framework_english(err), err


def test_the_installed_command_answers_a_bad_value_in_danish(tmp_path):
    """End to end: the real process (python -m qualkit), a bad option value, Danish on stderr."""
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "qualkit", "worker", "--concurrency", "mange"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert r.returncode == 2, r.stderr
    assert "qualkit: Ugyldig værdi for '--concurrency': Skriv et helt tal." in r.stderr, r.stderr
    assert "Brug: qualkit worker [TILVALG]" in r.stderr
    assert not english_in(r.stderr) and not framework_english(r.stderr), r.stderr


class _Engine(enum.StrEnum):
    whisper = "whisper"
    import_ = "import"


def _kinds_app() -> typer.Typer:
    """A Typer app with the parameter kinds qualkit's commands do not use yet (choices, paths
    that must exist, files opened by Typer, UUIDs, dates), built like qualkit's own."""
    from qualkit.cli._danish import use_danish_help

    kinds = typer.Typer()

    @kinds.command()
    def run(
        engine: _Engine = typer.Option(_Engine.whisper, "--engine"),
        src: Path = typer.Option(None, "--src", exists=True, dir_okay=False),
        folder: Path = typer.Option(None, "--folder", exists=True, file_okay=False),
        text: typer.FileText = typer.Option(None, "--text"),
        ref: uuid.UUID = typer.Option(None, "--ref"),
        day: datetime.datetime = typer.Option(None, "--day", formats=["%d-%m-%Y"]),
        when: datetime.datetime = typer.Option(None, "--when"),
    ) -> None:
        """Kør."""

    @kinds.command()
    def pick(arm: Literal["kontrol", "indsats"] = typer.Argument(...)) -> None:
        """Vælg."""

    use_danish_help(kinds)
    return kinds


@pytest.mark.parametrize(
    "argv, expect",
    [
        (["run", "--engine", "vosk"], "'vosk' er ikke et af valgene 'whisper', 'import'."),
        (["run", "--src", "/ingen/fil.wav"], "Filen '/ingen/fil.wav' findes ikke."),
        (["run", "--src", "/"], "Filen '/' er en mappe."),
        (["run", "--folder", "/etc/hostname"], "Mappen '/etc/hostname' er en fil."),
        (["run", "--text", "/ingen/noter.txt"], "'/ingen/noter.txt': den findes ikke."),
        (["run", "--ref", "xyz"], "Skriv et gyldigt UUID"),
        (["run", "--day", "2024-13-01"], "'2024-13-01' passer ikke til formatet '%d-%m-%Y'."),
        (["run", "--when", "i går"], "Skriv en gyldig dato og tid"),
        (["pick", "begge"], "'begge' er ikke et af valgene 'kontrol', 'indsats'."),
        (["pick"], "Der mangler argumentet 'arm'. Vælg mellem: kontrol, indsats."),
    ],
)
def test_usage_errors_of_other_parameter_kinds_are_danish(argv, expect, capsys, caplog):
    """The same path as qualkit's main(): Typer raises, show_usage_error writes stderr."""
    from typer import _click

    from qualkit.cli._danish import show_usage_error

    with pytest.raises(_click.exceptions.UsageError) as info:
        _kinds_app()(args=argv, prog_name="qualkit", standalone_mode=False)
    with caplog.at_level("WARNING", logger="qualkit.cli"):
        show_usage_error(info.value)
    err = capsys.readouterr().err
    assert expect in err and "Brug: qualkit" in err, err
    assert not english_in(err) and not framework_english(err), err
    assert not caplog.records  # a known template: nothing for the maintainer to add
