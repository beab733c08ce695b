"""Exports, one name for callers: the use cases live in modules by use case.

- ``export_policy``: what may leave (de-identified only, no withdrawn, no revealing; the
  safety check on every string, pass 1 by passage, pass 2 over the written file);
- ``export_quotes``: quote sets (.docx) and the writer's working list;
- ``export_codings``: coding tables (.xlsx/.csv), by role (services/read_policy.py);
- REFI-QDA projects: ``services/exchange.py``.
"""

from __future__ import annotations

from .export_codings import export_codings
from .export_policy import (
    DEIDENTIFIED_STATUSES,
    ExportResult,
    audit_overrides,
    check_or_refuse,
    deliver_file,
    exportable_text,
    interview_label,
    issued_pseudonyms,
    not_withdrawn,
    project_codes,
    title_passage,
)
from .export_quotes import (
    QuoteFilter,
    check_quotes,
    export_quotes,
    list_quotes,
    list_revealing,
    quote_options,
)

__all__ = [
    "DEIDENTIFIED_STATUSES",
    "ExportResult",
    "QuoteFilter",
    "audit_overrides",
    "check_or_refuse",
    "check_quotes",
    "deliver_file",
    "export_codings",
    "export_quotes",
    "exportable_text",
    "interview_label",
    "issued_pseudonyms",
    "list_quotes",
    "list_revealing",
    "not_withdrawn",
    "project_codes",
    "quote_options",
    "title_passage",
]
