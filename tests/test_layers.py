"""The layering of ARCHITECTURE.md, checked on the source: imports only run downwards.

Domain packages (engines, recognisers, codebooks, statistics, tallies, exporters) are plain
Python: no Streamlit, no store, no services, no pages. Services never import pages or
Streamlit. A service module stays small enough to read in one sitting (400 lines).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "qualkit"
DOMAIN = ("agreement", "codebooks", "deid", "delivery", "exports", "transcription", "transcripts")
MAX_SERVICE_LINES = 400


def _imports(path: Path) -> list[tuple[int, str]]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(ROOT.parent).with_suffix("").parts[:-1])
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                up = parts[: len(parts) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            out.append((node.lineno, base))
    return out


def _offences(package: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, name in _imports(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(ROOT.parent)}:{line} imports {name}")
    return found


@pytest.mark.parametrize("package", DOMAIN)
def test_domain_packages_import_no_store_services_or_streamlit(package: str) -> None:
    forbidden = ("streamlit", "qualkit.store", "qualkit.services", "qualkit.ui", "sqlalchemy")
    assert _offences(package, forbidden) == []


def test_services_import_no_pages_or_streamlit() -> None:
    assert _offences("services", ("streamlit", "qualkit.ui")) == []


def test_relative_imports_are_resolved() -> None:
    # The checker itself: a relative import of the store from a domain module is caught.
    probe = ROOT / "exports" / "safety.py"
    names = {n for _, n in _imports(probe)}
    assert all(not n.startswith(".") for n in names)
    assert any(n.startswith("qualkit.") for n in names)


def test_service_modules_fit_in_one_sitting() -> None:
    long = {
        p.name: n
        for p in (ROOT / "services").glob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_SERVICE_LINES
    }
    assert long == {}


def test_pages_never_import_the_store() -> None:
    # The app opens the database in two places only: ui/state.py (the script's context) and
    # ui/session_cookie.py (the server's cookie routes, outside any script run).
    openers = {"qualkit/ui/state.py", "qualkit/ui/session_cookie.py"}
    found = _offences("ui", ("qualkit.store", "sqlalchemy"))
    assert [f for f in found if f.split(":")[0] not in openers] == []
