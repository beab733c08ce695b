"""Typer's and Click's own help words in Danish ("Usage:", "Options", "[required]", ...).

Typer 0.29 carries its own copy of Click whose strings are plain English literals (no gettext
domain to hook), so the help is rendered through a formatter that puts the framework's fixed
words into Danish: headings, the usage line, the help option's text, the [default: ...] and
[required] marks and the type placeholders. The commands' own texts are Danish at the source.
Usage errors (``usage_message``, ``show_usage_error``) are worded by ``_usage_texts.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer
from typer import _click
from typer.core import TyperCommand, TyperGroup, TyperOption

from ._plain_params import use_plain_params
from ._usage_texts import CONVERTERS, PARAM_KINDS, danish_usage_text, danish_value_text

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


class _PlainParams(_click.core.Command):
    """Plain values coerced without pydantic (``_plain_params``), the help option too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_plain_params(self.params)

    def get_help_option(self, ctx: _click.Context) -> TyperOption | None:
        option = super().get_help_option(ctx)
        use_plain_params([option])
        return option


class DanishCommand(_PlainParams, TyperCommand):
    context_class = DanishContext


class DanishGroup(_PlainParams, TyperGroup):
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


def usage_message(exc: _click.exceptions.UsageError) -> str:
    """The one-line Danish reason for a usage error."""
    from typer._click.exceptions import BadParameter, MissingParameter, NoSuchOption

    if isinstance(exc, (BadParameter, MissingParameter)):
        hint = exc.param_hint if exc.param_hint is not None else None
        if hint is None and exc.param is not None:
            hint = exc.param.get_error_hint()
        if hint is not None and not isinstance(hint, str):
            hint = " / ".join(repr(x) for x in hint)
        if hint is not None:
            hint = CONVERTERS["hint"](hint)
        if isinstance(exc, MissingParameter):
            kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
            text = f"Der mangler {PARAM_KINDS.get(kind, kind)} {hint or ''}".rstrip() + "."
            extra = [exc.message] if exc.message else []
            if exc.param is not None:
                extra.append(exc.param.get_missing_message(ctx=exc.ctx) or "")
            return " ".join([text, *(danish_value_text(x) for x in extra if x)])
        reason = danish_value_text(exc.message)
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
