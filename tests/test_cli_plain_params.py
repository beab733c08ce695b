"""The CLI's own coercion of plain values (cli/_plain_params.py) accepts, refuses and words its
refusals exactly as Typer's pydantic coercion does, and keeps pydantic out of start-up."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer._click.exceptions import BadParameter
from typer._coercion import build_runtime_param

from qualkit.cli._plain_params import PlainRuntimeParam, is_plain

VALUES = {
    "i": [
        "12",
        " 12 ",
        "+3",
        "-0",
        "12.0",
        "12.00",
        "12.5",
        "1_000",
        "1e3",
        "abc",
        "",
        "１２",
        "0x10",
        "9" * 30,
        "-7",
        5,
    ],
    "f": ["2.5", " 2.5", "1e3", "inf", "-inf", "nan", "1,5", "", "1_0.5", "+.5", "٣", "3", 4],
    "b": ["true", "YES", "on", "1", "0", "off", "n", "F", "2", "ja", "", " yes ", "t", "y", 1, 0],
    "s": ["x", "æøå", "", " a ", "-"],
    "p": ["a/b", ".", "~/x", "/nonexistent/å", "-"],
}


def _command():
    app = typer.Typer()

    @app.command()
    def cmd(
        i: int = typer.Option(0),
        f: float = typer.Option(0.0),
        b: bool = typer.Option(False),
        s: str = typer.Option(""),
        p: Path = typer.Option(Path(".")),
    ) -> None:
        pass

    return typer.main.get_command(app)


def _outcome(runtime, value, param, ctx):
    try:
        got = runtime._coerce_value(value, param=param, ctx=ctx)
    except BadParameter as exc:
        return ("refused", exc.message)
    if isinstance(got, float) and math.isnan(got):
        return ("value", float, "nan")
    return ("value", type(got), got)


@pytest.mark.parametrize("name", sorted(VALUES))
def test_same_values_and_messages_as_typers_pydantic_path(name):
    cmd = _command()
    ctx = typer.Context(cmd)
    param = next(p for p in cmd.params if p.name == name)
    assert is_plain(param)
    desc = param.type_descriptor
    slow = build_runtime_param(desc)
    assert not isinstance(slow, PlainRuntimeParam)
    fast = PlainRuntimeParam(parameter_info=desc.parameter_info, annotation=desc.annotation)
    differ = {
        repr(v): (_outcome(slow, v, param, ctx), _outcome(fast, v, param, ctx))
        for v in VALUES[name]
        if _outcome(slow, v, param, ctx) != _outcome(fast, v, param, ctx)
    }
    assert not differ, differ


def test_bounded_lists_and_choices_keep_typers_coercion():
    app = typer.Typer()

    @app.command()
    def cmd(
        n: int = typer.Option(1, max=6),
        xs: list[str] = typer.Option([]),  # noqa: B008
        w: Path = typer.Option(Path("."), exists=True),
    ) -> None:
        pass

    params = {p.name: p for p in typer.main.get_command(app).params}
    assert not is_plain(params["n"]) and not is_plain(params["xs"])
    assert is_plain(params["w"])  # exists= is checked by Typer's own path code, called by ours


def test_commands_start_without_pydantic(tmp_path):
    """A whole command (parse, coerce, run) without importing pydantic: ~0.17 s of start-up."""
    code = (
        "import sys\n"
        "from qualkit.cli import main\n"
        "rc = main(['tally', '--participants', sys.argv[1], '--events', sys.argv[1], "
        "'--protocol', 'tki2', '--out', sys.argv[2]])\n"
        "print('pydantic' in sys.modules, rc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "nope.csv"), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.stdout.split() == ["False", "2"], out.stdout + out.stderr  # refused: exit 2
    assert "findes ikke" in out.stderr
