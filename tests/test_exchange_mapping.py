"""exports/selections.py and exports/qdpx_mapping.py: the pure parts of the REFI-QDA
exchange (selections from coding rows on export; GUIDs, codes and user names on import)."""

from __future__ import annotations

from qualkit.exports.layout import selection_ref
from qualkit.exports.qdpx import GUID_RE, Problem, QdaCode, QdaProject, QdaSet, QdaUser
from qualkit.exports.qdpx_mapping import clean_guid, code_rows, username
from qualkit.exports.selections import CodingRow, selections

ANNA = QdaUser("11111111-1111-1111-1111-111111111111", "anna")
KONSENSUS = QdaUser("22222222-2222-2222-2222-222222222222", "Konsensus")
SEL = "33333333-3333-3333-3333-333333333333"


def row(layer, row_id, user, code, start, end, memo="", ref=None):
    return CodingRow(layer, row_id, user, code, start, end, memo, ref)


def test_pieces_of_one_imported_selection_join_with_their_slack_back():
    ref = selection_ref(SEL, 10, 40, [(0, 11, 20), (1, 25, 39)])  # one line break each end
    rows = [
        row("coder", 1, ANNA, "code-a", 11, 20, "første", ref),
        row("coder", 2, ANNA, "code-a", 25, 39, "første", ref),
        row("coder", 3, ANNA, "code-b", 11, 20, "anden", ref),
    ]
    (sel,) = selections(rows, 100)
    assert (sel.guid, sel.start, sel.end) == (SEL, 10, 40)
    assert [c.code_guid for c in sel.codings] == ["code-a", "code-b"]
    assert {c.user_guid for c in sel.codings} == {ANNA.guid} and sel.user_guid == ANNA.guid
    assert sel.memo == "første\n\nanden"


def test_rows_without_a_ref_are_selections_of_their_own_sorted_and_clipped():
    rows = [
        row("consensus", 7, KONSENSUS, "code-a", 50, 60),
        row("coder", 7, ANNA, "code-a", 5, 9),
        row("coder", 8, ANNA, "code-a", 95, 120, ref=f"{SEL}|0|30"),  # slack past the end
    ]
    out = selections(rows, 100)
    assert [(s.start, s.end) for s in out] == [(5, 9), (50, 60), (95, 100)]
    # the same row id in two layers still gives two distinct, stable GUIDs
    assert len({s.guid for s in out}) == 3
    assert selections(list(reversed(rows)), 100) == out


def test_the_same_file_selection_in_two_layers_gets_one_file_guid_and_one_derived():
    rows = [
        row("coder", 1, ANNA, "code-a", 0, 5, ref=SEL),
        row("consensus", 2, KONSENSUS, "code-a", 0, 5, ref=SEL),
    ]
    guids = [s.guid for s in selections(rows, 10)]
    assert SEL in guids and len(set(guids)) == 2
    assert all(GUID_RE.match(g) for g in guids)


def test_clean_guid_keeps_a_files_guid_and_derives_a_stable_one_otherwise():
    assert clean_guid("{" + SEL + "}", "code") == SEL
    derived = clean_guid("not-a-guid", "code")
    assert GUID_RE.match(derived) and derived == clean_guid("not-a-guid", "code")
    assert derived != clean_guid("not-a-guid", "source")


def test_usernames_from_coders_names():
    assert username("Anna B. Olsen") == "anna-b-olsen"
    assert username("Søren Ærø") == "soeren-aeroe"
    assert username("") == "kode"  # the slug's own fallback
    assert len(username("x" * 300)) == 80


def test_code_rows_read_qualkit_detail_back_and_derive_the_rest():
    parent = QdaCode(
        "44444444-4444-4444-4444-444444444444",
        "Kontekst",
        "Rammer.\n\nInclude: alt om rammer\n\n[qualkit id=context framework=context]",
    )
    child = QdaCode("bad guid", "Vente tid")
    twin = QdaCode("44444444-4444-4444-4444-444444444444", "Dublet")
    parent.children.append(child)
    loose = QdaCode("55555555-5555-5555-5555-555555555555", "Løs")
    other = QdaCode("66666666-6666-6666-6666-666666666666", "Løs")
    qda = QdaProject(
        "P",
        codes=[parent, twin, loose, other],
        sets=[QdaSet("s", "framework:reach", codes=[loose.guid])],
    )
    left: list[Problem] = []
    rows = {fields["key"]: (code, p, fields) for code, p, fields in code_rows(qda, left)}
    assert set(rows) == {"context", "context.vente_tid", "loes", "loes_2"}
    ctx = rows["context"][2]
    assert (ctx["framework"], ctx["description"], ctx["include"]) == (
        "context",
        "Rammer.",
        "alt om rammer",
    )
    assert rows["context.vente_tid"][2]["framework"] == "context"  # from its parent
    assert GUID_RE.match(rows["context.vente_tid"][2]["guid"])
    assert rows["loes"][2]["framework"] == "reach"  # from the set named after the tag
    assert rows["loes_2"][2]["framework"] == "theme"
    assert [(p.kind, p.where) for p in left] == [("code", "Dublet")]
    assert "er brugt før" in left[0].reason
