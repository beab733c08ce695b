"""REFI-QDA project exchange (.qdpx): write and read ``urn:QDA-XML:project:1.0``.

A .qdpx is a zip holding ``project.qde`` (the XML) and ``sources/<guid>.txt`` (one plain
text file per text source, referenced as ``plainTextPath="internal://<guid>.txt"``).
Codings sit on ``PlainTextSelection`` elements whose ``startPosition``/``endPosition``
count in UTF-16 units or code points (see ``exports/positions.py``); this module's model
holds code points, and the writer converts to the unit asked for.

The reader is tolerant of the producers' differences (inline ``PlainTextContent``,
"Sources/" or no folder, nested ``Code`` elements under wrappers) and never gives up on
one bad part: what it cannot read becomes a ``Problem`` and the rest is read. Only a file
that is not a REFI-QDA project at all is refused.
"""

from __future__ import annotations

from .qdpx_model import (  # noqa: F401  (the model, re-exported: callers import it from here)
    _GUID_NS,
    _Q,
    CONSENSUS_USER,
    GUID_RE,
    NS,
    Problem,
    QdaCase,
    QdaCode,
    QdaCoding,
    QdaLink,
    QdaNote,
    QdaProject,
    QdaSelection,
    QdaSet,
    QdaSource,
    QdaUser,
    QdaVariable,
    guid_for,
    norm_guid,
)
from .qdpx_read import read_qdpx  # noqa: F401
from .qdpx_write import project_xml, selection_notes, write_qdpx  # noqa: F401
