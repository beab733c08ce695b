"""Write the hostile-file corpus (tests/hostile/<reader>/...): broken or made-to-hurt inputs,
one per way a file can go wrong. Run `python tests/hostile/make_corpus.py` to regenerate; the
files are committed so the suite needs no generation step. Every file must be refused by its
reader with one message, nothing written (tests/test_hostile_corpus.py)."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

REG_HEAD = "citizen_id;arm;site;start_date\n"
REG_OK = "".join(f"H{i:03d};indsats;Nord;01-02-2024\n" for i in range(200))
LOG_HEAD = "citizen_id;date;component;minutes;note\n"
LOG_OK = "".join(f"B01;{1 + i % 28:02d}-02-2024;jk_moede;45;ok\n" for i in range(200))


def alias_bomb(head: str) -> str:
    lines = [head, 'l0: &l0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        lines.append(f"l{i}: &l{i} [" + ",".join([f"*l{i - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def deep_yaml(head: str, levels: int, block: bool = False) -> str:
    if block:
        return (
            head
            + "\n"
            + "".join("  " * i + f"k{i}:\n" for i in range(levels))
            + "  " * levels
            + "x\n"
        )
    return head + "\nx: " + "[" * levels + "]" * levels + "\n"


def deep_xml(levels: int, root: str) -> str:
    return root + "<Code name='x' guid='g'>" * levels + "</Code>" * levels + "</Codes></CodeBook>"


QDC_ROOT = '<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + "".join(
        f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">\n'
        for i in range(1, 10)
    )
    + ']>\n<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code name="&lol9;" guid="g"/>'
    "</Codes></CodeBook>\n"
)


def zip_bomb(member: str, mb: int = 20, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
        with zf.open(member, "w") as fh:
            block = b"\x00" * (1 << 20)
            for _ in range(mb):
                fh.write(block)
    return buf.getvalue()


def plain_zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def wav_header_only() -> bytes:
    return (
        b"RIFF"
        + struct.pack("<I", 36)
        + b"WAVEfmt "
        + struct.pack("<IHHIIHH", 16, 1, 1, 16000, 32000, 2, 16)
    )


CORPUS: dict[str, dict[str, str | bytes]] = {
    "registers": {
        "big_field.csv": REG_HEAD + "B01;indsats;" + "x" * (140 * 1024) + ";01-02-2024\n",
        "unterminated_quote.csv": REG_HEAD
        + REG_OK
        + 'B01;"indsats;Nord;01-02-2024\nB02;indsats;Nord;\n',
        "swallowing_quote.csv": REG_HEAD
        + 'B01;"indsats;Nord;01-02-2024\nB02;indsats;Nord;\nB03;x";Syd;\n',
        "nul_late.csv": REG_HEAD + REG_OK + "B01;ind\x00sats;Nord;01-02-2024\n",
        "binary.csv": b"\x00\x01\x02\x03" * 100,
        "long_citizen_id.csv": REG_HEAD + "B" * 93 + ";indsats;Nord;01-02-2024\n",
        "duplicate_header.csv": "citizen_id;arm;arm\nB01;a;b\n",
        "empty.csv": "",
        "no_citizen_id.csv": "arm;site\nindsats;Nord\n",
        "bad_date.csv": REG_HEAD + "B01;indsats;Nord;31-13-2024\n",
        "too_many_values.csv": REG_HEAD + "B01;indsats;Nord;01-02-2024;x;y;z\n",
        "duplicate_id.csv": REG_HEAD + "B01;indsats;Nord;\nB01;kontrol;Syd;\n",
        "utf16.csv": (REG_HEAD + "B01;indsats;Nord;\n").encode("utf-16"),
        "zip_bomb.xlsx": zip_bomb("xl/worksheets/sheet1.xml"),
        "not_xlsx.xlsx": b"this is not a workbook\n" * 20,
    },
    "events": {
        "minutes_nan.csv": LOG_HEAD + LOG_OK + "B01;01-03-2024;jk_moede;nan;\n",
        "minutes_inf.csv": LOG_HEAD + LOG_OK + "B01;01-03-2024;jk_moede;inf;\n",
        "minutes_1e400.csv": LOG_HEAD + LOG_OK + "B01;01-03-2024;jk_moede;1e400;\n",
        "minutes_negative.csv": LOG_HEAD + "B01;01-03-2024;jk_moede;-5;\n",
        "date_2099.csv": LOG_HEAD + LOG_OK + "B01;01-03-2099;jk_moede;45;\n",
        "big_note.csv": LOG_HEAD + "B01;01-03-2024;jk_moede;45;" + "n" * (140 * 1024) + "\n",
        "unterminated_quote.csv": LOG_HEAD + LOG_OK + 'B01;"01-03-2024;jk_moede;45;\nB01;x;y;1;\n',
        "nul_late.csv": LOG_HEAD + LOG_OK + "B01;01-03-2024;jk\x00moede;45;\n",
        "bad_status.csv": "citizen_id;date;component;status\nB01;01-03-2024;jk_moede;måske\n",
        "no_date_column.csv": "citizen_id;component\nB01;jk_moede\n",
        "long_staff_id.csv": "citizen_id;date;component;staff_id\nB01;01-03-2024;jk_moede;"
        + "s" * 90
        + "\n",
    },
    "protocols": {
        "alias_bomb.yaml": alias_bomb("name: bombe\ncomponents: []"),
        "deep_1000.yaml": deep_yaml("name: dyb", 1000),
        "deep_5000.yaml": deep_yaml("name: dyb", 5000),
        "deep_block.yaml": deep_yaml("name: dyb", 120, block=True),
        "not_yaml.yaml": "name: [unclosed\n  - : :\n",
        "a_list.yaml": "- 1\n- 2\n",
        "binary.yaml": b"\x00\xff\xfe" * 50,
        "no_components.yaml": "name: tom\n",
    },
    "codebooks": {
        "alias_bomb.yaml": alias_bomb("codebook: bombe\ncodes: []"),
        "deep_1000.yaml": deep_yaml("codebook: dyb", 1000),
        "deep_5000.yaml": deep_yaml("codebook: dyb", 5000),
        "deep_codes.yaml": "codebook: dyb\ncodes:\n"
        + "".join(
            "  " * (2 * i)
            + f"- id: c{i}\n"
            + "  " * (2 * i)
            + f"  name: c{i}\n"
            + "  " * (2 * i)
            + "  children:\n"
            for i in range(60)
        )
        + "  " * 120
        + "- id: end\n"
        + "  " * 120
        + "  name: end\n",
        "not_yaml.yaml": "codebook: [unclosed\n",
        "no_codes.yaml": "codebook: tom\n",
        "deep.qdc": deep_xml(500, QDC_ROOT),
        "billion_laughs.qdc": LAUGHS,
        "not_xml.qdc": "<CodeBook><Codes>",
        "empty.qdc": "",
    },
    "transcripts": {
        "nul_late.txt": ("I: Hej.\n\n" * 600) + "B: Hej\x00igen.\n",
        "binary.txt": b"\x00\x01\x02" * 100,
        "empty.txt": "",
        "zip_bomb.docx": zip_bomb("word/document.xml"),
        "not_docx.docx": b"plain text pretending\n" * 10,
    },
    "qdpx": {
        "zip_bomb.qdpx": zip_bomb("project.qde"),
        "not_zip.qdpx": b"not a zip at all\n" * 10,
        "no_qde.qdpx": plain_zip({"readme.txt": b"hello"}),
        "deep_xml.qdpx": plain_zip(
            {
                "project.qde": (
                    '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x">'
                    + "<a>" * 500
                    + "</a>" * 500
                    + "</Project>"
                ).encode()
            }
        ),
        "billion_laughs.qdpx": plain_zip(
            {"project.qde": LAUGHS.replace("CodeBook", "Project").encode()}
        ),
        "bad_xml.qdpx": plain_zip({"project.qde": b"<Project"}),
        "text_bomb.qdpx": zip_bomb(
            "sources/a.txt",
            extra={
                "project.qde": b'<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0"/>'
            },
        ),
    },
    "audio": {
        "empty.wav": b"",
        "garbage.wav": b"\x13\x37" * 2000,
        "header_only.wav": wav_header_only(),
        "text.mp3": "ID3 this is text, not audio\n" * 20,
    },
}


def main() -> None:
    for folder, files in CORPUS.items():
        (HERE / folder).mkdir(exist_ok=True)
        for name, data in files.items():
            (HERE / folder / name).write_bytes(
                data.encode("utf-8") if isinstance(data, str) else data
            )
    print(sum(len(f) for f in CORPUS.values()), "files written")


if __name__ == "__main__":
    main()
