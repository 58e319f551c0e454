"""``kpss indicators`` on the real data: printing, CSV/XLSX/Parquet, comparisons, errors."""
from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook

from kpss_lib.cli import main

BASE = ["indicators", "--region", "Zlínský kraj", "--level", "orp", "--services", "domovy pro seniory"]


@pytest.fixture(autouse=True)
def _data(data_dir):
    return data_dir


def test_help_documents_flags_with_czech_examples(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["indicators", "--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--region", "--level", "--services", "--population", "--forms", "--categories",
                 "--target-group", "--radius-km", "--compare", "--compare-within", "--output"):
        assert flag in text
    assert 'kpss indicators --region "Zlínský kraj" --level orp --services "domovy pro seniory"' in text
    assert "Exit codes" in text


def test_prints_one_row_per_orp_and_a_total(capsys):
    assert main([*BASE, "--population", "65+"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Zlínský kraj | domovy pro seniory | na 1 000 obyvatel 65+"
    body = out[2:]
    assert len(body) == 14 and body[-1].lstrip().startswith("Zlínský kraj")
    assert any(line.lstrip().startswith("Vizovice") for line in body)
    assert "pob. lůžka/1000" in out[1]


def test_xlsx_has_czech_labels_number_formats_and_description(tmp_path, capsys):
    path = tmp_path / "zlinsky.xlsx"
    assert main([*BASE, "-o", str(path)]) == 0
    assert f"zapsáno: {path} (14 řádků)" in capsys.readouterr().out
    book = load_workbook(path)
    sheet = book["Ukazatele"]
    header = [cell.value for cell in sheet[1]]
    assert header[:2] == ["Kód jednotky", "Územní jednotka"]
    column = header.index("Kapacita – pobytová, lůžka na 1 000 obyv. 65+") + 1
    assert sheet.cell(row=2, column=column).number_format == "#,##0.00"
    share = header.index("Podíl cílové populace v bílých místech") + 1
    assert sheet.cell(row=2, column=share).number_format == "0.0%"
    described = {row[0].value: row[1].value for row in book["Popis"].iter_rows(min_row=2)}
    assert described["Výběr služeb"] == "domovy pro seniory"
    assert described["Dosah terénních služeb"] == "bez terénních služeb"
    assert sheet.max_row == 15 and list(tmp_path.iterdir()) == [path]


def test_csv_is_czech_excel_friendly_and_parquet_english(tmp_path):
    csv_path, parquet_path = tmp_path / "t.csv", tmp_path / "t.parquet"
    assert main([*BASE, "-o", str(csv_path)]) == 0
    assert main([*BASE, "-o", str(parquet_path)]) == 0
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    table = pd.read_csv(csv_path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"Kód jednotky": str})
    english = pd.read_parquet(parquet_path)
    assert len(table) == len(english) == 14
    assert "Cílová populace (obyvatelé 65+)" in table.columns and "per_1000_residential_beds" in english.columns
    assert table["Kapacita – pobytová, lůžka na 1 000 obyv. 65+"].tolist() == pytest.approx(
        english["per_1000_residential_beds"].round(6).tolist())
    assert table["Jen část jednotky v území"].unique().tolist() == ["ne"]


def test_selection_flags_and_other_tables(tmp_path):
    care = tmp_path / "care.parquet"
    assert main(["indicators", "--region", "ORP Otrokovice", "--level", "obec", "--services", "pečovatelská",
                 "--forms", "terénní", "--target-group", "senioři", "--no-total", "-o", str(care)]) == 0
    table = pd.read_parquet(care)
    assert len(table) == 10 and "capacity_field_clients" in table.columns
    assert not any(c.startswith("capacity_residential") for c in table.columns)
    assert table["terrain_reach"].iloc[0] == "poloměr 15 km od místa poskytování (předpoklad)"
    spots = tmp_path / "spots.parquet"
    assert main(["indicators", "--region", "Jihomoravský kraj", "--services", "13", "--table", "white-spots",
                 "--radius-km", "5", "-o", str(spots)]) == 0
    white = pd.read_parquet(spots)
    assert len(white) > 0 and white["white_spot"].all() and (white["distance_fixed_km"] > 5).all()
    assert white["population"].is_monotonic_decreasing


def test_compare_within_and_named_regions(tmp_path, capsys):
    path = tmp_path / "orp.parquet"
    assert main(["indicators", "--compare-within", "Zlínský kraj", "--level", "orp", "--services", "13",
                 "-o", str(path)]) == 0
    table = pd.read_parquet(path)
    assert len(table) == 13 and {"rank_per_1000_residential_beds", "per_1000_residential_beds_vs_kraj",
                                 "per_1000_residential_beds_peers", "distraint_pct"} <= set(table.columns)
    assert main(["indicators", "--compare", "Zlínský kraj", "Jihomoravský kraj", "--services", "13",
                 "--no-access"]) == 0
    out = capsys.readouterr().out
    assert "Jihomoravský kraj" in out and "2SFCA" not in out


@pytest.mark.parametrize("arguments, expected", [
    (["--region", "Zlínsky krj", "--services", "13"], "Closest: Zlínský kraj (kraj CZ072)"),
    (["--region", "Otrokovice", "--services", "13"], "ORP Otrokovice"),
    (["--region", "Zlínský kraj", "--services", "domov pro senory"], "closest: domovy pro seniory"),
    (["--region", "Zlínský kraj", "--forms", "domácí"], "valid values: pobytová, ambulantní, terénní"),
    (["--services", "13"], "give --region"),
])
def test_unknown_names_exit_2_with_closest_names(capsys, arguments, expected):
    assert main(["indicators", *arguments]) == 2
    assert expected in capsys.readouterr().err


def test_bad_output_suffix_and_failed_write_leave_nothing(tmp_path, capsys, monkeypatch):
    assert main([*BASE, "-o", str(tmp_path / "t.txt")]) == 2
    assert ".csv, .xlsx, .parquet" in capsys.readouterr().err

    def broken(self, path, *args, **kwargs):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("half")
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_csv", broken)
    target = tmp_path / "t.csv"
    with pytest.raises(OSError, match="disk full"):
        main([*BASE, "-o", str(target)])
    assert list(tmp_path.iterdir()) == []
