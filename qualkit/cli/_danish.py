"""Typer's and Click's own help words in Danish ("Usage:", "Options", "[required]", ...).

Typer 0.29 carries its own copy of Click whose strings are plain English literals (no gettext
domain to hook), so the help is rendered through a formatter that puts the framework's fixed
words into Danish: headings, the usage line, the help option's text, the [default: ...] and
[required] marks and the type placeholders. The commands' own texts are Danish at the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import typer
from typer import _click
from typer.core import TyperCommand, TyperGroup

HEADINGS = {"Options": "Tilvalg", "Arguments": "Argumenter", "Commands": "Kommandoer"}
USAGE_PREFIX = "Brug: "
USAGE_WORDS = {"[OPTIONS]": "[TILVALG]", "COMMAND": "KOMMANDO", "[ARGS]...": "[ARGUMENTER]..."}
HELP_OPTION = "Vis denne hjælp og afslut."
# The framework's texts inside a help row, exactly as Typer/Click write them.
ROW_TEXTS = (
    ("Show this message and exit.", HELP_OPTION),
    ("[required]", "[påkrævet]"),
    ("[default: ", "[standard: "),
    ("default: ", "standard: "),
    ("env var: ", "miljøvariabel: "),
    ("(dynamic)", "(dynamisk)"),
)
TYPE_NAMES = {
    "<path>": "<sti>",
    "<str>": "<tekst>",
    "<int>": "<heltal>",
    "<int range>": "<heltal i interval>",
    "<float>": "<tal>",
    "<float range>": "<tal i interval>",
    "<bool>": "<ja/nej>",
    "<choice>": "<valg>",
}
_TYPE = re.compile("|".join(re.escape(k) for k in sorted(TYPE_NAMES, key=len, reverse=True)))


def danish_row_text(text: str) -> str:
    for english, danish in ROW_TEXTS:
        text = text.replace(english, danish)
    return text


class DanishHelpFormatter(_click.HelpFormatter):
    """Click's formatter with the framework's words in Danish."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        words = " ".join(USAGE_WORDS.get(w, w) for w in args.split(" "))
        super().write_usage(prog, words, USAGE_PREFIX if prefix is None else prefix)

    @contextmanager
    def section(self, name: str) -> Iterator[None]:
        with super().section(HEADINGS.get(name, name)):
            yield

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = [
            (_TYPE.sub(lambda m: TYPE_NAMES[m.group(0)], term), danish_row_text(text))
            for term, text in rows
        ]
        super().write_dl(rows, col_max, col_spacing)


class DanishContext(typer.Context):
    formatter_class = DanishHelpFormatter


class DanishCommand(TyperCommand):
    context_class = DanishContext


class DanishGroup(TyperGroup):
    context_class = DanishContext


def use_danish_help(app: typer.Typer) -> None:
    """Give every command and group of the app (recursively) the Danish help classes."""
    if app.info.cls is None or _is_default(app.info.cls):
        app.info.cls = DanishGroup
    for command in app.registered_commands:
        if command.cls is None or command.cls is TyperCommand:
            command.cls = DanishCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            use_danish_help(group.typer_instance)


def _is_default(value: object) -> bool:
    from typer.models import DefaultPlaceholder

    return isinstance(value, DefaultPlaceholder)
