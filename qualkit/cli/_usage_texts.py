"""Typer's and Click's usage-error texts in Danish.

Typer 0.29 checks the command line with its vendored Click (``typer._click``: the parser, the
exception classes) and checks values with pydantic (``typer/_adapters.py``, ``_coercion.py``,
``_param_types.py``); both write plain English, with no gettext domain to hook. ``USAGE_TEXTS``
has one pattern per template they raise (``tests/test_danish_cli.py`` collects the templates
from their source and pydantic's error list and checks that each one is matched). A text that no
pattern matches becomes ``GENERIC``, and the original is logged (logger ``qualkit.cli``, WARNING,
``logs.DETAIL``: in ``qualkit.log``, on stderr only with ``QUALKIT_LOG_LEVEL=INFO``), so the
user reads Danish and the maintainer can still find the text to add.

The user's own values (a quoted value, an option name, a path) are kept as they were written.
"""

from __future__ import annotations

import errno
import logging
import os
import re
from collections.abc import Callable

from qualkit import logs
from qualkit.messages import OS_REASONS

log = logging.getLogger("qualkit.cli")
GENERIC = "Ugyldigt input på kommandolinjen."
GENERIC_VALUE = "Værdien kan ikke bruges."
PARAM_KINDS = {"option": "tilvalget", "argument": "argumentet", "parameter": "parameteren"}
PARAM_KINDS_INDEFINITE = {
    "option": "et tilvalg",
    "argument": "et argument",
    "parameter": "en værdi",
}
PATH_LABELS = {"file": "Filen", "dir": "Mappen", "directory": "Mappen", "path": "Stien"}
# Click 8's type names in "'x' is not a valid integer." (Typer writes the annotation's name).
TYPE_WORDS = {
    "integer": "heltal",
    "float": "decimaltal",
    "boolean": "ja/nej-værdi",
    "uuid": "UUID",
    "datetime": "dato og tid",
    "date": "dato",
}
# The operating system's own (English) texts, as ``exc.strerror`` gives them, by errno.
OS_ERRNOS = {os.strerror(code): code for code in sorted(errno.errorcode, reverse=True)}


class _NoMatch(Exception):
    """A converter refuses the matched text: the next pattern is tried."""


def _os_reason(text: str) -> str:
    if text == "unknown error":  # FileError's hint when the OS gave none
        return "ukendt fejl"
    code = OS_ERRNOS.get(text.strip())
    if code is None:
        raise _NoMatch
    return OS_REASONS.get(code, f"systemfejl {code}")


def _type_word(text: str) -> str:
    word = TYPE_WORDS.get(text.lower())
    if word is None:
        raise _NoMatch
    return word


CONVERTERS: dict[str, Callable[[str], str]] = {
    "inner": lambda text: _translate(text, GENERIC_VALUE),
    "kind": lambda text: PARAM_KINDS[text],
    "kinds": lambda text: PARAM_KINDS_INDEFINITE[text],
    "label": lambda text: PATH_LABELS[text],
    "os": _os_reason,
    "type": _type_word,
    "choices": lambda text: re.sub(r"(?<=') or (?=')", " eller ", text),
    "hint": lambda text: text.replace("(env var: ", "(miljøvariabel: "),
    "items": lambda text: ", ".join(x.strip() for x in text.split(",") if x.strip()),
}

# An option's or argument's name as Click quotes it: '--out' / '-o' (env var: 'X')
_HINT = r"(?P<hint>'[^']*'(?: / '[^']*')*(?: \(env var: '[^']*'\))?)"
# (pattern, Danish): each pattern matches the whole (stripped) text; named groups fill the Danish
# text, after the converter of the same name (CONVERTERS) where there is one.
_TABLE: tuple[tuple[str, str], ...] = (
    # Typer's core.py (groups, commands, choices)
    (r"Missing command\.", "Der mangler en kommando."),
    (
        r"No such command (?P<a>'.*')\. Did you mean (?P<b>.*)\?",
        "Ukendt kommando {a}. Mente du {b}?",
    ),
    (r"No such command (?P<a>'.*')\.", "Ukendt kommando {a}."),
    (r"Choose from:\s*(?P<items>.*)", "Vælg mellem: {items}."),
    # the vendored Click: core.py, parser.py, exceptions.py
    (
        r"Got unexpected extra argument(?:\(s\)|s)? \((?P<a>.*)\)",
        "Uventede ekstra argumenter ({a}).",
    ),
    (r"Option (?P<a>'.*') requires an argument\.", "Tilvalget {a} kræver en værdi."),
    (r"Option (?P<a>'.*') requires (?P<b>\d+) arguments\.", "Tilvalget {a} kræver {b} værdier."),
    (r"Option (?P<a>'.*') does not take a value\.", "Tilvalget {a} tager ingen værdi."),
    (r"Argument (?P<a>'.*') takes (?P<b>\d+) values\.", "Argumentet {a} kræver {b} værdier."),
    (
        r"No such option: (?P<a>\S+) \(Possible options: (?P<b>.*)\)",
        "Ukendt tilvalg: {a} (mulige tilvalg: {b})",
    ),
    (
        r"No such option: (?P<a>\S+)\.? Did you mean (?P<b>.*)\?",
        "Ukendt tilvalg: {a}. Mente du {b}?",
    ),
    (r"No such option: (?P<a>.*)", "Ukendt tilvalg: {a}"),
    (
        rf"Missing (?P<kind>option|argument|parameter) {_HINT}\. (?P<inner>.+)",
        "Der mangler {kind} {hint}. {inner}",
    ),
    (rf"Missing (?P<kind>option|argument|parameter) {_HINT}\.", "Der mangler {kind} {hint}."),
    (
        r"Missing (?P<kinds>option|argument|parameter)\. (?P<inner>.+)",
        "Der mangler {kinds}. {inner}",
    ),
    (r"Missing (?P<kinds>option|argument|parameter)\.", "Der mangler {kinds}."),
    (r"Missing parameter: (?P<a>.*)", "Der mangler parameteren {a}."),
    (rf"Invalid value for {_HINT}: (?P<inner>.*)", "Ugyldig værdi for {hint}: {inner}"),
    (r"Invalid value for (?P<a>.+?): (?P<inner>.*)", "Ugyldig værdi for {a}: {inner}"),
    (r"Invalid value: (?P<inner>.*)", "Ugyldig værdi: {inner}"),
    (r"Could not open file (?P<a>'.*'): (?P<os>.*)", "Filen {a} kan ikke åbnes: {os}."),
    # Typer's _coercion.py and _param_types.py
    (r"Value must be an iterable\.", "Skriv en eller flere værdier."),
    (
        r"Value (?P<a>.*) is not a valid (?P<b>[\w.]+)\.",
        "{a} er ikke en gyldig værdi af typen {b}.",
    ),
    (
        r"(?P<label>file|dir|directory|path) (?P<a>'.*') does not exist\.",
        "{label} {a} findes ikke.",
    ),
    (
        r"(?P<label>file|dir|directory|path) (?P<a>'.*') is a directory\.",
        "{label} {a} er en mappe.",
    ),
    (r"(?P<label>file|dir|directory|path) (?P<a>'.*') is a file\.", "{label} {a} er en fil."),
    (
        r"(?P<label>file|dir|directory|path) (?P<a>'.*') is not readable\.",
        "{label} {a} kan ikke læses.",
    ),
    (
        r"(?P<label>file|dir|directory|path) (?P<a>'.*') is not writable\.",
        "Der kan ikke skrives i {a}.",
    ),
    (
        r"(?P<label>file|dir|directory|path) (?P<a>'.*') is not executable\.",
        "{label} {a} kan ikke køres.",
    ),
    (r"(?P<a>'.*'): (?P<os>[^']+)", "{a}: {os}."),  # a file that cannot be opened (strerror)
    # Typer's value checks (_adapters.py, _param_types.py); pydantic writes "Value error, ..."
    (r"Value error, (?P<inner>.*)", "{inner}"),
    (r"Assertion failed, (?P<inner>.*)", "{inner}"),
    (r"(?P<a>'.*') is not one of (?P<choices>.*)\.", "{a} er ikke et af valgene {choices}."),
    (r"(?P<a>'.*') is not one of the choices (?P<choices>.*)\.", "{a} er ikke et af valgene."),
    (r"(?P<a>'.*') does not match the formats? (?P<b>.*)\.", "{a} passer ikke til formatet {b}."),
    (r"None is not a valid string", "Der mangler en tekst."),
    (r"value is not a valid tuple", "Skriv flere værdier efter hinanden."),
    (
        r"(?P<a>\d+) values are required, but (?P<b>\d+) given\.",
        "Der kræves {a} værdier, men der blev givet {b}.",
    ),
    # Click 8's own types (kept for a Typer that brings them back)
    (r"(?P<a>.*) is not in the range (?P<b>.*)\.", "{a} er uden for intervallet {b}."),
    (r"(?P<a>'.*') is not a valid UUID\.", "{a} er ikke et gyldigt UUID."),
    (r"(?P<a>'.*') is not a valid (?P<type>\w+)\.", "{a} kan ikke læses som {type}."),
    # pydantic's messages for the types a command line carries (pydantic_core's error list)
    (r"Input should be a valid integer.*", "Skriv et helt tal."),
    (r"Unable to parse input string as an integer, exceeded maximum size", "Tallet er for stort."),
    (r"Input should be a valid number.*", "Skriv et tal."),
    (r"Input should be a finite number", "Skriv et endeligt tal."),
    (r"Input should be a valid boolean.*", "Skriv ja eller nej (true/false)."),
    (r"Input should be a valid string.*", "Skriv en tekst."),
    (r"Input should be a valid date or datetime.*", "Skriv en gyldig dato (fx 2024-05-31)."),
    (r"Input should be a valid date\b.*", "Skriv en gyldig dato (fx 2024-05-31)."),
    (
        r"Input should be a valid datetime.*",
        "Skriv en gyldig dato og tid (fx 2024-05-31 eller 2024-05-31T14:30).",
    ),
    (r"Datetimes provided to dates should have zero time.*", "Skriv en dato uden klokkeslæt."),
    (r"(?:Date|Input) should be in the past", "Datoen skal ligge før nu."),
    (r"(?:Date|Input) should be in the future", "Datoen skal ligge efter nu."),
    (r"Invalid datetime object, got .*", "Ugyldig dato og tid."),
    (r"Input should not have timezone info", "Skriv tiden uden tidszone."),
    (r"Input should have timezone info", "Skriv tiden med tidszone (fx +01:00)."),
    (
        r"Timezone offset of (?P<a>\S+) required, got (?P<b>\S+)",
        "Tidszonen skal være {a}, ikke {b}.",
    ),
    (
        r"Input should be (?:a valid time|in a valid time format).*",
        "Skriv et klokkeslæt (fx 14:30).",
    ),
    (r"Input should be a valid timedelta.*", "Skriv en gyldig varighed."),
    (
        r"(?:Input should be a valid UUID|UUID input should be).*",
        "Skriv et gyldigt UUID (fx 123e4567-e89b-12d3-a456-426614174000).",
    ),
    (r"UUID version (?P<a>\d+) expected", "UUID'et skal være version {a}."),
    (r"(?:Input should be a valid decimal|Decimal input should be an).*", "Skriv et tal."),
    (
        r"Decimal input should have no more than (?P<a>\d+) digits? in total",
        "Skriv højst {a} cifre.",
    ),
    (
        r"Decimal input should have no more than (?P<a>\d+) decimal places?",
        "Skriv højst {a} decimaler.",
    ),
    (
        r"Decimal input should have no more than (?P<a>\d+) digits? before the decimal point",
        "Skriv højst {a} cifre før kommaet.",
    ),
    (r"Input should be less than or equal to (?P<a>\S+)", "Værdien må højst være {a}."),
    (r"Input should be greater than or equal to (?P<a>\S+)", "Værdien skal mindst være {a}."),
    (r"Input should be less than (?P<a>\S+)", "Værdien skal være under {a}."),
    (r"Input should be greater than (?P<a>\S+)", "Værdien skal være over {a}."),
    (r"Input should be a multiple of (?P<a>\S+)", "Værdien skal gå op i {a}."),
    (r"Input should be a valid (?:list|tuple)", "Skriv en eller flere værdier."),
    (r"Input is not a valid path.*", "Skriv en gyldig sti."),
    (r"String should have at least (?P<a>\d+) characters?", "Skriv mindst {a} tegn."),
    (r"String should have at most (?P<a>\d+) characters?", "Skriv højst {a} tegn."),
    (r"String should contain only ASCII characters", "Skriv kun ASCII-tegn (ingen æ, ø, å)."),
    (r"String should match pattern (?P<a>'.*')", "Teksten skal passe til mønstret {a}."),
    (r"Input should be (?P<choices>'.*')", "Værdien skal være {choices}."),  # enum, Literal
    (r"Field required", "Der mangler en værdi."),
)
USAGE_TEXTS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.DOTALL), danish) for pattern, danish in _TABLE
)


def _fill(m: re.Match[str], danish: str) -> str:
    values = {}
    for name, value in m.groupdict().items():
        convert = CONVERTERS.get(name)
        values[name] = convert(value) if convert is not None and value is not None else value
    return danish.format(**values)


def _translate(text: str, fallback: str) -> str:
    stripped = text.strip()
    for pattern, danish in USAGE_TEXTS:
        m = pattern.fullmatch(stripped)
        if m is None:
            continue
        try:
            return _fill(m, danish)
        except _NoMatch:
            continue
    log.warning("command-line text without a Danish wording: %r", stripped, extra=logs.DETAIL)
    return fallback


def danish_usage_text(text: str) -> str:
    """A framework usage-error text in Danish; ``GENERIC`` (and a log line) if none fits."""
    return _translate(text, GENERIC)


def danish_value_text(text: str) -> str:
    """The reason part of a bad value ("Invalid value for X: <reason>") in Danish."""
    return _translate(text, GENERIC_VALUE)
