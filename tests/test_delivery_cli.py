"""The `qualkit tally` command line contract (DESIGN.md) and its refusals of bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from qualkit.cli import main
from qualkit.delivery.protocol import load_protocol

REPO = Path(__file__).resolve().parent.parent
DEMO_P = REPO / "demo" / "participants.csv"
DEMO_E = REPO / "demo" / "delivery_log.csv"
TKI2 = REPO / "codebooks" / "protocol_tki2.yaml"
FILES = {"per_citizen.csv", "summary.csv", "flow.csv", "checks.csv", "reach.csv"}


def tally(p, e, proto, out) -> int:
    return main(
        [
            "tally",
            "--participants",
            str(p),
            "--events",
            str(e),
            "--protocol",
            str(proto),
            "--out",
            str(out),
        ]
    )


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_contract_files_and_columns(tmp_path):
    out = tmp_path / "report"
    assert tally(DEMO_P, DEMO_E, TKI2, out) == 0
    assert {f.name for f in out.iterdir()} == FILES | {".qualkit-output.json"}
    raw = (out / "per_citizen.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b";" in raw.splitlines()[0]
    pc = read(out / "per_citizen.csv")
    proto = load_protocol(TKI2)
    required = [
        "citizen_id",
        "arm",
        "site",
        "reached",
        "events_delivered",
        "minutes_delivered",
        *[f"n_{c.id}" for c in proto.components],
        "core_met",
        "core_total",
        "fidelity_score",
    ]
    assert set(required) <= set(pc.columns)
    assert len(pc) == 30 and set(pc.reached) <= {"ja", "nej"}
    dates = pc.first_event[pc.first_event != ""]
    assert dates.str.fullmatch(r"\d\d-\d\d-\d{4}").all()
    # Counts agree with the log itself (delivered rows only, one per event).
    log = read(DEMO_E)
    delivered = log[log.status.isin(["", "delivered"])]
    assert pc["events_delivered"].astype(int).sum() == len(delivered)
    b01 = pc.set_index("citizen_id").loc["B01"]
    for c in proto.components:
        n = ((delivered.citizen_id == "B01") & (delivered.component == c.id)).sum()
        assert int(b01[f"n_{c.id}"]) == n
    flow = read(out / "flow.csv")
    assert {"stage", "arm", "n"} <= set(flow.columns)
    assert int(flow[(flow.stage == "screened")].n.iloc[0]) == 30
    checks = read(out / "checks.csv")
    assert {"check", "citizen_id", "row", "message"} <= set(checks.columns)


def test_comma_csv_and_xlsx_give_the_same_tally(tmp_path):
    log = read(DEMO_E)
    comma = tmp_path / "log_comma.csv"
    log.to_csv(comma, sep=",", index=False, encoding="utf-8")  # no BOM, comma separators
    xlsx = tmp_path / "log.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append([c.upper() for c in log.columns])  # column names match case-insensitively
    for row in log.itertuples(index=False):
        ws.append(list(row))
    wb.save(xlsx)
    outs = []
    for i, e in enumerate((DEMO_E, comma, xlsx)):
        assert tally(DEMO_P, e, TKI2, tmp_path / f"o{i}") == 0
        outs.append(read(tmp_path / f"o{i}" / "per_citizen.csv"))
    pd.testing.assert_frame_equal(outs[0], outs[1])
    pd.testing.assert_frame_equal(outs[0], outs[2])


def test_unknown_component_is_reported_not_refused(tmp_path):
    e = tmp_path / "e.csv"
    e.write_text(
        DEMO_E.read_text(encoding="utf-8-sig") + "B01;01-12-2024;yoga;;;30;;;\n", encoding="utf-8"
    )
    assert tally(DEMO_P, e, TKI2, tmp_path / "o") == 0
    checks = read(tmp_path / "o" / "checks.csv")
    row = checks[checks.check == "event.unknown_component"]
    assert row.citizen_id.tolist() == ["B01"] and "yoga" in row.message.iloc[0]


@pytest.mark.parametrize(
    "case",
    [
        "protocol_unknown_key",
        "protocol_component_without_id",
        "negative_minutes",
        "bad_date",
        "event_without_component",
        "duplicate_citizen",
        "missing_column",
        "too_many_values",
    ],
)
def test_bad_input_is_refused_and_nothing_written(tmp_path, case, capsys):
    p, e, proto = DEMO_P, DEMO_E, TKI2
    text = TKI2.read_text(encoding="utf-8")
    log = DEMO_E.read_text(encoding="utf-8-sig").splitlines()
    expect: list[str]
    if case == "protocol_unknown_key":
        proto = tmp_path / "proto.yaml"
        proto.write_text(
            text.replace("high_fidelity: 0.8", "high_fidelity: 0.8\nhigh_fidelty: 0.9")
        )
        expect = ["proto.yaml", "ukendt(e) nøgle(r) high_fidelty"]
    elif case == "protocol_component_without_id":
        proto = tmp_path / "proto.yaml"
        proto.write_text(text.replace("  - id: jk_moede\n", "  - \n"))
        expect = ["proto.yaml", "komponent 3", "har intet 'id'"]
    elif case == "negative_minutes":
        e = tmp_path / "e.csv"
        parts = log[5].split(";")
        parts[5] = "-" + parts[5]
        log[5] = ";".join(parts)
        e.write_text("\n".join(log), encoding="utf-8")
        expect = ["e.csv, række 6, kolonne 'minutes'", "negativ"]
    elif case == "bad_date":
        e = tmp_path / "e.csv"
        log[3] = log[3].replace("21-11-2024", "31-11-2024")
        log[9] = log[9].replace(log[9].split(";")[1], "i går")
        e.write_text("\n".join(log), encoding="utf-8")
        expect = ["2 problemer", "række 4, kolonne 'date'", "række 10, kolonne 'date'"]
    elif case == "event_without_component":
        e = tmp_path / "e.csv"
        parts = log[7].split(";")
        parts[2] = ""
        log[7] = ";".join(parts)
        e.write_text("\n".join(log), encoding="utf-8")
        expect = ["række 8, kolonne 'component'", "tom"]
    elif case == "duplicate_citizen":
        p = tmp_path / "p.csv"
        lines = DEMO_P.read_text(encoding="utf-8-sig").splitlines()
        p.write_text("\n".join([*lines, lines[1]]), encoding="utf-8")
        expect = [f"række {len(lines) + 1}, kolonne 'citizen_id'", "står der igen"]
    elif case == "too_many_values":
        e = tmp_path / "e.csv"
        log[11] += ";ekstra"
        e.write_text("\n".join(log), encoding="utf-8")
        expect = ["e.csv, række 12", "flere værdier, end overskriften har kolonner"]
    else:
        e = tmp_path / "e.csv"
        e.write_text("\n".join(line.split(";", 1)[1] for line in log), encoding="utf-8")
        expect = ["mangler påkrævet(e) kolonne(r) citizen_id"]
    out = tmp_path / "out"
    assert tally(p, e, proto, out) == 2
    err = capsys.readouterr().err
    for piece in expect:
        assert piece in err, (piece, err)
    assert not out.exists()
    assert [f.name for f in tmp_path.iterdir() if f.name.startswith(".out")] == []


def test_failed_run_keeps_the_previous_report(tmp_path, capsys):
    out = tmp_path / "out"
    assert tally(DEMO_P, DEMO_E, TKI2, out) == 0
    (out / "notes.txt").write_text("mine")
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    bad = tmp_path / "e.csv"
    bad.write_text(
        "citizen_id;date;component;minutes\nB01;01-12-2024;jk_moede;-5\n", encoding="utf-8"
    )
    assert tally(DEMO_P, bad, TKI2, out) == 2
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before
    # A good run replaces the report and keeps the user's own file.
    assert tally(DEMO_P, DEMO_E, TKI2, out) == 0
    assert (out / "notes.txt").read_text() == "mine" and FILES <= {f.name for f in out.iterdir()}


def test_vectorised_register_reader_matches_the_row_reader(tmp_path):
    """The tally's fast reader and register.parse_participants agree, value for value."""
    from qualkit.delivery.frames import read_participants_frame, read_participants_records

    from .delivery_builders import ishoej

    for path in (DEMO_P, ishoej(tmp_path)[0]):
        fast, fast_attrs = read_participants_frame(path)
        slow, slow_attrs = read_participants_records(path)
        assert fast_attrs == slow_attrs and list(fast.columns) == list(slow.columns)
        for c in fast.columns:
            same = (fast[c].astype(str) == slow[c].astype(str)) | (fast[c].isna() & slow[c].isna())
            assert same.all(), c
