"""Proper-noun recognisers on the token stream: capitalisation and gazetteers.

Danish writes nouns, days, months and nationalities in lower case, so a capitalised
word inside a sentence is almost always a proper noun. At a sentence start the word
lists decide: a word that is not an ordinary Danish word, or a known name or place
that is not also an ordinary word ("Per uge", "Bo"), is a candidate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._spacy import STOP_WORDS
from .lexicon import (
    COMMON_ACRONYMS,
    INITIAL_WORDS,
    INSTITUTION_SUFFIXES,
    INSTITUTIONS,
    NAME_WORDS,
    NOT_NAMES,
    ORG_WORDS,
    PLACE_NAME_ENDINGS,
    UNIT_WORDS,
    Lexicon,
)
from .spans import Span

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .tokenizer import Token
# Head nouns of institutions: a capitalised compound ending in one ("Børnehuset",
# "Rigshospitalet", "Bakkegårdsskolen"), or a name right after one in lower case ("børnehaven
# Solsikken"), is an organisation, not a person.
ORG_HEADS = (
    "hospital", "hospitalet", "sygehus", "sygehuset", "skole", "skolen", "børnehave",
    "børnehaven", "børnehus", "børnehuset", "vuggestue", "vuggestuen", "klinik", "klinikken",
    "center", "centret", "centeret", "plejehjem", "plejehjemmet", "gymnasium", "gymnasiet",
    "universitet", "universitetet", "bibliotek", "biblioteket", "fabrik", "fabrikken",
    "forening", "foreningen", "institution", "institutionen", "lægehus", "lægehuset",
    "sundhedshus", "sundhedshuset", "kulturhus", "kulturhuset", "fritidshjem", "fritidshjemmet",
    "dagtilbud", "jobcenter", "jobcentret", "kommune", "kommunen",
)  # fmt: skip

# Abbreviations and initials that end in a full stop without ending the sentence.
ABBREVIATIONS = frozenset(
    "dr. hr. fr. fru. frk. ca. nr. kr. bl.a. f.eks. evt. jf. pga. mht. vedr. "
    "st. sct. skt. prof. mr. mrs. ms. dvs. inkl. ekskl. tlf. mag. cand. "
    "dr.phil. dr.med. lic. sdr. ndr. gl. kgs. ll.".split()
)
SENTENCE_END = frozenset(".!?:;\"“”„«»()[]-–—…'‘’*•")
PARTICLES = frozenset(
    {
        "von",
        "van",
        "der",
        "den",
        "de",
        "la",
        "le",
        "al",
        "el",
        "bin",
        "ibn",
        "di",
        "da",
        "du",
        "del",
        "dos",
        "ten",
        "ter",
        "af",
        "zu",
        "y",
        "of",
        "and",
    }
)


def base_form(lower: str) -> str:
    """Strip a Danish genitive: "mettes" -> "mette", "jens'" -> "jens"."""
    for suf in ("'s", "’s", "'", "’"):
        if lower.endswith(suf):
            return lower[: -len(suf)]
    return lower[:-1] if lower.endswith("s") and len(lower) > 3 else lower


def sentence_initial(doc: Sequence[Token], i: int) -> bool:
    j = i - 1
    while j >= 0:
        t = doc[j]
        if t.is_space:
            if "\n" in t.text:
                return True
            j -= 1
            continue
        if "\n" in doc[j].whitespace_ or "\n" in t.text:
            return True
        w = t.text
        if w[-1] == "." and (w.lower() in ABBREVIATIONS or (len(w) == 2 and w[0].isupper())):
            return False  # "dr. Hansen", "Henrik S. Nissen"
        return w in SENTENCE_END or w[-1] in ".!?:"
    return True


class ProperNounRecogniser:
    """Capitalised tokens -> PERSON / PLACE / ORGANISATION spans.

    Each span's source is "gazetteer" when a word list decided it, else "capitalisation".
    ``lowercase_names``: flag Danish first names written in lower case ("pernille").
    ``skip_capitalised_words``: a capitalised word the same text also writes in lower case
    is a common noun ("Kommunen" beside "kommunen").
    """

    def __init__(self, lowercase_names: bool = True, skip_capitalised_words: bool = True) -> None:
        self.lowercase_names = lowercase_names
        self.skip_capitalised_words = skip_capitalised_words

    def _candidate(
        self,
        doc: Sequence[Token],
        i: int,
        lex: Lexicon,
        lower_seen: frozenset[str] = frozenset(),
    ) -> str | None:
        """ "gazetteer" / "capitalisation" if token i looks like part of a name, else None."""
        w = doc[i].text
        if w[:1].islower() and self.lowercase_names:
            # Transcription writes names in lower case ("pernille"): Danish first names
            # that are no ordinary word.
            lw = w.lower()
            if (
                len(lw) > 3
                and lw in lex.danish_first
                and lw not in STOP_WORDS
                and lw not in NAME_WORDS
                and lw not in lex.common
            ):
                return "gazetteer"
            return None
        if not w[:1].isupper() or not w[:1].isalpha() or any(c.isdigit() for c in w):
            return None
        if w in NOT_NAMES or w.rstrip(".") in NOT_NAMES:
            return None
        lw = w.lower()
        base = base_form(lw)
        if lw in INSTITUTIONS or lw.endswith(INSTITUTION_SUFFIXES):
            return None
        known = lex.is_name(lw) or lex.is_name(base) or lex.is_place(lw) or lex.is_place(base)
        if lw in NAME_WORDS:
            nxt = self._next_word(doc, i)
            if nxt is not None and nxt.text.lower() in UNIT_WORDS:
                return None  # "Per uge", "Max to timer"
        if len(w) > 1 and w.isupper():
            if w in COMMON_ACRONYMS:
                return None
            if known and lw not in lex.common:
                return "gazetteer"
            if len(w) <= 4:
                return None if lw in lex.common else "capitalisation"
            return None if lex.is_word(lw) or lex.frequency(lw) > 0 else "capitalisation"
        if "-" in w:
            parts = w.split("-")
            if parts[-1] and parts[-1][:1].islower():
                return None  # compound noun: "TV-instruktør", "OL-billetten"
        if lw in STOP_WORDS:
            return None  # "Den", "Det", "Men" after a quote or dash
        if not sentence_initial(doc, i):
            if known:
                return "gazetteer"
            if self.skip_capitalised_words and lw in lower_seen:
                # A Danish common noun the same text also writes in lower case ("Kommunen"
                # beside "kommunen") is no name, unless it is part of a longer name
                # ("Danske Bank", "Kongens Have").
                nxt = self._next_word(doc, i)
                prv = doc[i - 1] if i > 0 else None
                if not (
                    (nxt is not None and nxt.text[:1].isupper())
                    or (prv is not None and prv.text[:1].isupper() and not prv.is_space)
                ):
                    return None
            return "capitalisation"
        # Sentence start.
        common = lw in lex.common or lw in lex.forms or base in lex.common and lex.frequency(lw) > 0
        if lex.is_name(lw) and lw not in INITIAL_WORDS and not common:
            return "gazetteer"
        nxt = self._next_word(doc, i)
        if lex.is_name(lw) and lw not in INITIAL_WORDS and nxt is not None and nxt.text == ",":
            return "gazetteer"  # a name called out: "Lotte, jeg elsker dig"
        if lw in NAME_WORDS and lw not in INITIAL_WORDS:
            return "gazetteer"
        if lw in NAME_WORDS or common:
            nxt = self._next_word(doc, i)
            if (
                nxt is not None
                and nxt.text[:1].isupper()
                and not nxt.text.isupper()
                and lex.is_name(lw)
            ):
                nl = nxt.text.lower()
                if lex.is_name(nl) or lex.is_name(base_form(nl)) or nl not in lex.common:
                    return "gazetteer"
            return None
        if known:
            return "gazetteer"
        if not lex.is_word(lw) and not lex.is_word(base):
            return "capitalisation"
        if lw.endswith(PLACE_NAME_ENDINGS) and lex.frequency(lw) == 0:
            return "capitalisation"
        return None

    @staticmethod
    def _next_word(doc: Sequence[Token], i: int) -> Token | None:
        j = i + 1
        while j < len(doc) and doc[j].is_space:
            j += 1
        return doc[j] if j < len(doc) else None

    def find(self, text: str, doc: Sequence[Token], lexicon: Lexicon) -> list[Span]:
        n = len(doc)
        lower_seen = frozenset(t.text for t in doc if t.text[:1].islower())
        marks: list[str | None] = [self._candidate(doc, i, lexicon, lower_seen) for i in range(n)]
        # A word seen as a proper noun inside a sentence is one at a sentence start too
        # ("Nissen siger ..." after "... sagde Nissen"): names recur in a text.
        seen = {
            doc[i].text
            for i in range(n)
            if marks[i]
            and doc[i].text[:1].isupper()
            and not doc[i].text.isupper()
            and not sentence_initial(doc, i)
        }
        for i in range(n):
            w = doc[i].text
            if (
                marks[i] is None
                and w in seen
                or (w.endswith("s") and w[:-1] in seen and marks[i] is None)
            ):
                lw = w.lower()
                if lw not in STOP_WORDS and lw not in INITIAL_WORDS and w not in NOT_NAMES:
                    marks[i] = "capitalisation"
        # A particle between two candidates joins them ("Ludwig van Beethoven").
        for i in range(1, n - 1):
            if (
                marks[i] is None
                and doc[i].text.lower() in PARTICLES
                and marks[i - 1]
                and marks[i + 1]
            ):
                if not doc[i - 1].whitespace_ == "" and "\n" not in doc[i - 1].whitespace_:
                    marks[i] = marks[i - 1]
        # Arabic prefixes inside a token ("al-Assad").
        for i in range(n):
            w = doc[i].text
            if marks[i] is None and "-" in w:
                head, _, tail = w.partition("-")
                if head.lower() in PARTICLES and tail[:1].isupper():
                    marks[i] = "capitalisation"
        spans: list[Span] = []
        i = 0
        while i < n:
            if not marks[i]:
                i += 1
                continue
            j = i
            while j + 1 < n and marks[j + 1] and doc[j].whitespace_ == " ":
                j += 1
            toks = doc[i : j + 1]
            start, end = toks[0].idx, toks[-1].idx + len(toks[-1].text)
            source = (
                "gazetteer" if any(m == "gazetteer" for m in marks[i : j + 1]) else "capitalisation"
            )
            before = doc[i - 1].text.lower() if i > 0 else ""
            spans.append(
                Span(start, end, self._label(toks, lexicon, before), text[start:end], source)
            )
            i = j + 1
        return spans

    @staticmethod
    def _label(toks: Sequence[Token], lex: Lexicon, before: str = "") -> str:
        lows = [t.text.lower() for t in toks]
        bases = [base_form(w) for w in lows]
        if any(w in ORG_WORDS or b in ORG_WORDS for w, b in zip(lows, bases, strict=True)) or (
            len(toks) == 1 and toks[0].text.isupper()
        ):
            return "ORGANISATION"
        if any(w.endswith(ORG_HEADS) for w in lows):
            return "ORGANISATION"
        if before in ORG_HEADS or before in ORG_WORDS:
            return "ORGANISATION"
        phrase = " ".join(lows)
        if (
            phrase in lex.dk_places or base_form(phrase) in lex.dk_places
        ) and phrase not in lex.danish_first:
            return "PLACE"
        if len(lows) > 1 and (lex.is_place(phrase) or lex.is_place(base_form(phrase))):
            return "PLACE"
        if any(lex.is_name(b) or lex.is_name(w) for w, b in zip(lows, bases, strict=True)):
            return "PERSON"
        if any(lex.is_place(b) or lex.is_street(b) for b in bases):
            return "PLACE"
        return "PERSON"
