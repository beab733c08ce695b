"""Codebooks: YAML <-> REFI-QDA .qdc without loss, .qdc files in the shapes other tools write,
and bad codebooks refused with one clear line and nothing written."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from qualkit.cli import main
from qualkit.codebooks import load_codebook
from qualkit.codebooks.qdc import NS, from_qdc_bytes, read_qdc, to_qdc
from qualkit.errors import InputError

REPO = Path(__file__).resolve().parent.parent
SHIPPED = sorted((REPO / "codebooks").glob("*.yaml"))
SHIPPED = [p for p in SHIPPED if not p.name.startswith("protocol")]
GUID = re.compile(
    r"^(\{)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?(1)\})$"
)
RGB = re.compile(r"^#([A-Fa-f0-9]{6}|[A-Fa-f0-9]{3})$")


def _check_codebook_xsd(root: ET.Element) -> None:
    """The rules of the REFI-QDA Codebook.xsd (1.0), checked element by element."""
    q = lambda name: f"{{{NS}}}{name}"  # noqa: E731
    assert root.tag == q("CodeBook")
    kids = list(root)
    assert [k.tag for k in kids][:1] == [q("Codes")] and all(
        k.tag in (q("Codes"), q("Sets")) for k in kids
    )
    assert len(kids) <= 2
    guids = set()

    def code(el: ET.Element) -> None:
        assert set(el.attrib) <= {"guid", "name", "isCodable", "color"}
        assert (
            GUID.match(el.get("guid", ""))
            and el.get("name")
            and el.get("isCodable") in ("true", "false")
        )
        assert el.get("color") is None or RGB.match(el.get("color"))
        guids.add(el.get("guid"))
        tags = [c.tag for c in el]
        if q("Description") in tags:
            assert tags.index(q("Description")) == 0 and tags.count(q("Description")) == 1
        for c in el:
            if c.tag == q("Code"):
                code(c)
            else:
                assert c.tag == q("Description")

    assert len(kids[0]) >= 1
    for c in kids[0]:
        assert c.tag == q("Code")
        code(c)
    if len(kids) == 2:
        for s in kids[1]:
            assert s.tag == q("Set") and GUID.match(s.get("guid", "")) and s.get("name")
            for m in s:
                assert m.tag in (q("Description"), q("MemberCode"))
                if m.tag == q("MemberCode"):
                    assert m.get("guid") in guids


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_shipped_codebooks_are_complete_and_round_trip(path, tmp_path):
    book = load_codebook(path)
    codes = [c for c, _ in book.walk()]
    assert len(codes) >= 20
    for c in codes:  # every code: Danish name, English description, include, exclude, example
        assert all(
            getattr(c, f).strip() for f in ("name", "description", "include", "exclude", "example")
        ), c.id
    qdc = tmp_path / f"{path.stem}.qdc"
    back = tmp_path / f"{path.stem}.yaml"
    assert main(["codebook", "convert", str(path), str(qdc)]) == 0
    _check_codebook_xsd(ET.parse(qdc).getroot())
    assert main(["codebook", "convert", str(qdc), str(back)]) == 0
    assert load_codebook(back).to_dict() == book.to_dict()
    # A second export is byte-identical (stable GUIDs), so tools see the same codes again.
    assert to_qdc(load_codebook(back)) == qdc.read_text(encoding="utf-8")


ATLAS = """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:QDA-XML:codebook:0:4 Codebook.xsd" origin="ATLAS.ti Win 23.4.0" xmlns="urn:QDA-XML:codebook:1.0">
  <Codes>
    <Code guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" name="Trepartssamtale" color="#46AA00" isCodable="true">
      <Description>Three-party meeting held.</Description>
    </Code>
    <Code guid="2AA58B12-6F6F-4B0C-8BE5-BBDC91F55295" name="Ventetid" isCodable="true" />
    <Code guid="3BB58B12-6F6F-4B0C-8BE5-BBDC91F55296" name="Tryghed" isCodable="true">
      <Description>Feeling safe.</Description>
    </Code>
  </Codes>
  <Sets>
    <Set name="Implementering" guid="ECA18D76-2B8B-4F26-BC1D-19ECA19FB3F0">
      <Description>kodegruppe</Description>
      <MemberCode guid="1FF58B12-6F6F-4B0C-8BE5-BBDC91F55294" />
    </Set>
    <Set name="mechanism" guid="ECA18D76-2B8B-4F26-BC1D-19ECA19FB3F1">
      <MemberCode guid="3BB58B12-6F6F-4B0C-8BE5-BBDC91F55296" />
    </Set>
  </Sets>
</CodeBook>
"""

QUALCODER = (
    "\ufeff"
    + """<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" xsi:schemaLocation="urn:QDA-XML:codebook:1.0 Codebook.xsd" origin="QualCoder" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Codes>
    <Code guid="a1b2c3d4-0000-4000-8000-000000000001" name="Barrierer" isCodable="false">
      <Description/>
      <Code guid="a1b2c3d4-0000-4000-8000-000000000002" name="Breve fra jobcentret" isCodable="true" color="#F8E0E0">
        <Description>Standard letters cause worry.
Include: letters, summons
Exclude: phone calls</Description>
      </Code>
      <Code guid="a1b2c3d4-0000-4000-8000-000000000003" name="Breve fra jobcentret" isCodable="true">
        <Description></Description>
      </Code>
    </Code>
  </Codes>
</CodeBook>
"""
).encode("utf-8")

NVIVO = """<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo 14"><Codes><Code guid="9e3c1a10-1111-4a4a-9b9b-0123456789ab" name="Rækkevidde" isCodable="true" color="#0070C0"><Description>Reach</Description><Code guid="9e3c1a10-2222-4a4a-9b9b-0123456789ab" name="Fravalg" isCodable="true"><Description>Declining</Description><Code guid="9e3c1a10-3333-4a4a-9b9b-0123456789ab" name="For syg" isCodable="true"/></Code></Code></Codes></CodeBook>"""

MAXQDA = """<?xml version="1.0" encoding="UTF-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="MAXQDA 2022 (Release 22.5.0)">
<Codes>
<Code guid="{0B5A2C11-7E64-4C4D-9E8A-5B3A39B2E101}" name="Samarbejde" isCodable="true" color="#FF8000">
<Description>Kodememo: samarbejde mellem JK og sundhed
over to linjer</Description>
<Code guid="{0B5A2C11-7E64-4C4D-9E8A-5B3A39B2E102}" name="Fælles journal" isCodable="true" color="#FFA040"/>
</Code>
</Codes>
</CodeBook>
"""

QDE_PROJECT = """<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="QualCoder">
  <CodeBook><Codes><Code guid="5F0C1B7A-1C3E-4E2A-9A8B-112233445566" name="Tema" isCodable="true"/></Codes></CodeBook>
</Project>
"""


def test_reads_atlas_ti_shape_with_code_groups():
    book = from_qdc_bytes(ATLAS.encode(), "atlas.qdc")
    by = {c.name: c for c, _ in book.walk()}
    assert [c.name for c in book.codes] == ["Trepartssamtale", "Ventetid", "Tryghed"]
    assert (
        by["Trepartssamtale"].color == "#46AA00"
        and by["Trepartssamtale"].description == "Three-party meeting held."
    )
    assert by["Tryghed"].framework == "mechanism"  # from the set named after a framework tag
    assert by["Trepartssamtale"].framework == "theme"  # a set with another name says nothing
    assert by["Ventetid"].id == "ventetid" and book.name == "atlas"


def test_reads_qualcoder_shape_with_bom_and_categories():
    book = from_qdc_bytes(QUALCODER, "qualcoder.qdc")
    (cat,) = book.codes
    assert (
        cat.name == "Barrierer" and [c.name for c in cat.children] == ["Breve fra jobcentret"] * 2
    )
    first, second = cat.children
    assert (
        first.id == "barrierer.breve_fra_jobcentret"
        and second.id == "barrierer.breve_fra_jobcentret_2"
    )
    assert first.description == "Standard letters cause worry."
    assert first.include == "letters, summons" and first.exclude == "phone calls"


def test_reads_nvivo_and_maxqda_shapes():
    nv = from_qdc_bytes(NVIVO.encode(), "nvivo.qdc")
    (reach,) = nv.codes
    assert [c.id for c, _ in nv.walk()] == [
        "raekkevidde",
        "raekkevidde.fravalg",
        "raekkevidde.fravalg.for_syg",
    ]
    assert reach.children[0].children[0].name == "For syg"
    mx = from_qdc_bytes(MAXQDA.encode(), "maxqda.qdc")
    (samarbejde,) = mx.codes
    assert samarbejde.description == "Kodememo: samarbejde mellem JK og sundhed\nover to linjer"
    assert (
        samarbejde.children[0].name == "Fælles journal"
        and samarbejde.children[0].color == "#FFA040"
    )
    pr = from_qdc_bytes(QDE_PROJECT.encode(), "project.qde")
    assert [c.name for c in pr.codes] == ["Tema"]


def test_foreign_codebook_converts_to_yaml_and_back(tmp_path):
    src = tmp_path / "atlas.qdc"
    src.write_text(ATLAS, encoding="utf-8")
    yml, qdc = tmp_path / "atlas.yaml", tmp_path / "again.qdc"
    assert main(["codebook", "convert", str(src), str(yml)]) == 0
    assert main(["codebook", "convert", str(yml), str(qdc)]) == 0
    assert read_qdc(qdc).to_dict() == load_codebook(yml).to_dict()


@pytest.mark.parametrize(
    "content,message",
    [
        (b"", "filen er tom"),
        (b"<html><body>codebook</body></html>", "rodelementet er <html>"),
        (b'{"codes": []}', "ikke XML"),
        (
            b'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>',
            "mindst én",
        ),
        (b'<CodeBook xmlns="urn:example:other"><Codes/></CodeBook>', "ikke en REFI-QDA-kodebog"),
        (
            b'<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="a" '
            b'isCodable="true"/></Codes></CodeBook>',
            "ikke en GUID",
        ),
    ],
)
def test_not_refi_qda_is_refused(tmp_path, capsys, content, message):
    src = tmp_path / "bad.qdc"
    src.write_bytes(content)
    out = tmp_path / "out.yaml"
    assert main(["codebook", "convert", str(src), str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "bad.qdc" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
    with pytest.raises(InputError):
        from_qdc_bytes(content, "bad.qdc")


@pytest.mark.parametrize(
    "text,message",
    [
        (
            "codebook: X\ncodes:\n  - {id: a, name: A}\n  - {id: a, name: B}\n",
            "mere end én gang",
        ),
        (
            "codebook: X\ncodes:\n  - {id: a, name: A, parent: b}\n  - {id: b, name: B, parent: a}\n",
            "danner en cyklus",
        ),
        (
            "codebook: X\ncodes:\n  - {id: a, name: A, framework: feelings}\n",
            "'feelings' er ikke en af",
        ),
        (
            "codebook: X\ncodes:\n  - {id: a, name: A, children: [{id: a, name: A2}]}\n",
            "mere end én gang",
        ),
    ],
)
def test_bad_yaml_codebooks_are_refused(tmp_path, capsys, text, message):
    src = tmp_path / "bad.yaml"
    src.write_text(text, encoding="utf-8")
    out = tmp_path / "out.qdc"
    assert main(["codebook", "convert", str(src), str(out)]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob(".out*"))


def test_unknown_extensions_are_refused(tmp_path, capsys):
    src = REPO / "codebooks" / "reaim.yaml"
    assert main(["codebook", "convert", str(src), str(tmp_path / "x.json")]) == 2
    assert "ukendt filformat" in capsys.readouterr().err
