"""Limits for users' files: every reader refuses a hostile or broken file fast, in one line.

A file a user gives qualkit may be broken by accident or made to hurt: a CSV
cell of megabytes, a YAML alias bomb, a codebook nested thousands deep, a
.qdpx that expands a thousandfold. Each reader checks against these limits
*before* it builds anything big, so a refusal takes seconds and bounded memory,
names the file (and row and column where there is one), and writes nothing.

- tables: :data:`MAX_TABLE_BYTES` per file, :data:`MAX_CELL_CHARS` per cell, no NUL;
- YAML (codebooks, protocols): :func:`load_yaml` with size, depth, node and alias
  limits, checked on the event stream (no recursion, no expansion);
- zip containers (.qdpx, .docx): :func:`check_zip` on sizes, ratios and entry counts
  from the central directory before anything is extracted; :func:`read_member`
  streams one member with a hard cap;
- XML (.qdc, project.qde): :data:`MAX_XML_BYTES`.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from qualkit.errors import InputError
from qualkit.messages import msg as _msg
from qualkit.messages import os_reason

MAX_TABLE_BYTES = 200 * 1024 * 1024
MAX_CELL_CHARS = 128 * 1024
MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_YAML_DEPTH = 64
MAX_YAML_NODES = 200_000
MAX_YAML_ALIASES = 1_000
MAX_XML_BYTES = 64 * 1024 * 1024
MAX_TEXT_BYTES = 64 * 1024 * 1024  # a transcript's text
MAX_ZIP_ENTRIES = 20_000
MAX_ZIP_TOTAL = 2 * 1024 * 1024 * 1024  # uncompressed, all members
MAX_ZIP_MEMBER = 512 * 1024 * 1024  # uncompressed, one member
MAX_ZIP_RATIO = 200  # uncompressed / compressed, for members over 1 MiB
# Longest text the database holds per register and log column. The store's models size their
# columns from these (one source), and the domain readers check them without importing the
# store (which would pull SQLAlchemy and spaCy into `qualkit tally`'s start-up).
PARTICIPANT_LENGTHS = {"citizen_id": 80, "arm": 80, "site": 120}
EVENT_LENGTHS = {"citizen_id": 80, "component": 120, "staff_role": 80, "staff_id": 80, "mode": 40}


def kib(n: int) -> str:
    return f"{n // 1024} KiB" if n < 1024 * 1024 else f"{n // (1024 * 1024)} MiB"


def check_size(path: Path, limit: int, what: str) -> None:
    """Refuse a file over ``limit`` bytes before reading it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(_msg("file.unreadable", path=path, reason=os_reason(exc))) from None
    if size > limit:
        raise InputError(
            f"{path}: filen er {kib(size)}; en {what} må højst være {kib(limit)}. Intet blev gemt."
        )


def cell_problem(value: str) -> str | None:
    """Why a table cell is refused (NUL byte, over the length limit), or None."""
    if "\x00" in value:
        return "indeholder et NUL-tegn (binære data); gem filen igen som CSV eller .xlsx"
    if len(value) > MAX_CELL_CHARS:
        return f"feltet er {kib(len(value))}; højst {kib(MAX_CELL_CHARS)} i én celle"
    return None


def text_problem(value: str, max_chars: int | None = None) -> str | None:
    """Why a text for the database is refused (NUL, too long), the same on every database."""
    if "\x00" in value:
        return "indeholder et NUL-tegn"
    if max_chars is not None and len(value) > max_chars:
        return f"er {len(value)} tegn; højst {max_chars}"
    return None


def check_text_bytes(raw: bytes, where: str) -> None:
    """A transcript's bytes: refuse over :data:`MAX_TEXT_BYTES` or a NUL byte anywhere."""
    if len(raw) > MAX_TEXT_BYTES:
        raise InputError(f"{where}: filen er {kib(len(raw))}; højst {kib(MAX_TEXT_BYTES)}.")
    at = raw.find(b"\x00")
    if at >= 0:
        line = raw.count(b"\n", 0, at) + 1
        raise InputError(
            f"{where}, linje {line}: indeholder et NUL-tegn (binære data); forventede "
            "tekst (.txt) eller .docx. Intet blev gemt."
        )


def read_text_file(path: Path, limit: int, what: str) -> str:
    """A small text file (codebook, protocol) as text: size first, then UTF-8 (with or
    without BOM), refusing binary content in one line."""
    check_size(path, limit, what)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(_msg("file.unreadable", path=path, reason=os_reason(exc))) from None
    if b"\x00" in raw:
        raise InputError(f"{path}: binær fil (NUL-tegn); forventede tekst (YAML). Intet blev gemt.")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: ikke UTF-8-tekst (byte {exc.start}); gem filen som UTF-8. Intet blev gemt."
        ) from None


# --- YAML -------------------------------------------------------------------------------


def load_yaml(text: str | bytes, where: str) -> Any:
    """``yaml.safe_load`` after checking size, nesting depth, node count and aliases.

    The checks run on the parser's event stream, which neither recurses nor expands
    aliases: an alias bomb or a document nested 5,000 deep is refused in milliseconds."""
    import yaml

    raw = text.encode("utf-8") if isinstance(text, str) else text
    if len(raw) > MAX_YAML_BYTES:
        raise InputError(
            f"{where}: YAML-filen er {kib(len(raw))}; højst {kib(MAX_YAML_BYTES)}. Intet blev gemt."
        )
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    depth = 0
    nodes = 0
    aliases = 0
    sizes: dict[str, int] = {}  # anchor -> nodes it stands for, aliases expanded
    open_: list[tuple[str | None, int]] = []  # (anchor, node count when it opened)
    try:
        for event in yaml.parse(text, Loader=loader):
            if isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_YAML_ALIASES:
                    _yaml_limit(where, event, f"over {MAX_YAML_ALIASES} aliaser (*navn)")
                nodes += sizes.get(event.anchor, 1)
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                nodes += 1
                if depth > MAX_YAML_DEPTH:
                    _yaml_limit(where, event, f"indlejret over {MAX_YAML_DEPTH} niveauer")
                open_.append((event.anchor, nodes))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                anchor, start = open_.pop()
                if anchor:
                    sizes[anchor] = nodes - start + 1
            if nodes > MAX_YAML_NODES:
                _yaml_limit(where, event, f"over {MAX_YAML_NODES} elementer (aliaser talt ud)")
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (linje {mark.line + 1})" if mark is not None else ""
        raise InputError(
            f"{where}: ikke gyldig YAML{at}: {getattr(exc, 'problem', None) or exc}. "
            "Intet blev gemt."
        ) from None


def _yaml_limit(where: str, event: Any, why: str) -> None:
    mark = getattr(event, "start_mark", None)
    at = f", linje {mark.line + 1}" if mark is not None else ""
    raise InputError(f"{where}{at}: YAML-filen er {why}; den afvises. Intet blev gemt.")


# --- XML -------------------------------------------------------------------------------------

MAX_XML_DEPTH = 100


def check_xml(data: bytes, where: str) -> None:
    """Refuse XML over :data:`MAX_XML_BYTES` or nested deeper than :data:`MAX_XML_DEPTH`
    (readers walk the tree recursively), scanning without building it."""
    import xml.etree.ElementTree as ET

    if len(data) > MAX_XML_BYTES:
        raise InputError(f"{where}: XML-filen er {kib(len(data))}; højst {kib(MAX_XML_BYTES)}.")
    if b"<!ENTITY" in data:  # REFI-QDA uses no DTD; entities are how XML bombs expand
        raise InputError(
            f"{where}: XML-filen erklærer entiteter (<!ENTITY>); den afvises (en XML-bombe?). "
            "Intet blev gemt."
        )
    parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("start", "end"))
    depth = 0
    try:
        for i in range(0, len(data), 1 << 20):
            parser.feed(data[i : i + (1 << 20)])
            for item in parser.read_events():
                depth += 1 if item[0] == "start" else -1
                if depth > MAX_XML_DEPTH:
                    raise InputError(
                        f"{where}: XML-filen er indlejret over {MAX_XML_DEPTH} niveauer; den "
                        "afvises. Intet blev gemt."
                    )
        parser.close()
    except ET.ParseError:
        return  # the reader reports malformed XML in its own words


# --- zip containers -------------------------------------------------------------------------


def check_zip(zf: zipfile.ZipFile, where: str) -> None:
    """Refuse a zip whose central directory promises too much (entries, sizes, ratios)."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise InputError(f"{where}: {len(infos)} filer i arkivet; højst {MAX_ZIP_ENTRIES}.")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > MAX_ZIP_MEMBER:
            raise InputError(
                f"{where}: {info.filename} fylder {kib(info.file_size)} udpakket; højst "
                f"{kib(MAX_ZIP_MEMBER)}. Intet blev gemt."
            )
        if info.file_size > 1024 * 1024 and info.file_size > MAX_ZIP_RATIO * max(
            info.compress_size, 1
        ):
            raise InputError(
                f"{where}: {info.filename} pakkes ud {info.file_size // max(info.compress_size, 1)} "
                f"gange større (en zip-bombe?); højst {MAX_ZIP_RATIO} gange. Intet blev gemt."
            )
    if total > MAX_ZIP_TOTAL:
        raise InputError(
            f"{where}: arkivet fylder {kib(total)} udpakket; højst {kib(MAX_ZIP_TOTAL)}."
        )


def read_member(zf: zipfile.ZipFile, name: str, where: str, limit: int = MAX_ZIP_MEMBER) -> bytes:
    """One member, streamed with a hard cap (the directory's sizes may lie)."""
    chunks: list[bytes] = []
    got = 0
    with zf.open(name) as fh:
        while block := fh.read(1 << 20):
            got += len(block)
            if got > limit:
                raise InputError(
                    f"{where}: {name} er større end {kib(limit)} udpakket; den afvises. "
                    "Intet blev gemt."
                )
            chunks.append(block)
    return b"".join(chunks)


def open_zip(path: Path, where: str) -> zipfile.ZipFile:
    """A checked zip (see :func:`check_zip`); the caller closes it."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{where}: ikke et læsbart zip-arkiv ({exc}).") from None
    try:
        check_zip(zf, where)
    except BaseException:
        zf.close()
        raise
    return zf
