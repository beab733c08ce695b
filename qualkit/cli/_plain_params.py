"""Plain command-line values (text, paths, whole and decimal numbers) coerced without pydantic.

Typer 0.29 coerces every parameter through a pydantic ``TypeAdapter``: importing pydantic and
building one adapter per parameter costs about 0.17 s at every command's start, more than the
rest of the CLI's own start-up (``bench/cli_startup.py``). The parameters qualkit has are
almost all plain ``str``, ``Path``, ``bool``, ``int`` and ``float`` without bounds; for those, this
module gives Typer a coercion of its own that accepts and refuses exactly what pydantic's lax
mode does, with the same English message texts (so the Danish usage-error table,
``cli/_usage_texts.py``, maps them the same way). Everything else (bounds, lists, choices,
dates, custom parsers) keeps Typer's pydantic path. ``tests/test_cli_plain_params.py`` checks
both paths give the same values and messages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from typer._click import Context
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam
from typer._param_types import coerce_cli_path
from typer.core import _TyperParameter

# Typer's and pydantic's own texts, word for word: shown to the user through the Danish table.
STR_TEXT = "None is not a valid string"
INT_TEXT = "Input should be a valid integer, unable to parse string as an integer"
FLOAT_TEXT = "Input should be a valid number, unable to parse string as a number"
BOOL_TEXT = "Input should be a valid boolean, unable to interpret input"
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})
_WHOLE_FLOAT = re.compile(r"^[+-]?\d+\.0*$")  # pydantic reads "12.0" as the integer 12
_UNSUPPORTED = ("min", "max", "clamp", "parser", "click_type")


class PlainRuntimeParam(RuntimeParam):
    """Coercion of one ``str``, ``Path``, ``bool``, ``int`` or ``float`` parameter without bounds."""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        kind = self.annotation
        if kind is str:
            if isinstance(value, bytes):
                return value.decode("utf-8", "replace")  # type: ignore[unreachable]
            if value is None:
                raise BadParameter(STR_TEXT, ctx=ctx, param=param)
            return str(value)
        if kind is int:
            return _int(value, param, ctx)
        if kind is float:
            return _float(value, param, ctx)
        if kind is bool:
            return _bool(value, param, ctx)
        path_type: type[Any] = self.parameter_info.path_type or kind
        if isinstance(value, str) and issubclass(path_type, Path):
            value = path_type(value)
        return coerce_cli_path(
            value, self.parameter_info, path_type=path_type, param=param, ctx=ctx
        )


def _int(value: Any, param: _TyperParameter, ctx: Context) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.isascii():
        try:
            return int(text)
        except ValueError:
            if _WHOLE_FLOAT.match(text):
                return int(text.split(".", 1)[0])
    raise BadParameter(INT_TEXT, ctx=ctx, param=param)


def _float(value: Any, param: _TyperParameter, ctx: Context) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    if text.isascii():
        try:
            return float(text)
        except ValueError:
            pass
    raise BadParameter(FLOAT_TEXT, ctx=ctx, param=param)


def _bool(value: Any, param: _TyperParameter, ctx: Context) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "":  # Typer reads an empty value as "no"
            return False
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
    raise BadParameter(BOOL_TEXT, ctx=ctx, param=param)


def is_plain(param: object) -> bool:
    """A Typer parameter whose type this module coerces (and not yet given a coercion)."""
    if not isinstance(param, _TyperParameter) or param._runtime_param is not None:
        return False
    desc = param.type_descriptor
    info = desc.parameter_info
    if desc.file_annotation is not None or any(getattr(info, k, None) for k in _UNSUPPORTED):
        return False
    if desc.annotation in (str, int, float, bool):
        return True
    return isinstance(desc.annotation, type) and issubclass(desc.annotation, Path)


def use_plain_params(params: list[Any]) -> None:
    """Give each plain parameter of a command the coercion above (others stay as they are)."""
    for p in params:
        if is_plain(p):
            p._runtime_param = PlainRuntimeParam(
                parameter_info=p.type_descriptor.parameter_info,
                annotation=p.type_descriptor.annotation,
            )
