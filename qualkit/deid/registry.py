"""The recogniser registry and the pipeline that runs the configured recognisers.

Modelled on a recogniser registry: each recogniser is a small class with
``find(text, doc, lexicon)`` returning spans; ``recognisers.yaml`` says which run and
with what settings; the pipeline tokenises once with spaCy's Danish tokenizer (``tokenizer.py``) and resolves
overlaps between the recognisers' proposals.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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
from .tokenizer import Token
from .tokenizer import load as load_tokenizer

PSEUDONYM_RE = re.compile(r"\[[A-ZÆØÅ][\wæøåÆØÅ-]*(?: \d+)?\]")

REGISTRY: dict[str, type] = {
    "pattern": PatternRecogniser,
    "roster": RosterRecogniser,
    "proper_nouns": ProperNounRecogniser,
    "ner": NerRecogniser,
}


def spacy_tokenizer() -> Callable[[str], list[Token]]:
    """spaCy's own Danish tokenizer, read into :class:`Token` (the path when the exported
    rules do not match the installed spaCy)."""
    from ._spacy import spacy

    nlp = spacy().blank("da")

    def tokenize(text: str) -> list[Token]:
        return [Token(t.text, t.idx, t.whitespace_, t.is_space) for t in nlp.make_doc(text)]

    return tokenize


def danish_tokenizer() -> Callable[[str], list[Token]]:
    """The tokenizer the recognisers share: spaCy's rules run in plain Python, or spaCy."""
    fast = load_tokenizer()
    return fast if fast is not None else spacy_tokenizer()


class Pipeline:
    def __init__(self, config: dict[str, Any]) -> None:
        self.tokenize = danish_tokenizer()
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
        doc = self.tokenize(text)
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
