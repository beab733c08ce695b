"""De-identification of Danish transcripts: recognisers, pseudonyms and the key vault.

``detect`` proposes identifying spans (names, places, organisations, addresses, CPR and
phone numbers, e-mail, URLs, dates of birth); ``pseudonymise`` gives each a consistent
replacement; ``redact`` writes the replacements into the text.
"""

from __future__ import annotations

from .pseudonyms import Pseudonymiser, redact
from .spans import LABELS, RosterEntry, Span


def detect(text: str, roster: list[RosterEntry] | None = None) -> list[Span]:
    """Proposed identifying spans in ``text``, sorted by position, without overlaps."""
    from .registry import default_pipeline

    return default_pipeline().detect(text, roster)


__all__ = ["LABELS", "Pseudonymiser", "RosterEntry", "Span", "detect", "redact"]
