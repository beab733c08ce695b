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
    "<list[str]>": "<tekst ...>",
    "<list[int]>": "<heltal ...>",
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


PARAM_KINDS = {"option": "tilvalget", "argument": "argumentet", "parameter": "parameteren"}
# Typer's/Click's usage-error texts (exact patterns) and their Danish wording.
USAGE_TEXTS = (
    (re.compile(r"Missing command\.$"), "Der mangler en kommando."),
    (re.compile(r"No such command (?P<a>'.*')\.$"), "Ukendt kommando {a}."),
    (
        re.compile(r"Got unexpected extra argument(?:\(s\)|s)? \((?P<a>.*)\)$"),
        "Uventede ekstra argumenter ({a}).",
    ),
    (re.compile(r"Option (?P<a>'.*') requires an argument\.$"), "Tilvalget {a} kræver en værdi."),
    (
        re.compile(r"Option (?P<a>'.*') requires (?P<b>\d+) arguments\.$"),
        "Tilvalget {a} kræver {b} værdier.",
    ),
    (
        re.compile(r"Option (?P<a>'.*') does not take a value\.$"),
        "Tilvalget {a} tager ingen værdi.",
    ),
    (re.compile(r"No such option: (?P<a>.*)$"), "Ukendt tilvalg: {a}"),
    (
        re.compile(r"Value (?P<a>.*) is not a valid (?P<b>\w+)\.$"),
        "{a} er ikke en gyldig værdi ({b}).",
    ),
    (re.compile(r"(?P<a>'.*') is not one of (?P<b>.*)\.$"), "{a} er ikke en af {b}."),
    (re.compile(r"(?P<a>.*) is not in the range (?P<b>.*)\.$"), "{a} er uden for intervallet {b}."),
    (re.compile(r"(?P<b>\w+) (?P<a>'.*') does not exist\.$"), "{a} findes ikke."),
    (re.compile(r"(?P<b>\w+) (?P<a>'.*') is a directory\.$"), "{a} er en mappe."),
    (re.compile(r"(?P<b>\w+) (?P<a>'.*') is a file\.$"), "{a} er en fil."),
    (re.compile(r"Input should be a valid integer.*$"), "Skriv et helt tal."),
    (re.compile(r"Input should be a valid number.*$"), "Skriv et tal."),
    (re.compile(r"Input should be a valid boolean.*$"), "Skriv ja eller nej (true/false)."),
    (
        re.compile(r"Input should be less than or equal to (?P<a>\S+)$"),
        "Værdien må højst være {a}.",
    ),
    (
        re.compile(r"Input should be greater than or equal to (?P<a>\S+)$"),
        "Værdien skal mindst være {a}.",
    ),
    (re.compile(r"Input should be less than (?P<a>\S+)$"), "Værdien skal være under {a}."),
    (re.compile(r"Input should be greater than (?P<a>\S+)$"), "Værdien skal være over {a}."),
)


def danish_usage_text(text: str) -> str:
    """A framework usage-error text in Danish (a text without a known pattern stays as it is)."""
    for pattern, danish in USAGE_TEXTS:
        m = pattern.match(text.strip())
        if m:
            return danish.format(**m.groupdict())
    return text


def usage_message(exc: _click.exceptions.UsageError) -> str:
    """The one-line Danish reason for a usage error."""
    from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption

    if isinstance(exc, (BadParameter, MissingParameter)):
        hint = exc.param_hint if exc.param_hint is not None else None
        if hint is None and exc.param is not None:
            hint = exc.param.get_error_hint()
        if hint is not None and not isinstance(hint, str):
            hint = " / ".join(repr(x) for x in hint)
        if isinstance(exc, MissingParameter):
            kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
            return f"Der mangler {PARAM_KINDS.get(kind, kind)} {hint or ''}".rstrip() + "."
        reason = danish_usage_text(exc.message)
        return f"Ugyldig værdi for {hint}: {reason}" if hint else f"Ugyldig værdi: {reason}"
    if isinstance(exc, NoSuchOption):
        text = danish_usage_text(exc.message)
        if exc.possibilities:
            text += f" (mulige tilvalg: {', '.join(sorted(exc.possibilities))})"
        return text
    return danish_usage_text(exc.message)


def show_usage_error(exc: _click.exceptions.UsageError) -> None:
    """Click's usage-error block (usage line, help hint, reason) in Danish, on stderr."""
    import sys

    ctx = exc.ctx
    if ctx is not None:
        print(ctx.get_usage(), file=sys.stderr)
        if ctx.command.get_help_option(ctx) is not None:
            print(
                f"Se '{ctx.command_path} {ctx.help_option_names[0]}' for hjælp.\n", file=sys.stderr
            )
    print(f"qualkit: {usage_message(exc)}", file=sys.stderr)
