"""A table per real REFI-QDA file in ../shared/data/refi (issue 15's closing note): what was
imported, what the import reported left out, and the round-trip result.

Each .qdpx is imported (attested as de-identified, as `qualkit import qdpx --deidentified`)
into a fresh SQLite folder; the import report (`--report FILE.json`: counts, coders,
left_out) is read from the result; the project is exported again as the system
administrator, validated against Project-mrt2019.xsd, re-imported, and the counts compared.
Each .qdc is read as a codebook, written as YAML and back as .qdc (GUIDs compared), and
validated against Codebook-mrt2019.xsd; a file that is refused says why. Prints markdown.

    PYTHONPATH=. .venv/bin/python bench/refi_files_table.py [REFI_FOLDER]
"""

from __future__ import annotations

import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from qualkit.errors import QualkitError  # noqa: E402
from qualkit.services import exchange  # noqa: E402
from qualkit.services.context import SYSTEM, Context  # noqa: E402
from qualkit.store import Database  # noqa: E402
from qualkit.store.models import (  # noqa: E402
    Code,
    Codebook,
    ExchangeSet,
    Interview,
    Memo,
)

REFI = REPO.parent / "shared" / "data" / "refi"


def _schema(folder: Path, name: str):  # type: ignore[no-untyped-def]
    from lxml import etree

    return etree.XMLSchema(etree.parse(str(folder / name)))


def _valid(xsd, xml: bytes) -> str:  # type: ignore[no-untyped-def]
    from lxml import etree

    ok = xsd.validate(etree.fromstring(xml))
    return "ja" if ok else f"nej ({xsd.error_log.last_error})"


def _stored(db: Database, pid: int) -> dict[str, int]:
    """What the project holds: memos, sets, coloured codes, categories (not codable)."""
    with db.session() as s:
        codes = s.scalars(select(Code).join(Codebook).where(Codebook.project_id == pid)).all()

        def n(model, where):  # type: ignore[no-untyped-def]
            return s.scalar(select(func.count()).select_from(model).where(where)) or 0

        return {
            "memos": n(Memo, Memo.project_id == pid),
            # qualkit's own sets (frameworks, the transcript mark) are kept for their GUID
            # only; they are not the file's sets.
            "sets": n(
                ExchangeSet,
                (ExchangeSet.project_id == pid) & ExchangeSet.kind.not_in(("framework", "turns")),
            ),
            "colours": sum(1 for c in codes if c.color),
            "categories": sum(1 for c in codes if not c.codable),
            "interviews": n(Interview, Interview.project_id == pid),
        }


KINDS = ("User", "Code", "TextSource", "PlainTextSelection", "Note", "Set", "Case")


def _guids(path: Path) -> dict[str, set[str]]:
    """The GUIDs of a .qdpx's project.qde, by element (the kinds other tools key on)."""
    from xml.etree import ElementTree

    with zipfile.ZipFile(path) as zf:
        root = ElementTree.fromstring(zf.read("project.qde"))
    out: dict[str, set[str]] = {}
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag in KINDS and el.get("guid"):
            out.setdefault(tag, set()).add(el.get("guid", "").strip("{}").lower())
    return out


def _kept(before: dict[str, set[str]], after: dict[str, set[str]]) -> str:
    """'Code 60/60, ...': how many of the file's GUIDs of each kind the export carries."""
    parts = [
        f"{k} {len(before[k] & after.get(k, set()))}/{len(before[k])}"
        for k in KINDS
        if before.get(k)
    ]
    return ", ".join(parts) or "ingen"


def _left(problems) -> str:  # type: ignore[no-untyped-def]
    if not problems:
        return "intet"
    kinds = Counter(p.kind for p in problems)
    sample = "; ".join(f"{p.kind} «{p.where}»: {p.reason}" for p in list(problems)[:3])
    more = f"; ... ({len(problems) - 3} mere)" if len(problems) > 3 else ""
    return ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) + f" — {sample}{more}"


def qdpx_row(path: Path, work: Path, xsd) -> dict[str, str]:  # type: ignore[no-untyped-def]
    db = Database.open(work / f"db-{path.stem}")
    try:
        first = exchange.import_qdpx(db, SYSTEM, path, deidentified=True)
        report = first.to_json()
        held = _stored(db, first.project_id)
        c = report["counts"]
        imported = (
            f"kilder {c['sources']}, koder {c['codes']}, markeringer {c['selections']}, "
            f"kodninger {c['codings']} (+ konsensus {c['consensus']}), "
            f"kodere {len(report['coders'])}"
            + (f" ({', '.join(report['coders'])})" if report["coders"] else "")
            + ", "
            f"memoer {held['memos']}, sæt {held['sets']}, farver {held['colours']}, "
            f"kategorier {held['categories']}; positioner {report['positions']['unit']} "
            f"({report['positions']['decided_by']})"
        )
        out = work / f"rt-{path.name}"
        exported = exchange.export_qdpx(Context(db, SYSTEM, first.project_id), out)
        with zipfile.ZipFile(out) as zf:
            valid = _valid(xsd, zf.read("project.qde"))
        kept = _kept(_guids(path), _guids(out))
        second = exchange.import_qdpx(db, SYSTEM, out, f"rt {path.name}", deidentified=True)
        out2 = work / f"rt2-{path.name}"
        exchange.export_qdpx(Context(db, SYSTEM, second.project_id), out2)
        fixed = _guids(out2) == _guids(out)
        again = _stored(db, second.project_id)
        keys = ("codes", "sources", "selections", "codings", "consensus", "memos")
        diff = [
            f"{k} {first.counts.get(k)} -> {second.counts.get(k)}"
            for k in keys
            if first.counts.get(k) != second.counts.get(k)
        ] + [f"{k} {held[k]} -> {again[k]}" for k in held if held[k] != again[k]]
        if tuple(second.coders) != tuple(first.coders):
            diff.append(f"kodere {first.coders} -> {second.coders}")
        new_left = [p for p in second.left_out if p.kind not in ("user",)]
        rt = (
            f"eksport: {exported.counts['sources']} kilder, {exported.counts['codings']} "
            f"markeringer, {exported.counts['users']} brugere; skema-gyldig: {valid}; "
            f"genimport: {'ens tal' if not diff else 'forskel: ' + ', '.join(diff)}"
            + (f"; genimport udeladt: {_left(new_left)}" if new_left else "")
            + f"; filens GUID'er i eksporten: {kept}; anden eksport samme GUID'er: "
            + ("ja" if fixed else "nej")
        )
        return {"imported": imported, "left_out": _left(first.left_out), "round_trip": rt}
    except QualkitError as exc:
        return {"imported": f"afvist: {exc}", "left_out": "-", "round_trip": "-"}
    finally:
        db.close()


def qdc_row(path: Path, work: Path, xsd) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """A codebook: read, .qdc -> YAML -> .qdc (as `qualkit codebook convert`), GUIDs kept?"""
    from qualkit.codebooks.qdc import from_qdc_bytes, load_any, read_qdc, to_qdc, write_any

    try:
        book = read_qdc(path)
    except QualkitError as exc:
        return {"imported": f"afvist: {exc}", "left_out": "hele filen (afvist)", "round_trip": "-"}
    guids = [c.guid for c, _ in book.walk()]
    yaml_path = work / f"{path.stem}.yaml"
    write_any(book, yaml_path, force=True)
    back = to_qdc(load_any(yaml_path))
    valid = _valid(xsd, back.encode("utf-8"))
    again = {c.guid for c, _ in from_qdc_bytes(back.encode("utf-8")).walk()}
    kept = sum(1 for g in guids if g in again)
    return {
        "imported": f"kodebog: koder {len(guids)}",
        "left_out": "intet",
        "round_trip": f".qdc -> YAML -> .qdc: skema-gyldig: {valid}; GUID'er bevaret "
        f"{kept} af {len(guids)}",
    }


def main(folder: Path = REFI) -> None:
    if not folder.is_dir():
        sys.exit(f"{folder} findes ikke")
    project_xsd = _schema(folder, "Project-mrt2019.xsd")
    codebook_xsd = _schema(folder, "Codebook-mrt2019.xsd")
    print("| fil | importeret | rapporteret udeladt | rundtur |")
    print("|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="refi-table-") as tmp:
        work = Path(tmp)
        for path in sorted(folder.iterdir()):
            suffix = path.suffix.lower()
            if suffix == ".qdpx":
                row = qdpx_row(path, work, project_xsd)
            elif suffix == ".qdc":
                row = qdc_row(path, work, codebook_xsd)
            else:
                continue
            cells = (path.name, row["imported"], row["left_out"], row["round_trip"])
            print("| " + " | ".join(c.replace("|", "/").replace("\n", " ") for c in cells) + " |")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else REFI)
