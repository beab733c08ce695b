"""The REFI-QDA project model (``urn:QDA-XML:project:1.0``) as plain dataclasses, in code
points; ``qdpx_write`` writes it, ``qdpx_read`` reads it (``exports/qdpx.py`` is the one import).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

NS = "urn:QDA-XML:project:1.0"
_Q = f"{{{NS}}}"
GUID_RE = re.compile(
    r"^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
    r"[0-9a-fA-F]{12}\}?$"
)
_GUID_NS = uuid.UUID("6f1c3f52-5a0e-4c55-9a57-8b2f3d1e0a71")
CONSENSUS_USER = "Konsensus"  # the user under whom qualkit writes the agreed layer
_COLOR = re.compile(r"^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$")


def guid_for(*parts: object) -> str:
    """A stable GUID for a qualkit object, so exporting twice gives the same file."""
    return str(uuid.uuid5(_GUID_NS, ":".join(str(p) for p in parts)))


def norm_guid(guid: str | None) -> str:
    return (guid or "").strip().strip("{}").lower()


@dataclass
class QdaUser:
    guid: str
    name: str


@dataclass
class QdaCode:
    guid: str
    name: str
    description: str = ""  # the whole Description (qualkit's trailer included)
    color: str | None = None
    codable: bool = True
    children: list[QdaCode] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)

    def walk(self, parent: QdaCode | None = None) -> Iterator[tuple[QdaCode, QdaCode | None]]:
        yield self, parent
        for c in self.children:
            yield from c.walk(self)


@dataclass
class QdaCoding:
    code_guid: str
    user_guid: str | None = None


@dataclass
class QdaSelection:
    guid: str
    start: int  # as in the file until converted; code points in the model
    end: int
    codings: list[QdaCoding] = field(default_factory=list)
    user_guid: str | None = None
    memo: str = ""  # Description and notes, both read; written as both
    note_guids: list[str] = field(default_factory=list)  # notes of an uncoded selection

    @property
    def code_guids(self) -> list[str]:
        return [c.code_guid for c in self.codings]


@dataclass
class QdaNote:
    guid: str
    name: str
    text: str  # exactly as in the file (memos travel byte for byte)
    user_guid: str | None = None
    created: str | None = None  # creationDateTime / modifiedDateTime as written
    modified: str | None = None


@dataclass
class QdaLink:
    """A REFI-QDA ``Link``: origin -> target, optionally with notes of its own (qualkit writes
    a memo's link to a passage or a code as one, see ``exports/memo_notes.py``)."""

    guid: str
    name: str = ""
    origin: str | None = None
    target: str | None = None
    note_guids: list[str] = field(default_factory=list)


@dataclass
class QdaSource:
    guid: str
    name: str
    text: str
    selections: list[QdaSelection] = field(default_factory=list)
    description: str = ""
    note_guids: list[str] = field(default_factory=list)


@dataclass
class QdaSet:
    guid: str
    name: str
    description: str = ""
    codes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class QdaVariable:
    guid: str
    name: str
    kind: str = "Text"  # typeOfVariable


@dataclass
class QdaCase:
    guid: str
    name: str
    description: str = ""
    values: dict[str, str] = field(default_factory=dict)  # variable guid -> value
    sources: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)  # codings of the case (read, not kept)


@dataclass(frozen=True)
class Problem:
    """Something in the file that was not imported, and why (shown and in the report)."""

    kind: str  # source | selection | coding | code | note | set | case
    where: str
    reason: str


@dataclass
class QdaProject:
    name: str
    users: list[QdaUser] = field(default_factory=list)
    codes: list[QdaCode] = field(default_factory=list)
    sources: list[QdaSource] = field(default_factory=list)
    origin: str = "qualkit"
    description: str = ""
    notes: dict[str, QdaNote] = field(default_factory=dict)
    note_guids: list[str] = field(default_factory=list)  # the project's own notes
    sets: list[QdaSet] = field(default_factory=list)
    links: list[QdaLink] = field(default_factory=list)
    variables: list[QdaVariable] = field(default_factory=list)
    cases: list[QdaCase] = field(default_factory=list)
    creating_user: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def all_codes(self) -> list[tuple[QdaCode, QdaCode | None]]:
        return [pair for c in self.codes for pair in c.walk()]

    def user_names(self) -> dict[str, str]:
        return {norm_guid(u.guid): u.name for u in self.users}


# --- writing -----------------------------------------------------------------------------
