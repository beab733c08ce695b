"""Export spaCy's Danish tokenizer rules and stop words for ``qualkit.deid.tokenizer``.

Run after upgrading spaCy (``tests/test_da_tokenizer.py`` fails until the file matches):

    .venv/bin/python scripts/export_da_tokenizer.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import spacy
from spacy.lang.da.stop_words import STOP_WORDS
from spacy.symbols import ORTH

OUT = Path(__file__).resolve().parent.parent / "qualkit" / "deid" / "da_tokenizer.json"


def export() -> dict[str, object]:
    """The rules as the blank Danish pipeline holds them, in a JSON-ready shape."""
    tok = spacy.blank("da").tokenizer
    if tok.token_match is not None:
        raise SystemExit("the Danish tokenizer gained a token_match; extend qualkit.deid.tokenizer")

    def regex(method: object) -> dict[str, object] | None:
        if method is None:
            return None
        pattern = method.__self__  # type: ignore[attr-defined]
        return {"pattern": pattern.pattern, "flags": pattern.flags}

    return {
        "spacy": spacy.__version__,
        "faster_heuristics": bool(tok.faster_heuristics),
        "prefix": regex(tok.prefix_search),
        "suffix": regex(tok.suffix_search),
        "infix": regex(tok.infix_finditer),
        "url": regex(tok.url_match),
        "rules": {k: [d[ORTH] for d in v] for k, v in sorted(tok.rules.items())},
        "stop_words": sorted(STOP_WORDS),
    }


def main() -> None:
    OUT.write_text(json.dumps(export(), ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{OUT} ({OUT.stat().st_size:,} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
