"""Every message qualkit raises for a user is Danish: an AST scan of each ``raise`` in qualkit/
(and of each table ``Problem``) fails on an English sentence, by the same word-list heuristic
as the pages and the CLI (``english_in`` in test_danish.py).

The rule: a raise is user-facing unless its exception is one of PROGRAMMER_ERRORS, which mean
a bug or wrong use of an API and never reach a user as such (the CLI shows a traceback). Every
other exception (QualkitError and its subclasses, ValueError, the ``_fail`` helpers that build
an InputError) is shown as it is by the CLI's one line or the app's ``st.error``, so each
string literal in it must be Danish. Texts from the catalog (``msg("key")``) are checked in
test_danish.py.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .test_danish import english_in

# Words english_in lets pass but no Danish message uses (``english_in`` stays the page heuristic).
MORE_ENGLISH = re.compile(r"\b(and|an|needs|named|exists|use|stopped|empty|negative)\b", re.I)

PACKAGE = Path(__file__).resolve().parent.parent / "qualkit"
# Programmer errors never reach a user (WriteOutsideRetry is a RuntimeError: a write outside
# services/_retry.write is a bug the tests catch, not a user's mistake).
PROGRAMMER_ERRORS = frozenset(
    {
        "AssertionError",
        "NotImplementedError",
        "TypeError",
        "KeyError",
        "RuntimeError",
        "WriteOutsideRetry",
    }
)


def english_text(text: str) -> str:
    """The text without code identifiers, as english_in sees it."""
    from .test_danish import IDENTIFIER

    return IDENTIFIER.sub(" ", text)


def _exception_name(exc: ast.expr) -> str:
    target = exc.func if isinstance(exc, ast.Call) else exc
    return ast.unparse(target).rsplit(".", 1)[-1]


def _texts(node: ast.AST) -> list[str]:
    """The string literals a user would read: an f-string's literal parts joined as one text."""
    texts: list[str] = []
    inner: set[int] = set()
    for n in ast.walk(node):
        if isinstance(n, ast.JoinedStr):
            parts = [v.value if isinstance(v, ast.Constant) else " " for v in n.values]
            texts.append("".join(str(p) for p in parts))
            inner.update(id(v) for v in n.values)
        elif isinstance(n, ast.Call) and ast.unparse(n.func).endswith("msg"):
            inner.update(id(a) for a in n.args)  # a catalog key, not a text
    for n in ast.walk(node):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in inner:
            texts.append(n.value)
    return texts


def english_messages(source: str, where: str = "<source>") -> list[str]:
    """'file:line: Exception: text' for each user-facing raise (or Problem) with English."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Raise) and node.exc is not None:
            name, payload = _exception_name(node.exc), node.exc
        elif isinstance(node, ast.Call) and _exception_name(node) == "Problem":
            name, payload = "Problem", ast.Tuple(elts=node.args[3:], ctx=ast.Load())
        else:
            continue
        if name in PROGRAMMER_ERRORS:
            continue
        for text in _texts(payload):
            if english_in(text) or MORE_ENGLISH.search(english_text(text)):
                found.append((node.lineno, f"{where}:{node.lineno}: {name}: {text[:120]!r}"))
                break
    return [hit for _, hit in sorted(found)]


def scan(package: Path = PACKAGE) -> dict[str, list[str]]:
    """English user-facing messages by module path (relative to the package)."""
    out: dict[str, list[str]] = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        hits = english_messages(path.read_text(encoding="utf-8"), rel)
        if hits:
            out[rel] = hits
    return out


def test_the_scan_catches_english_raises_and_spares_danish_and_programmer_errors():
    english = """
def f(path, n):
    if n:
        raise InputError(f"{path}: the file is empty.")
    raise _fail(path, "must be a mapping")
def g(path):
    raise StoreError("Cannot reach the database")
def h(table, n):
    return Problem(table.path, n, "date", f"'{n}' is not a date")
def k(name):
    raise InputError("A project needs a name.")
"""
    hits = english_messages(english)
    names = [h.split(": ")[1] for h in hits]
    assert names == ["InputError", "_fail", "StoreError", "Problem", "InputError"]
    danish = """
def f(path, n):
    if n:
        raise InputError(f"{path}: filen er tom.")
    if n > 1:
        raise InputError(_msg("file.not_found", path=path))
    if n > 2:
        raise TypeError(f"unknown argument {n}")  # a bug, never a user's
    raise AssertionError("unreachable: the caller checked this")
"""
    assert english_messages(danish) == []


def test_every_user_facing_raise_is_danish():
    found = scan()
    problems = [h for hits in found.values() for h in hits]
    assert not problems, f"{len(problems)} English message(s):\n" + "\n".join(problems)
