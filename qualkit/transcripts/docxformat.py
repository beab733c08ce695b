"""Reading a Word (.docx) transcript as transcript text (one paragraph a turn)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from qualkit.errors import InputError


def docx_text(path: str | Path) -> str:
    """The document's paragraphs (and table cells) as text with blank lines between turns."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    from qualkit.limits import open_zip

    if zipfile.is_zipfile(path):
        open_zip(Path(path), str(path)).close()  # sizes and ratios before python-docx unpacks
    try:
        doc = Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise InputError(
            f"{path}: ikke en læsbar .docx-fil (beskadiget, eller et andet format)."
        ) from None
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" ".join(c.text.strip() for c in row.cells if c.text.strip()))
    # Soft line breaks inside a paragraph belong to the same turn.
    return "\n\n".join(line.replace("\n", " ").strip() for line in lines if line.strip())
