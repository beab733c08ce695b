"""spaCy's Danish tokenizer (``spacy.blank("da")``) in plain Python, run on spaCy's own rules.

Why: importing spaCy and building the blank pipeline takes about 0.9 s, most of a
one-sentence ``qualkit deid``, and the recognisers need only each token's text, offset and
trailing space. This module runs the algorithm of spaCy's ``tokenizer.pyx`` (split at
whitespace, peel prefixes and suffixes, special cases, URL match, infixes, then the
special-case matcher) on the rules and stop words that spaCy itself exported into
``da_tokenizer.json`` (``scripts/export_da_tokenizer.py``), stamped with spaCy's version.
Where the installed spaCy is another version, :func:`load` returns None and the pipeline
uses spaCy itself. ``tests/test_da_tokenizer.py`` compares the two token by token on DDT,
the seeds, the demo transcripts and generated text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata, resources
from typing import Any

RULES_FILE = "da_tokenizer.json"


@dataclass(frozen=True, slots=True)
class Token:
    """A token's text, character offset, trailing whitespace ("" or " ") and whether it is
    whitespace itself: the four things the recognisers read from a spaCy token."""

    text: str
    idx: int
    whitespace_: str
    is_space: bool


def _search(rule: dict[str, Any] | None) -> Callable[[str], re.Match[str] | None]:
    if rule is None:
        return lambda _s: None
    return re.compile(rule["pattern"], rule["flags"]).search


def _match(rule: dict[str, Any] | None) -> Callable[[str], re.Match[str] | None]:
    if rule is None:
        return lambda _s: None
    return re.compile(rule["pattern"], rule["flags"]).match


class DanishTokenizer:
    """Tokenises as spaCy's Danish tokenizer does, from the exported rules."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.spacy_version: str = data["spacy"]
        self._prefix = _search(data["prefix"])
        self._suffix = _search(data["suffix"])
        infix = data["infix"]
        self._finditer = (
            None if infix is None else re.compile(infix["pattern"], infix["flags"]).finditer
        )
        self._url = _match(data["url"])
        self._rules: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in data["rules"].items()}
        self._cache: dict[str, tuple[str, ...]] = {}
        # The special-case matcher: special cases that the affix rules would split, found
        # again as token sequences after tokenising (tokenizer.pyx, add_special_case).
        self._phrases: dict[str, list[tuple[str, ...]]] = {}
        for key in sorted(self._rules):
            if (
                not data["faster_heuristics"]
                or self._prefix_len(key)
                or self._infixes(key)
                or self._suffix_len(key)
                or " " in key
            ):
                seq = tuple(t for t, _ in self._tokenize_affixes(key, False))
                self._phrases.setdefault(seq[0], []).append(seq)

    # -- the affix rules ------------------------------------------------------------------
    def _prefix_len(self, s: str) -> int:
        m = self._prefix(s)
        return m.end() - m.start() if m is not None else 0

    def _infixes(self, s: str) -> list[re.Match[str]]:
        return [] if self._finditer is None else list(self._finditer(s))

    def _suffix_len(self, s: str) -> int:
        m = self._suffix(s)
        return m.end() - m.start() if m is not None else 0

    def _split_affixes(
        self, s: str, prefixes: list[str], suffixes: list[str], specials: bool
    ) -> str:
        rules = self._rules
        last = 0
        while s and len(s) != last:
            if specials and s in rules:
                break
            last = len(s)
            pre = self._prefix_len(s)
            if pre:
                prefix, minus_pre = s[:pre], s[pre:]
                if minus_pre and specials and minus_pre in rules:
                    prefixes.append(prefix)
                    return minus_pre
            suf = self._suffix_len(s[pre:])
            if suf:
                suffix, minus_suf = s[-suf:], s[:-suf]
                if minus_suf and specials and minus_suf in rules:
                    suffixes.append(suffix)
                    return minus_suf
            if pre and suf and pre + suf <= len(s):
                prefixes.append(prefix)
                suffixes.append(suffix)
                s = s[pre:-suf]
            elif pre:
                prefixes.append(prefix)
                s = minus_pre
            elif suf:
                suffixes.append(suffix)
                s = minus_suf
        return s

    def _attach(
        self, s: str, prefixes: list[str], suffixes: list[str], specials: bool
    ) -> list[str]:
        out = list(prefixes)
        if s:
            if specials and s in self._rules:
                out += self._rules[s]
            elif self._url(s):
                out.append(s)
            else:
                start = 0
                for m in self._infixes(s):
                    a, b = m.start(), m.end()
                    if a == 0:
                        continue
                    if a != start:
                        out.append(s[start:a])
                    if a != b:
                        out.append(s[a:b])
                    start = b
                if s[start:]:
                    out.append(s[start:])
        out += reversed(suffixes)
        return out

    def _span(self, span: str, specials: bool) -> tuple[str, ...]:
        """The tokens of one run of non-space (or of space) characters."""
        if specials:
            if span in self._rules:
                return self._rules[span]
            hit = self._cache.get(span)
            if hit is not None:
                return hit
        prefixes: list[str] = []
        suffixes: list[str] = []
        rest = self._split_affixes(span, prefixes, suffixes, specials)
        out = tuple(self._attach(rest, prefixes, suffixes, specials))
        if specials and len(self._cache) < 10_000:
            self._cache[span] = out
        return out

    def _tokenize_affixes(self, text: str, specials: bool) -> list[tuple[str, bool]]:
        """[text, trailing space] per token: spaCy's whitespace loop (one " " after a token
        is its trailing space; any other run of whitespace is tokenised itself)."""
        toks: list[list[Any]] = []
        if not text:
            return []
        start, in_ws = 0, text[0].isspace()
        for i, ch in enumerate(text):
            if ch.isspace() != in_ws:
                if start < i:
                    toks += ([t, False] for t in self._span(text[start:i], specials))
                if ch == " ":
                    toks[-1][1] = True
                    start = i + 1
                else:
                    start = i
                in_ws = not in_ws
        if start < len(text):
            toks += ([t, False] for t in self._span(text[start:], specials))
            toks[-1][1] = text[-1] == " " and not in_ws
        return [(t, sp) for t, sp in toks]

    # -- the special-case matcher ----------------------------------------------------------
    def _apply_special_cases(self, toks: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        texts = [t for t, _ in toks]
        matches: list[tuple[int, int]] = []
        for i, t in enumerate(texts):
            for seq in self._phrases.get(t, ()):
                if tuple(texts[i : i + len(seq)]) == seq:
                    matches.append((i, i + len(seq)))
        if not matches:
            return toks
        # Longest first, then leftmost; a span is kept when neither end is already taken.
        matches.sort(key=lambda m: (m[1] - m[0], -m[0]))
        seen: set[int] = set()
        kept: list[tuple[int, int]] = []
        for a, b in reversed(matches):
            if a not in seen and b - 1 not in seen:
                kept.append((a, b))
            seen.update(range(a, b))
        replace: dict[int, tuple[int, tuple[str, ...]]] = {}
        for a, b in kept:
            span_text = (
                "".join(t + (" " if sp else "") for t, sp in toks[a : b - 1]) + toks[b - 1][0]
            )
            rule = self._rules.get(span_text)
            if rule is not None:
                replace[a] = (b, rule)
        if not replace:
            return toks
        out: list[tuple[str, bool]] = []
        i = 0
        while i < len(toks):
            if i not in replace:
                out.append(toks[i])
                i += 1
                continue
            end, rule = replace[i]
            out += ((t, False) for t in rule[:-1])
            out.append((rule[-1], toks[end - 1][1]))
            i = end
        return out

    def __call__(self, text: str) -> list[Token]:
        toks = self._apply_special_cases(self._tokenize_affixes(text, True))
        out: list[Token] = []
        idx = 0
        for t, sp in toks:
            out.append(Token(t, idx, " " if sp else "", t.isspace()))
            idx += len(t) + sp
        return out


def _data() -> dict[str, Any]:
    raw = resources.files("qualkit.deid").joinpath(RULES_FILE).read_text("utf-8")
    data: dict[str, Any] = json.loads(raw)
    return data


def installed_spacy() -> str | None:
    try:
        return metadata.version("spacy")
    except metadata.PackageNotFoundError:
        return None


@lru_cache(maxsize=1)
def load() -> DanishTokenizer | None:
    """The plain-Python tokenizer, or None when the installed spaCy is not the version the
    rules were exported from (then spaCy's own tokenizer is the one to use)."""
    data = _data()
    if data["spacy"] != installed_spacy():
        return None
    return DanishTokenizer(data)


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str] | None:
    """spaCy's Danish stop words as exported, under the same version condition."""
    data = _data()
    if data["spacy"] != installed_spacy():
        return None
    return frozenset(data["stop_words"])
