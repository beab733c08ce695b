"""codebooks/tree.py: the editor's rules for a code, tree order, definition and download."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from qualkit.codebooks import load_codebook_text
from qualkit.codebooks.qdc import from_qdc_bytes
from qualkit.codebooks.tree import (
    check_fields,
    check_key,
    codebook_file,
    depth_first,
    file_stem,
    to_definition,
)
from qualkit.errors import InputError


@dataclass(frozen=True)
class Row:
    id: int
    key: str
    name: str
    parent_id: int | None = None
    framework: str | None = "theme"
    description: str = ""
    include: str = ""
    exclude: str = ""
    example: str = ""
    color: str | None = None
    guid: str | None = None
    retired: bool = False


def test_code_keys_and_fields_are_checked_in_danish():
    assert check_key("  kontekst.ventetid ") == "kontekst.ventetid"
    assert check_key("mødested_2") == "mødested_2"
    for bad in ("", "  ", "med mellemrum", "a/b"):
        with pytest.raises(InputError, match="brug bogstaver, tal"):
            check_key(bad)
    check_fields({"name": "Ventetid", "framework": "context", "example": ""})
    with pytest.raises(InputError, match=r"Ukendt\(e\) kodefelt\(er\): colour, key"):
        check_fields({"key": "x", "colour": "red"})
    with pytest.raises(InputError, match="skal have et navn"):
        check_fields({"name": "  "})
    with pytest.raises(InputError, match="'feelings' er ikke en af reach"):
        check_fields({"framework": "feelings"})


def test_depth_first_puts_each_parent_before_its_children_in_sibling_order():
    rows = [Row(3, "b.x", "BX", parent_id=2), Row(1, "a", "A"), Row(2, "b", "B"), Row(4, "c", "C")]
    rows.append(Row(5, "b.x.y", "BXY", parent_id=3))
    order = [
        (r.key, depth) for r, depth in depth_first(rows, lambda r: r.id, lambda r: r.parent_id)
    ]
    assert order == [("a", 0), ("b", 0), ("b.x", 1), ("b.x.y", 2), ("c", 0)]


def test_depth_first_visits_each_item_once_and_skips_a_cycle():
    # A stored cycle (never written by the editor, which refuses it) must not loop for ever.
    rows = [Row(1, "a", "A"), Row(2, "b", "B", parent_id=3), Row(3, "c", "C", parent_id=2)]
    order = depth_first(rows, lambda r: r.id, lambda r: r.parent_id)
    assert [r.key for r, _ in order] == ["a"]


def test_definition_leaves_retired_codes_out_and_keeps_the_codes_under_them():
    rows = [
        Row(
            1,
            "context",
            "Kontekst",
            framework="context",
            guid="6F1C5A52-2F0E-4C43-9D8E-7A4B8F3C2E10",
        ),
        Row(2, "context.old", "Gammel", parent_id=1, framework="context", retired=True),
        Row(3, "context.old.kept", "Beholdt", parent_id=2, framework="context", include="Når ..."),
        Row(4, "context.new", "Ny", parent_id=1, framework="context", color="#ff0000"),
    ]
    book = to_definition("Min bog", rows, language="da", version=7, source="RE-AIM")
    flat = {c.id: (c.name, p.id if p else None) for c, p in book.walk()}
    assert flat == {
        "context": ("Kontekst", None),
        "context.new": ("Ny", "context"),
        "context.old.kept": ("Beholdt", None),  # its parent is retired: moved to the top
    }
    assert book.version == "7" and book.source == "RE-AIM"
    assert book.codes[0].guid == "6F1C5A52-2F0E-4C43-9D8E-7A4B8F3C2E10"
    full = to_definition("Min bog", rows, language="da", version=7, source="", include_retired=True)
    assert {c.id: p.id if p else None for c, p in full.walk()}["context.old.kept"] == "context.old"


def test_download_round_trips_as_yaml_and_qdc_with_a_safe_file_name():
    rows = [Row(1, "reach", "Rækkevidde", framework="reach"), Row(2, "reach.x", "X", 1, "reach")]
    book = to_definition("RE-AIM / Kommune", rows, language="da", version=2, source="")
    assert file_stem("RE-AIM / Kommune") == "RE-AIM_Kommune"
    assert file_stem("///") == "kodebog"
    name, data = codebook_file(book, "yaml")
    assert name == "RE-AIM_Kommune.yaml"
    assert load_codebook_text(data.decode("utf-8")).to_dict() == book.to_dict()
    name, data = codebook_file(book, "qdc")
    assert name == "RE-AIM_Kommune.qdc"
    back = from_qdc_bytes(data, name)
    assert [(c.id, c.framework) for c, _ in back.walk()] == [
        ("reach", "reach"),
        ("reach.x", "reach"),
    ]
    with pytest.raises(InputError, match="Ukendt kodebogsformat 'json'; brug yaml eller qdc"):
        codebook_file(book, "json")
