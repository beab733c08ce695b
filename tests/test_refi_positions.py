"""REFI-QDA positions and source layout (pure): UTF-16 units vs code points, the unit a file
uses, and imported text kept character for character."""

from __future__ import annotations

import pytest

from qualkit.exports.layout import lay_out, parse_ref, place, selection_ref
from qualkit.exports.positions import (
    DEFAULT_EXPORT_UNIT,
    PositionMap,
    PositionUnit,
    at_boundary,
    decide_unit,
    producer_unit,
    utf16_slice,
)

U16, CP = PositionUnit.UTF16, PositionUnit.CODEPOINTS


def test_text_without_astral_characters_is_the_same_either_way():
    text = "Æblegrød på én måde – “citat” og ½ kop\nnæste linje"
    pm = PositionMap(text)
    assert pm.same_either_way and pm.utf16_length == len(text)
    for i in range(len(text) + 1):
        assert pm.to_utf16(i) == i == pm.from_utf16(i)
        assert pm.convert(i, U16) == pm.convert(i, CP) == pm.write(i, U16) == i


def test_emoji_counts_two_utf16_units():
    text = "A 😀 szép 👍🏽 nap"
    pm = PositionMap(text)
    assert pm.utf16_length == len(text.encode("utf-16-le")) // 2 == len(text) + 3
    for i in range(len(text) + 1):
        assert pm.from_utf16(pm.to_utf16(i)) == i
        assert utf16_slice(text, pm.to_utf16(i), pm.utf16_length) == text[i:]
    word = text.index("nap")
    assert pm.to_utf16(word) == word + 3
    assert pm.from_utf16(pm.to_utf16(text.index("😀")) + 1) == text.index("😀") + 1  # mid-pair


def test_producers():
    assert producer_unit("NVivo for Windows 12.6") == U16
    assert producer_unit("MAXQDA 24 (Release 24.7.0)") == U16
    assert producer_unit("ATLAS.ti for Windows 23.2.3.27778") == U16
    assert producer_unit("QualCoder (headless harness)") == CP
    assert producer_unit("qualkit; positions=codepoints") == CP
    assert producer_unit("qualkit; positions=utf16") == U16
    assert producer_unit("Eget værktøj") is None
    assert DEFAULT_EXPORT_UNIT == U16


def _selections(text: str, words: list[str], unit: PositionUnit) -> list[tuple[int, int]]:
    pm = PositionMap(text)
    out = []
    for w in words:
        i = text.index(w)
        out.append((pm.write(i, unit), pm.write(i + len(w), unit)))
    return out


TEXT = "😀😀 Politikusoknak kötelező 🙏 oltás\nminden tanárnak 😡 most\nvége"
WORDS = ["Politikusoknak kötelező", "oltás", "minden tanárnak", "most", "vége"]


@pytest.mark.parametrize("unit", [U16, CP])
def test_the_boundaries_decide_whatever_the_producer_says(unit):
    spans = _selections(TEXT, WORDS, unit)
    for origin in ("NVivo 14", "QualCoder 3.5", "ukendt"):
        d = decide_unit([(TEXT, spans)], origin)
        assert d.unit == unit and d.decided_by == "boundaries", (origin, d)
        assert d.differing == len(WORDS)
    assert decide_unit([(TEXT, spans)], "NVivo 14", override=CP).unit == CP
    assert "ordgrænser" in decide_unit([(TEXT, spans)], "x").describe()


def test_without_difference_the_producer_or_the_default_decides():
    plain = "Ingen emoji her. Kun tekst."
    spans = [(0, 5), (6, 11)]
    assert decide_unit([(plain, spans)], "QualCoder").unit == CP
    assert decide_unit([(plain, spans)], "QualCoder").decided_by == "same"
    assert decide_unit([(plain, spans)], "ukendt").unit == DEFAULT_EXPORT_UNIT


def test_at_boundary():
    t = "ab cd\nef"
    assert [at_boundary(t, i) for i in range(len(t) + 1)] == [
        True, False, True, True, False, True, True, False, True,
    ]  # fmt: skip


SOURCE = (
    "\ufeffTitel\r\n\r\n"
    "Abstract: Dette er en tekst.\r\n"
    "  RQ1: Hvad sker der?  \r\n"
    "\r\n"
    "[00:01:14] I: Vil du fortælle?\n"
    "B03: Ja.\n"
    "\n"
)


def test_text_is_kept_exactly_and_speakers_only_when_asked():
    plain = lay_out(SOURCE)
    assert plain.text() == SOURCE
    assert [p.text for p in plain.pieces] == [
        "\ufeffTitel",
        "Abstract: Dette er en tekst.",
        "  RQ1: Hvad sker der?  ",
        "[00:01:14] I: Vil du fortælle?",
        "B03: Ja.",
    ]
    assert all(p.speaker is None and p.prefix == "" for p in plain.pieces)
    turns = lay_out(SOURCE, speakers=True)
    assert turns.text() == SOURCE
    assert [(p.speaker, p.time, p.text) for p in turns.pieces][1:] == [
        ("Abstract", None, "Dette er en tekst."),
        ("RQ1", None, "Hvad sker der?  "),
        ("I", 74.0, "Vil du fortælle?"),
        ("B03", None, "Ja."),
    ]
    starts = turns.starts()
    for p, st in zip(turns.pieces, starts, strict=True):
        assert SOURCE[st : st + len(p.text)] == p.text


def test_a_selection_inside_a_label_keeps_that_line_whole():
    start = SOURCE.index("stract")  # a coding of "stract: Dette"
    end = SOURCE.index(" er en")
    lay = lay_out(SOURCE, speakers=True, endpoints=[start, end])
    assert lay.text() == SOURCE
    abstract = lay.pieces[1]
    assert abstract.speaker is None and abstract.text == "Abstract: Dette er en tekst."
    i = 1
    hits = place(lay.starts(), [len(p.text) for p in lay.pieces], start, end)
    assert hits == [(i, 2, 2 + len("stract: Dette"))]
    assert lay.pieces[2].speaker == "RQ1"  # other lines are still turns


def test_place_and_ref_across_lines():
    lay = lay_out(SOURCE)
    starts, lengths = lay.starts(), [len(p.text) for p in lay.pieces]
    start = SOURCE.index("Abstract")
    end = SOURCE.index("  RQ1") + len("  RQ1: Hvad sker der?  \r\n")
    hits = place(starts, lengths, start, end)
    assert hits == [(1, None, None), (2, None, None)]
    spans = [(i, starts[i], starts[i] + lengths[i]) for i, _, _ in hits]
    ref = selection_ref("g", start, end, spans)
    assert parse_ref(ref) == ("g", 0, 2)  # the line break at the end travels
    assert parse_ref("g") == ("g", 0, 0)
    assert place(starts, lengths, SOURCE.index("\r\n\r\n"), SOURCE.index("Abstract")) == []
