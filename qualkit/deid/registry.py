"""The recogniser registry and the pipeline that runs the configured recognisers.

Modelled on a recogniser registry: each recogniser is a small class with
``find(text, doc, lexicon)`` returning spans; ``recognisers.yaml`` says which run and
with what settings; the pipeline tokenises once with ``spacy.blank("da")`` and resolves
overlaps between the recognisers' proposals.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from . import lexicon as lexicon_mod
from .ner import NerRecogniser
from .patterns import PatternRecogniser
from .propernouns import ProperNounRecogniser
from .roster import RosterRecogniser
from .spans import RosterEntry, Span, resolve

PSEUDONYM_RE = re.compile(r"\[[A-ZÆØÅ][\wæøåÆØÅ-]*(?: \d+)?\]")

REGISTRY: dict[str, type] = {
    "pattern": PatternRecogniser,
    "roster": RosterRecogniser,
    "proper_nouns": ProperNounRecogniser,
    "ner": NerRecogniser,
}


class Token:
    """A token's text and position: read once from the spaCy Doc, then cheap to index."""

    __slots__ = ("text", "idx", "whitespace_", "is_space")

    def __init__(self, text: str, idx: int, whitespace: str, is_space: bool) -> None:
        self.text, self.idx, self.whitespace_, self.is_space = text, idx, whitespace, is_space


class Pipeline:
    def __init__(self, config: dict[str, Any]) -> None:
        from ._spacy import spacy

        self.nlp = spacy().blank("da")
        self.lexicon = lexicon_mod.load()
        self.recognisers: list[Any] = []
        for item in config.get("recognisers", []):
            item = dict(item)
            if not item.pop("enabled", True):
                continue
            kind = item.pop("type")
            if kind not in REGISTRY:
                raise ValueError(f"recognisers.yaml: ukendt genkendertype '{kind}'")
            self.recognisers.append(REGISTRY[kind](**item))

    def detect(self, text: str, roster: list[RosterEntry] | None = None) -> list[Span]:
        if not text:
            return []
        doc = [Token(t.text, t.idx, t.whitespace_, t.is_space) for t in self.nlp.make_doc(text)]
        spans: list[Span] = []
        for r in self.recognisers:
            if isinstance(r, RosterRecogniser):
                spans += r.find(text, doc, self.lexicon, roster or [])
            else:
                spans += r.find(text, doc, self.lexicon)
        if "[" in text:  # already pseudonymised text: "[Borger 3]" is no name
            done = [m.span() for m in PSEUDONYM_RE.finditer(text)]
            spans = [sp for sp in spans if not any(b <= sp.start and sp.end <= e for b, e in done)]
        return resolve(spans, text)


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    if path is None:
        raw = resources.files("qualkit.deid").joinpath("recognisers.yaml").read_text("utf-8")
    else:
        raw = Path(path).read_text("utf-8")
    return yaml.safe_load(raw) or {}


@lru_cache(maxsize=1)
def default_pipeline() -> Pipeline:
    return Pipeline(load_config())
