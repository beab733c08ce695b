"""spaCy for the recognisers, imported without torch where no pipeline needs torch.

(The tokenizer and stop words usually come from ``tokenizer.py`` without importing spaCy
at all; this module is the path for a trained pipeline or another spaCy version.)

The recognisers need spaCy's Danish tokenizer (``spacy.blank("da")``) and its stop words,
both plain Python/Cython. But importing spaCy imports thinc, and thinc imports torch when
it is installed (qualkit installs it for speech): a second of start-up for a one-sentence
``qualkit deid``, for nothing. Only a transformer pipeline (spacy-transformers,
spacy-curated-transformers, e.g. da_core_news_trf) uses torch through thinc; with none
installed, and in a process that runs one thread (the command line, a test run), torch is
hidden from thinc while spaCy is imported. Torch imports normally afterwards. A process
with other threads (the Streamlit server) imports spaCy as it is, so no other thread can
find torch missing.
"""

from __future__ import annotations

import importlib.util
import sys
import threading
from types import ModuleType

# The spaCy packages that run a pipeline on torch through thinc.
TORCH_PIPELINES = ("spacy_transformers", "spacy_curated_transformers")


def _torch_needed() -> bool:
    return any(importlib.util.find_spec(name) is not None for name in TORCH_PIPELINES)


def spacy() -> ModuleType:
    """The spaCy module; torch stays unimported where nothing in spaCy can use it."""
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    hide = "torch" not in sys.modules and threading.active_count() == 1 and not _torch_needed()
    if not hide:
        import spacy as module

        return module
    sys.modules["torch"] = None  # type: ignore[assignment]  # thinc: "import torch" fails
    try:
        import spacy as module
    finally:
        if "torch" in sys.modules and sys.modules["torch"] is None:
            del sys.modules["torch"]
    return module


def stop_words() -> frozenset[str]:
    """spaCy's Danish stop words: as exported with the tokenizer rules (no spaCy import)
    when they match the installed spaCy, else from spaCy itself."""
    from .tokenizer import stop_words as exported

    words = exported()
    if words is not None:
        return words
    spacy()
    from spacy.lang.da.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


STOP_WORDS = stop_words()
