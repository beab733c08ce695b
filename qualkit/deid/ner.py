"""A trained Danish spaCy pipeline (da_core_news_*, DaCy) as a recogniser, when installed.

Never required: without one the other recognisers reach the targets on their own.
"""

from __future__ import annotations

import importlib.util
import logging
from functools import lru_cache
from typing import TYPE_CHECKING

from .lexicon import Lexicon
from .spans import Span

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from .tokenizer import Token

log = logging.getLogger(__name__)

LABELS = {
    "PER": "PERSON",
    "PERSON": "PERSON",
    "LOC": "PLACE",
    "GPE": "PLACE",
    "ORG": "ORGANISATION",
}


@lru_cache(maxsize=4)
def _load(models: tuple[str, ...]) -> Any:
    from ._spacy import spacy

    for name in models:
        if importlib.util.find_spec(name) is not None:
            try:
                return spacy().load(
                    name, disable=["parser", "lemmatizer", "tagger", "morphologizer"]
                )
            except Exception as exc:  # spaCy raises many types for a broken pipeline package
                # Optional recogniser: the others reach the targets alone; say so, loudly.
                log.warning(
                    "trained spaCy pipeline %s is installed but does not load (%s: %s); "
                    "de-identification runs without it",
                    name,
                    type(exc).__name__,
                    exc,
                )
                continue
    return None


class NerRecogniser:
    source = "ner"

    def __init__(self, models: list[str] | None = None) -> None:
        self.models = tuple(models or ())

    @property
    def available(self) -> bool:
        return _load(self.models) is not None

    def find(self, text: str, doc: Sequence[Token], lexicon: Lexicon) -> list[Span]:
        nlp = _load(self.models)
        if nlp is None:
            return []
        return [
            Span(e.start_char, e.end_char, LABELS[e.label_], e.text, self.source)
            for e in nlp(text).ents
            if e.label_ in LABELS
        ]
