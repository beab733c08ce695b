"""The plain-Python Danish tokenizer gives spaCy's tokens, token by token (issue 12 item 3).

``qualkit.deid.tokenizer`` runs spaCy's algorithm on rules exported from spaCy, so that
``qualkit deid`` need not import spaCy. These tests hold it to spaCy itself: the exported
rules must equal what the installed spaCy holds (re-export after an upgrade), and the
tokens (text, offset, trailing space, is-space) must be equal on the seeds, the demo
transcripts, DDT and generated text full of punctuation, whitespace and special cases.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qualkit.deid import tokenizer as fast

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="module")
def nlp():
    import spacy

    return spacy.blank("da")


@pytest.fixture(scope="module")
def tok():
    t = fast.load()
    assert t is not None, "the exported rules do not match the installed spaCy"
    return t


def tokens_spacy(nlp, text: str) -> list[tuple[str, int, str, bool]]:
    return [(t.text, t.idx, t.whitespace_, t.is_space) for t in nlp.make_doc(text)]


def tokens_fast(tok, text: str) -> list[tuple[str, int, str, bool]]:
    return [(t.text, t.idx, t.whitespace_, t.is_space) for t in tok(text)]


def test_exported_rules_are_the_installed_spacys():
    spec = importlib.util.spec_from_file_location("export", REPO / "scripts/export_da_tokenizer.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    shipped = json.loads((REPO / "qualkit/deid/da_tokenizer.json").read_text("utf-8"))
    assert shipped == module.export(), "run scripts/export_da_tokenizer.py after a spaCy upgrade"


def _texts() -> list[str]:
    files = sorted((REPO / "qualkit/data/transcripts").glob("*.txt"))
    files += sorted(p for p in (SHARED / "seeds").glob("*") if p.is_file())
    return [p.read_text("utf-8") for p in files]


def test_same_tokens_as_spacy_on_seeds_and_demo_transcripts(nlp, tok):
    texts = _texts()
    assert len(texts) >= 5
    for text in texts:
        assert tokens_fast(tok, text) == tokens_spacy(nlp, text)


def test_same_tokens_as_spacy_on_ddt(nlp, tok):
    ddt = SHARED / "data" / "ddt-ner" / "da_ddt-ud-ner-dev.conll"
    sentences, words = [], []
    for line in ddt.read_text("utf-8").splitlines():
        if line.strip():
            words.append(line.split("\t")[0])
        elif words:
            sentences.append(" ".join(words))
            words = []
    assert len(sentences) > 300
    for s in sentences:
        assert tokens_fast(tok, s) == tokens_spacy(nlp, s)


PIECES = [
    *"abcæøåABCÆØÅ0123456789 .,;:!?()[]{}\"'-–—/\\&%$€+=*@#\n\t\xa0…’‘“”«»",
    "😀",
    "https://x.dk/a?b=1",
    "www.kk.dk",
    "kl.",
    "f.eks.",
    ":)",
    "(:",
    ":-)",
    "'erne",
    "10-12",
    "Hr.",
    "o.l.",
    "  ",
    "\n\n",
    "jan.",
    "Mette",
    "23 45 67 89",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=20), st.data())
def test_same_tokens_as_spacy_on_generated_text(nlp, tok, pieces, data):
    rules = sorted(tok._rules)
    pieces = pieces + data.draw(st.lists(st.sampled_from(rules), max_size=4))
    text = "".join(p + data.draw(st.sampled_from(["", " ", "  ", "\n"])) for p in pieces)
    assert tokens_fast(tok, text) == tokens_spacy(nlp, text)


def test_another_spacy_version_falls_back_to_spacy(monkeypatch):
    """Rules exported from another spaCy are not trusted: spaCy's own tokenizer is used,
    and what is found is the same."""
    from qualkit.deid.registry import Pipeline, load_config

    text = _texts()[0][:3000]
    quick = Pipeline(load_config()).detect(text)
    monkeypatch.setattr(fast, "installed_spacy", lambda: "0.0.0")
    fast.load.cache_clear()
    fast.stop_words.cache_clear()
    try:
        assert fast.load() is None and fast.stop_words() is None
        slow = Pipeline(load_config())
        assert not isinstance(slow.tokenize, fast.DanishTokenizer)
        assert slow.detect(text) == quick
        assert quick  # the sample has names to find
    finally:
        fast.load.cache_clear()
        fast.stop_words.cache_clear()


def test_deid_does_not_import_spacy():
    code = (
        "import sys\n"
        "from qualkit.deid import detect\n"
        "spans = detect('Jeg mødtes med Mette Hansen fra Jobcenter Aarhus på 20 30 40 50.')\n"
        "print(sorted({s.label for s in spans}))\n"
        "print('spacy' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.splitlines()
    assert "PERSON" in out[0] and "PHONE" in out[0]
    assert out[1] == "False"
