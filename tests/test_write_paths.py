"""Every database write goes through the one retry policy (issue 11.3), checked two ways.

Statically: no ORM write (``add``, ``add_all``, ``delete``, ``merge``, an ``insert``/``update``/
``delete`` statement, a changed attribute of a loaded row, or a call to a helper that writes on
the session it is given) inside a plain ``with ... .session() as s:`` block anywhere in
``qualkit/``. At run time: a read session refuses to flush changes and refuses any writing SQL.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import insert, text, update

from qualkit.errors import WriteOutsideRetry
from qualkit.services import _retry, projects
from qualkit.services.context import SYSTEM
from qualkit.store.models import Project

PACKAGE = Path(__file__).resolve().parent.parent / "qualkit"
SESSION_METHODS = {"add", "add_all", "delete", "merge", "bulk_save_objects", "bulk_insert_mappings"}
SESSION_METHODS |= {"bulk_update_mappings"}
STATEMENTS = {"insert", "update", "delete", "pg_insert", "sqlite_insert"}
SESSION_PARAMS = {"s", "session", "db_session"}


def _is_session_call(node: ast.AST) -> bool:
    """``X.session()`` or ``X.session(write=False)``: a read session."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr != "session":
        return False
    for kw in node.keywords:
        if kw.arg == "write":
            return not (isinstance(kw.value, ast.Constant) and kw.value.value is True)
    return not node.args


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _writes_on(body: list[ast.stmt], session: str, writers: set[str]) -> list[ast.AST]:
    """The nodes in ``body`` that write through the session named ``session``."""
    found: list[ast.AST] = []
    loaded: set[str] = set()  # names bound to something read from the session
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, ast.Assign | ast.AnnAssign):
                value = node.value
                if value is not None and any(
                    isinstance(n, ast.Name) and n.id == session for n in ast.walk(value)
                ):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for t in targets:
                        for n in ast.walk(t):
                            if isinstance(n, ast.Name):
                                loaded.add(n.id)
            if isinstance(node, ast.Call):
                f = node.func
                if (
                    isinstance(f, ast.Attribute)
                    and isinstance(f.value, ast.Name)
                    and f.value.id == session
                ):
                    if f.attr in SESSION_METHODS:
                        found.append(node)
                    elif f.attr == "execute" and node.args:
                        stmt_node = node.args[0]
                        root = stmt_node
                        while isinstance(root, ast.Call | ast.Attribute):
                            root = root.func if isinstance(root, ast.Call) else root.value
                        inner = [n for n in ast.walk(stmt_node) if isinstance(n, ast.Call)]
                        if any(_name(c.func) in STATEMENTS for c in inner):
                            found.append(node)
                        for c in inner:
                            if _name(c.func) == "text" and c.args:
                                a = c.args[0]
                                if isinstance(a, ast.Constant) and isinstance(a.value, str):
                                    head = a.value.lstrip().split(None, 1)[:1]
                                    if head and head[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
                                        found.append(node)
                elif (
                    _name(f) in writers
                    and any(isinstance(a, ast.Name) and a.id == session for a in node.args)
                    or any(
                        isinstance(k.value, ast.Name) and k.value.id == session
                        for k in node.keywords
                    )
                ):
                    found.append(node)
            for target in _assigned_attributes(node):
                if isinstance(target.value, ast.Name) and target.value.id in loaded:
                    found.append(target)
                elif any(isinstance(n, ast.Name) and n.id == session for n in ast.walk(target)):
                    found.append(target)  # s.get(Row, 1).name = ...
    return found


def _assigned_attributes(node: ast.AST) -> list[ast.Attribute]:
    if isinstance(node, ast.Assign):  # a.x = ... and a.x, b.y = ...
        flat = [e for t in node.targets for e in (t.elts if isinstance(t, ast.Tuple) else [t])]
        return [t for t in flat if isinstance(t, ast.Attribute)]
    if isinstance(node, ast.AugAssign | ast.AnnAssign) and isinstance(node.target, ast.Attribute):
        return [node.target]
    return []


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def _session_param(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs:
        ann = ast.unparse(a.annotation) if a.annotation is not None else ""
        if a.arg in SESSION_PARAMS or ann.endswith("Session"):
            return a.arg
    return None


def writer_functions(trees: dict[Path, ast.Module]) -> set[str]:
    """Names of functions that write on a session they are given (to a fixed point)."""
    writers: set[str] = set()
    while True:
        grown = set(writers)
        for tree in trees.values():
            for fn in _functions(tree):
                param = _session_param(fn)
                if param and fn.name not in grown and _writes_on(fn.body, param, grown):
                    grown.add(fn.name)
        if grown == writers:
            return writers
        writers = grown


def read_session_writes(package: Path = PACKAGE) -> list[str]:
    """``path:line`` of every write inside a plain (read) ``.session()`` block."""
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(package.rglob("*.py"))}
    writers = writer_functions(trees)
    hits: list[str] = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.With | ast.AsyncWith):
                continue
            for item in node.items:
                if _is_session_call(item.context_expr) and isinstance(item.optional_vars, ast.Name):
                    for w in _writes_on(node.body, item.optional_vars.id, writers):
                        hits.append(f"{path.relative_to(package.parent)}:{w.lineno}")
    return sorted(set(hits))


def test_no_write_inside_a_read_session_anywhere_in_qualkit():
    hits = read_session_writes()
    assert not hits, "writes outside services/_retry.write:\n" + "\n".join(hits)


def test_the_static_check_finds_each_kind_of_write(tmp_path):
    """The checker itself: each kind of write in a read block is found, a write block is not."""
    pkg = tmp_path / "qualkit"
    pkg.mkdir()
    (pkg / "m.py").write_text(
        "def helper(s, x):\n    s.add(x)\n\n"
        "def outer(session):\n    helper(session, 1)\n\n"
        "def f(db):\n"
        "    with db.session() as s:\n"
        "        s.add(1)\n"  # 9
        "        s.execute(update(T).values(a=1))\n"  # 10
        "        row = s.get(T, 1)\n"
        "        row.name, row.key = 'x', 'y'\n"  # 12
        "        outer(s)\n"  # 13
        "        s.execute(text('DELETE FROM t'))\n"  # 14
        "        s.get(T, 2).name = 'y'\n"  # 15
        "        seen = set()\n"
        "        seen.add(1)\n"
        "    with db.session(write=True) as s:\n"
        "        s.add(1)\n",
        encoding="utf-8",
    )
    assert read_session_writes(pkg) == [f"qualkit/m.py:{n}" for n in (10, 12, 13, 14, 15, 9)]


def test_a_read_session_refuses_every_kind_of_write(db):
    """At run time: changes flushed, Core statements and raw SQL through a read session are a
    programming error (never committed); the same work through ``_retry.write`` lands."""
    pid = projects.create_project(db, SYSTEM, "Skrivevagt", "")
    with pytest.raises(WriteOutsideRetry):
        with db.session() as s:
            s.get(Project, pid).name = "ændret"  # type: ignore[union-attr]
    with pytest.raises(WriteOutsideRetry):
        with db.session() as s:
            s.add(Project(name="Ny", description=""))
    with pytest.raises(WriteOutsideRetry):
        with db.session() as s:
            s.execute(update(Project).where(Project.id == pid).values(name="ændret"))
    with pytest.raises(WriteOutsideRetry):
        with db.session() as s:
            s.execute(insert(Project).values(name="Ny", description=""))
    with pytest.raises(WriteOutsideRetry):
        with db.session() as s:
            s.execute(text("DELETE FROM project"))
    with db.session() as s:
        assert [p.name for p in s.query(Project)] == ["Skrivevagt"]  # nothing got through
    _retry.write(db, lambda s: setattr(s.get(Project, pid), "name", "ændret"))
    with db.session() as s:
        assert s.get(Project, pid).name == "ændret"  # type: ignore[union-attr]


def test_only_the_retry_policy_opens_a_write_session():
    """``session(write=True)`` outside ``services/_retry.py`` would write without the retry."""
    hits = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).as_posix() in ("services/_retry.py", "store/db.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "session"
                and any(k.arg == "write" for k in node.keywords)
            ):
                hits.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno}")
    assert not hits, "write sessions outside services/_retry.write:\n" + "\n".join(hits)
