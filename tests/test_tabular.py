"""Reading users' tables: separators, BOM, xlsx, Danish dates and numbers, clear errors."""

from __future__ import annotations

from datetime import date

import pytest

from qualkit.delivery.events import read_events
from qualkit.delivery.register import read_participants
from qualkit.errors import InputError
from qualkit.tabular import (
    TableErrors,
    format_n_pct,
    format_percent_dk,
    parse_bool,
    parse_date,
    parse_number,
    read_table,
)


def test_semicolon_bom_and_case_insensitive_columns(tmp_path):
    f = tmp_path / "p.csv"
    f.write_bytes(
        "\ufeffCitizen_ID;ARM;Start_Date;Eligible;Alder\nB1;indsats;01-04-2019;ja;45\n".encode()
    )
    [rec] = read_participants(f)
    assert rec.citizen_id == "B1" and rec.arm == "indsats"
    assert rec.start_date == date(2019, 4, 1) and rec.eligible is True
    assert rec.attributes == {"alder": "45"}  # the text the user wrote (issue 11.5)


def test_comma_separated_and_iso_dates(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("citizen_id,start_date,eligible\nB1,2019-04-01,no\n", encoding="utf-8")
    [rec] = read_participants(f)
    assert rec.start_date == date(2019, 4, 1) and rec.eligible is False


def test_xlsx_is_read(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["citizen_id", "date", "component", "minutes"])
    ws.append(["B1", date(2020, 1, 2), "jk_moede", 45.5])
    f = tmp_path / "e.xlsx"
    wb.save(f)
    [ev] = read_events(f)
    assert ev.date == date(2020, 1, 2) and ev.minutes == 45.5 and ev.status == "delivered"


def test_all_bad_rows_are_listed_with_row_and_column(tmp_path):
    f = tmp_path / "e.csv"
    f.write_text(
        "citizen_id;date;component;minutes;status\n"
        "B1;31-02-2020;jk;45;\n"
        "B2;01-02-2020;jk;-5;\n"
        "B3;01-02-2020;jk;4,5;maybe\n"
        ";01-02-2020;jk;1;\n",
        encoding="utf-8",
    )
    with pytest.raises(TableErrors) as info:
        read_events(f)
    msg = str(info.value)
    assert f"{f}, række 2, kolonne 'date'" in msg
    assert "række 3, kolonne 'minutes'" in msg and "negativ" in msg
    assert "række 4, kolonne 'status'" in msg
    assert "række 5, kolonne 'citizen_id'" in msg
    assert len(info.value.problems) == 4


def test_duplicate_citizen_and_missing_column(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("citizen_id;arm\nB1;a\nB1;b\n", encoding="utf-8")
    with pytest.raises(TableErrors, match="række 3, kolonne 'citizen_id'.*første gang i række 2"):
        read_participants(f)
    g = tmp_path / "q.csv"
    g.write_text("id;arm\nB1;a\n", encoding="utf-8")
    with pytest.raises(InputError, match="mangler påkrævet"):
        read_participants(g)


def test_binary_and_empty_files(tmp_path):
    b = tmp_path / "b.csv"
    b.write_bytes(b"\x00\x01\x02garbage")
    with pytest.raises(InputError, match="binær"):
        read_table(b)
    e = tmp_path / "e.csv"
    e.write_text("   \n", encoding="utf-8")
    with pytest.raises(InputError, match="filen er tom"):
        read_table(e)


def test_latin1_export_is_read(tmp_path):
    f = tmp_path / "p.csv"
    f.write_bytes("citizen_id;site\nB1;Århus Syd\n".encode("cp1252"))
    [rec] = read_participants(f)
    assert rec.site == "Århus Syd"


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2019-04-01", date(2019, 4, 1)),
        ("01-04-2019", date(2019, 4, 1)),
        ("01.04.2019", date(2019, 4, 1)),
        ("1/4/2019", date(2019, 4, 1)),
        ("", None),
    ],
)
def test_dates(value, expected):
    assert parse_date(value) == expected


def test_bad_values():
    with pytest.raises(ValueError):
        parse_date("32-01-2019")
    with pytest.raises(ValueError):
        parse_bool("kanske")
    with pytest.raises(ValueError):
        parse_number("1.234,5")
    assert parse_number("45,5") == 45.5


def test_danish_number_formats():
    assert format_percent_dk(69 / 132) == "52,3 %"
    assert format_n_pct(69, 132) == "69 (52,3 %)"
