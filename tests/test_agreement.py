"""`qualkit agreement`: numbers against the krippendorff package and a hand-computed kappa."""

from __future__ import annotations

import csv
import random
from math import comb
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from qualkit.agreement import agreement_rows, cohen_kappa, krippendorff_alpha_nominal
from qualkit.cli import main


def _write(path: Path, rows: list[tuple[str, str, str, str]], sep: str = ";") -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=sep)
        w.writerow(["Document_ID", "segment_id", "coder", "code"])
        w.writerows(rows)
    return path


def _read_out(folder: Path) -> dict[str, dict[str, str]]:
    raw = (folder / "agreement.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Danish Excel opens it with the right letters
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == "code;units;coders;observed_agreement;kappa;alpha"
    rows = list(csv.DictReader(lines, delimiter=";"))
    return {r["code"]: r for r in rows}


def _num(cell: str) -> float | None:
    return None if cell == "" else float(cell.replace(",", "."))


def test_hand_computed_kappa_through_the_cli(tmp_path):
    a = [1, 1, 0, 0, 1, 0, 1, 0, 0, 0]
    b = [1, 0, 0, 0, 1, 0, 1, 1, 0, 0]
    rows = []
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        rows.append(("doc1", str(i), "lone", "x" if x else ""))
        rows.append(("doc1", str(i), "peter", "x" if y else ""))
    codings = _write(tmp_path / "codings.csv", rows)
    assert main(["agreement", "--codings", str(codings), "--out", str(tmp_path / "out")]) == 0
    out = _read_out(tmp_path / "out")
    # po = 8/10; pe = 0.4*0.4 + 0.6*0.6 = 0.52; kappa = (0.8 - 0.52) / 0.48 = 0.5833
    assert out["x"]["units"] == "10" and out["x"]["coders"] == "2"
    assert out["x"]["observed_agreement"] == "0,8000"
    assert out["x"]["kappa"] == "0,5833"
    expected_alpha = krippendorff.alpha(
        reliability_data=np.array([a, b]), level_of_measurement="nominal"
    )
    assert _num(out["x"]["alpha"]) == pytest.approx(expected_alpha, abs=5e-5)
    assert list(out) == ["x", "overall"]


def _random_codings(seed: int, coders: int, units: int, codes: list[str]):
    rng = random.Random(seed)
    rows, truth = [], {}
    for u in range(units):
        doc, seg = f"d{u % 3}", str(u)
        for c in range(coders):
            coder = f"c{c}"
            applied = [k for k in codes if rng.random() < 0.35]
            for k in codes:
                truth[(doc, seg, coder, k)] = int(k in applied)
            rows += [(doc, seg, coder, k) for k in applied] or [(doc, seg, coder, "")]
            if applied and rng.random() < 0.3:
                rows.append((doc, seg, coder, ""))  # an extra empty row changes nothing
    return rows, truth


@pytest.mark.parametrize("coders", [2, 3, 4])
def test_against_krippendorff_package(tmp_path, coders):
    codes = ["impl.trepartssamtale", "mech.tryghed", "reach.fravalg"]
    rows, truth = _random_codings(coders, coders, 40, codes)
    units = sorted({(d, s) for d, s, _, _ in rows})
    coder_ids = [f"c{c}" for c in range(coders)]
    codings = _write(tmp_path / "codings.csv", rows, sep=",")
    assert main(["agreement", "--codings", str(codings), "--out", str(tmp_path / "out")]) == 0
    out = _read_out(tmp_path / "out")
    pooled = []
    for code in codes:
        matrix = np.array([[truth[(d, s, c, code)] for d, s in units] for c in coder_ids])
        pooled.append(matrix)
        expected = krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal")
        assert _num(out[code]["alpha"]) == pytest.approx(expected, abs=5e-5)
        # observed agreement: per unit, agreeing pairs = C(k,2) + C(m-k,2) of C(m,2)
        k = matrix.sum(axis=0)
        m = coders
        po = float(np.mean([(comb(int(x), 2) + comb(m - int(x), 2)) / comb(m, 2) for x in k]))
        assert _num(out[code]["observed_agreement"]) == pytest.approx(po, abs=5e-5)
        if coders == 2:
            a, b = matrix
            n = len(a)
            pe = (a.mean() * b.mean()) + ((1 - a.mean()) * (1 - b.mean()))
            kappa = ((a == b).sum() / n - pe) / (1 - pe)
            assert _num(out[code]["kappa"]) == pytest.approx(kappa, abs=5e-5)
        else:
            assert out[code]["kappa"] == ""
    overall = np.concatenate(pooled, axis=1)
    assert _num(out["overall"]["alpha"]) == pytest.approx(
        krippendorff.alpha(reliability_data=overall, level_of_measurement="nominal"), abs=5e-5
    )
    assert out["overall"]["units"] == str(len(units)) and out["overall"]["coders"] == str(coders)


def test_perfect_agreement_and_no_variance():
    rows = [("d", str(u), c, "x") for u in range(5) for c in ("a", "b")]  # all coded: no variance
    rows += [("d", str(u), c, "y") for u in range(2) for c in ("a", "b")]  # perfect agreement
    got = {r.code: r for r in agreement_rows(rows)}
    assert got["x"].observed_agreement == 1.0 and got["x"].kappa is None and got["x"].alpha is None
    assert got["y"].observed_agreement == 1.0 and got["y"].kappa == 1.0 and got["y"].alpha == 1.0
    assert got["overall"].alpha == pytest.approx(1.0)
    with pytest.raises(ValueError):  # the package refuses such data too: we write an empty cell
        krippendorff.alpha(reliability_data=np.ones((2, 5)), level_of_measurement="nominal")
    assert cohen_kappa([1, 1], [1, 1]) is None
    assert krippendorff_alpha_nominal([[1, None], [0, 1], [1, 1]]) == pytest.approx(
        krippendorff.alpha(
            reliability_data=np.array([[1, 0, 1], [np.nan, 1, 1]]), level_of_measurement="nominal"
        )
    )


def test_bad_codings_files_write_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    missing = tmp_path / "missing.csv"
    missing.write_text("document_id;segment_id;code\nd;1;x\n", encoding="utf-8")
    assert main(["agreement", "--codings", str(missing), "--out", str(out)]) == 2
    assert "mangler påkrævet(e) kolonne(r) coder" in capsys.readouterr().err
    empty_coder = _write(tmp_path / "empty.csv", [("d", "1", "a", "x"), ("d", "2", "", "x")])
    assert main(["agreement", "--codings", str(empty_coder), "--out", str(out)]) == 2
    assert "række 3, kolonne 'coder'" in capsys.readouterr().err
    one = _write(tmp_path / "one.csv", [("d", "1", "a", "x"), ("d", "2", "a", "")])
    assert main(["agreement", "--codings", str(one), "--out", str(out)]) == 2
    assert "mindst to kodere" in capsys.readouterr().err
    assert main(["agreement", "--codings", str(tmp_path / "nope.csv"), "--out", str(out)]) == 2
    assert not out.exists()
