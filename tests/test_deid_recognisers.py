"""De-identification recognisers on Danish interview-style text (real spaCy tokeniser, real lists)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from qualkit.deid import LABELS, Pseudonymiser, RosterEntry, detect, redact

ROSTER = [
    RosterEntry("Mette Kjærsgaard", "jobkonsulent"),
    RosterEntry("Bo Vestergaard", "citizen"),
    RosterEntry("Per Laursen", "fysioterapeut"),
    RosterEntry("Kirsten Bak", "sygeplejerske", "Sygeplejerske 1"),
    RosterEntry("Birgitte Holm", "sygeplejerske"),
]


def _found(text, roster=None):
    return {s.text: s for s in detect(text, roster)}


def _redacted(text, roster=None):
    spans = Pseudonymiser(roster).assign(detect(text, roster))
    return redact(text, spans), spans


def test_spans_are_well_formed():
    text = (
        "I: Hvordan gik mødet med Mette?\nB: Jo, altså, Mette ringede til mig på 22 33 44 55, "
        "og så kom Lars Ole Jensen fra Jobcenter Aarhus også."
    )
    spans = detect(text, ROSTER)
    assert spans
    assert spans == sorted(spans, key=lambda s: (s.start, s.end))
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start
    for s in spans:
        assert text[s.start : s.end] == s.text
        assert s.label in LABELS and s.source


def test_roster_lower_case_genitive_and_first_name_only():
    text = (
        "B: Så snakkede jeg med mette om det, og Mettes forslag var, at Kjærsgaard "
        "skulle ringe. Mette Kjærsgaard er rigtig god."
    )
    out, spans = _redacted(text, ROSTER)
    assert "ette" not in out and "Kjærsgaard" not in out
    assert "[Jobkonsulent 1]s forslag" in out
    assert {s.source for s in spans} == {"roster"}
    assert len({s.replacement.removesuffix("s") for s in spans}) == 1


def test_names_that_are_also_words():
    text = (
        "B: Per uge træner jeg to gange. Jeg vil gerne bo tæt på mine børn. "
        "Max tre timer om dagen, sagde lægen.\nI: Og Bo, hvad sagde han?"
    )
    found = _found(text, ROSTER)
    assert "Bo" in found and found["Bo"].label == "PERSON"
    assert not any(
        s.text.lower() in ("per", "bo", "max", "jeg") and s.start < text.index("I:")
        for s in found.values()
    ), found


def test_roster_names_that_are_also_words():
    roster = [
        RosterEntry("Anders Skov", "citizen"),
        RosterEntry("Per Bo Lund", "jobkonsulent"),
        RosterEntry("Kim Have", "fysioterapeut"),
    ]
    text = (
        "B: Vi gik en tur i skoven og i skov, og Per uge var det fint. Per sagde, at Skov "
        "havde ret. Jeg vil bo i en lund med en have. Kim og Anders kom."
    )
    out, spans = _redacted(text, roster)
    flagged = {s.text for s in spans}
    assert {"Per", "Skov", "Kim", "Anders"} <= flagged
    assert "Per uge" in out and "i skov," in out and "bo i en lund med en have" in out
    assert "skoven" in out and "Jeg vil" in out


def test_sentence_initial_jeg_and_formal_de_left_alone():
    text = "Jeg ved det ikke. Hvad var det, De spurgte om? Jeg sagde det til Dem i går."
    assert detect(text) == []


def test_misspelt_and_nickname_roster_names():
    text = "Jeg talte med Birgite om det. Og Kirsten og Birgittes kollega var der også. Hej Birg."
    out, spans = _redacted(text, ROSTER)
    assert "Birgite" not in out and "Kirsten" not in out and "Birgittes" not in out
    kirsten = next(s for s in spans if s.text == "Kirsten")
    assert kirsten.replacement == "[Sygeplejerske 1]"
    birgitte = {s.replacement.removesuffix("s") for s in spans if s.text.startswith("Birg")}
    assert birgitte == {"[Sygeplejerske 2]"}  # a given pseudonym is never handed out twice


def test_names_without_roster():
    text = (
        "B: Min datter Sofie og hendes kæreste Mohammed Al-Hassan kom forbi. "
        "Så ringede pernille fra arbejdet. Vi var i Hvidovre og hos Tandlægerne i Skødstrup."
    )
    out, spans = _redacted(text)
    for name in ("Sofie", "Mohammed", "Hassan", "pernille", "Hvidovre", "Skødstrup"):
        assert name not in out, (name, out)
    assert next(s for s in spans if s.text == "Hvidovre").label == "PLACE"
    assert "datter" in out and "kæreste" in out


def test_identifiers():
    text = (
        "B: Mit cpr-nummer er 010203-1234, eller 0102031234 uden bindestreg. Ring på "
        "+45 22 33 44 55, 2233 4455 eller 22334455. Mail: bo.v@gmail.com, se "
        "https://www.aarhus.dk/jobcenter. Jeg bor på Nørregade 14, 2. th., 8000 Aarhus C, "
        "og er født den 3. maj 1972."
    )
    found = _found(text)
    labels = {t: s.label for t, s in found.items()}
    assert labels["010203-1234"] == "CPR" and labels["0102031234"] == "CPR"
    assert labels["+45 22 33 44 55"] == "PHONE" and labels["2233 4455"] == "PHONE"
    assert labels["22334455"] == "PHONE"
    assert labels["bo.v@gmail.com"] == "EMAIL"
    assert labels["https://www.aarhus.dk/jobcenter"] == "URL"
    assert any(v == "ADDRESS" and t.startswith("Nørregade 14, 2. th.") for t, v in labels.items())
    assert labels["3. maj 1972"] == "DATE"


def test_numbers_that_are_not_identifiers():
    text = "Det var i 1998-2003, og vi var 12345678 skridt fra 999999-1234. Klokken 14.30 i 2019."
    assert detect(text) == []


def test_same_surface_same_replacement_and_genitive():
    text = "Lone sagde det. Så kom Jens. Lones mand, Jens, sagde det samme som Lone."
    out, spans = _redacted(text)
    reps = {}
    for s in spans:
        reps.setdefault("Lone" if s.text.startswith("Lone") else s.text, set()).add(
            s.replacement.removesuffix("s")
        )
    assert all(len(v) == 1 for v in reps.values()), reps
    assert reps["Lone"] != reps["Jens"]
    lone = next(iter(reps["Lone"]))
    assert f"{lone}s mand" in out and f"{lone} sagde" in out
    assert "Jens" not in out and next(iter(reps["Jens"])) + "," in out


DDT = Path(
    os.environ.get("QUALKIT_DDT_DATA")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "ddt-ner"
)


@pytest.mark.skipif(
    not (DDT / "da_ddt-ud-ner-dev.conll").exists(),
    reason="DDT NER data not found at ../shared/data/ddt-ner",
)
def test_ddt_dev_targets():
    """The measured targets (recall and precision; speed is for bench/deid_ddt.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "deid_ddt", Path(__file__).resolve().parents[1] / "bench" / "deid_ddt.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    from qualkit.deid.registry import Pipeline, load_config

    config = load_config()
    config["recognisers"] = [r for r in config["recognisers"] if r["type"] != "ner"]
    r = bench.evaluate(Pipeline(config), bench.read_conll(DDT / "da_ddt-ud-ner-dev.conll"))
    assert r["recall"]["PER"] >= 0.97
    assert r["recall"]["LOC"] >= 0.95
    assert r["precision"] >= 0.85


def test_pseudonymised_text_is_left_alone():
    text = "B: Så ringede [Jobkonsulent 1] til [Navn 4]s chef i [By 2]. [griner] Og [CPR] og [Adresse]."
    assert detect(text) == []
    out, _ = _redacted("Mette ringede til Lars. " + text)
    assert out.endswith(text) and out.startswith("[Navn 1] ringede til [Navn 2].")


def test_hyphenated_and_double_roster_names():
    roster = [RosterEntry("Anne-Marie Holm", "citizen"), RosterEntry("Ahmad Al-Khalil", "citizen")]
    text = (
        "B: anne-marie ringede, og Anne-Maries mand kom. Ahmad og Al-Khalil sagde nej, "
        "og Marie var glad."
    )
    out, spans = _redacted(text, roster)
    for name in ("anne", "Anne", "Marie", "Ahmad", "Khalil"):
        assert name not in out, out
    assert {s.source for s in spans} == {"roster"}
    assert "[Borger 1]s mand" in out and "[Borger 2] og [Borger 2] sagde" in out


def test_nickname_from_the_end_of_a_roster_name():
    roster = [RosterEntry("Jeanette Bundgaard", "citizen", "Borger 12")]
    out, spans = _redacted("Min mand kalder mig altid Nette, det har han gjort i mange år.", roster)
    nette = next(s for s in spans if s.text == "Nette")
    assert nette.source == "roster" and nette.replacement == "[Borger 12]"
    assert "Nette" not in out
