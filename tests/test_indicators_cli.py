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
    # drive time is the default where the road file is present (phase 2): the reach is in minutes
    assert table["terrain_reach"].iloc[0] == "20 min jízdy od místa poskytování (předpoklad)"
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
    assert main([*BASE, "-o", str(target)]) == 2  # a kpss error, not a traceback out of cli.main
    assert f"{target}: cannot write the table: disk full" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_is_an_error_naming_the_path(tmp_path, capsys):
    blocker = tmp_path / "soubor"
    blocker.write_text("not a folder", encoding="utf-8")
    target = blocker / "t.xlsx"  # its folder is a file: mkdir/open fail with an OSError
    assert main([*BASE, "--no-access", "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert f"kpss indicators: error: {target}: cannot write the table" in err and "Traceback" not in err
    assert main([*BASE, "--no-access", "--rejected", str(blocker / "r.csv")]) == 2
    assert "cannot write the rejected records" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["soubor"]


def test_compare_within_a_micro_region_labels_parts(tmp_path):
    """The reviewer's command: ORP only partly in Otrokovicko get neither the whole ORP's rank nor its DataPAQ."""
    path = tmp_path / "c.parquet"
    assert main(["indicators", "--compare-within", "Otrokovicko", "--level", "orp", "--services", "13",
                 "-o", str(path)]) == 0
    table = pd.read_parquet(path).set_index("region_code")
    assert table.loc["7203", "region_name"] == "Kroměříž (část: 1 obec z 46)"
    assert table.loc["7203", "n_obce"] == 1 and table.loc["7203", "per_1000_residential_beds"] == 0.0
    assert table["partial"].tolist() == [True, True]
    assert table["rank_per_1000_residential_beds"].isna().all()
    assert table["distraint_pct"].isna().all() and table["per_1000_residential_beds_peers"].isna().all()


def test_rejected_records_are_counted_on_stderr_and_written_on_request(tmp_path, capsys):
    assert main([*BASE, "--no-access", "-o", str(tmp_path / "t.parquet")]) == 0
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "vyřazeno" in line)
    assert "vyřazeno 59 záznamů vstupu služeb" in line
    # reasons and columns in Czech (the vocabulary translates the loader's reasons)
    assert "41× Kód obce: neznámý nebo chybějící kód obce" in line and "18× ID služby: duplicitní záznam" in line
    assert "--rejected SOUBOR.csv" in line
    rejected = tmp_path / "vyrazene.csv"
    assert main([*BASE, "--no-access", "--rejected", str(rejected)]) == 0
    assert f"vyřazené záznamy: {rejected} (59 řádků)" in capsys.readouterr().err
    table = pd.read_csv(rejected, sep=";", encoding="utf-8-sig", dtype=str)
    assert list(table.columns) == ["Soubor", "Záznam", "Sloupec", "Důvod", "Hodnota"]
    assert table["Sloupec"].value_counts().to_dict() == {"Kód obce": 41, "ID služby": 18}
    assert table["Důvod"].str.startswith(("neznámý nebo chybějící kód obce (očekávám", "duplicitní záznam")).all()


def _own_services(folder) -> str:
    """An analyst's template: a planned home in Nová Dědina (ORP Kroměříž) and a row with an unknown obec."""
    columns = ["id_sluzby", "nazev_sluzby", "poskytovatel", "ico", "druh", "forma", "kapacita", "jednotka_kapacity",
               "kod_obce", "adresa", "lat", "lon", "datum_od", "datum_do", "stav"]
    rows = [["vlastni-1", "Domov Nová Dědina (plán)", "Obec Nová Dědina", "", "domovy pro seniory", "pobytová",
             "30", "lůžka", "588814", "Nová Dědina", "", "", "2027-01-01", "", "plánovaná"],
            ["vlastni-2", "Domov <b>nikde</b>", "Nikdo", "", "13", "pobytová", "10", "lůžka", "<b>999</b>", "",
             "", "", "", "", "plánovaná"]]
    path = folder / "vlastni_sluzby.csv"
    pd.DataFrame(rows, columns=columns).to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    return str(path)


def test_services_files_combine_the_catalogue_and_an_own_list(tmp_path, capsys):
    own = _own_services(tmp_path)
    path = tmp_path / "c.parquet"
    assert main(["indicators", "--region", "Otrokovicko", "--level", "obec", "--services", "13", "--no-access",
                 "--services-file", "", "--services-file", own, "-o", str(path)]) == 0
    err = capsys.readouterr().err
    assert "vyřazeno 60 záznamů" in err and "42× Kód obce" in err  # the catalogue's 59 and the bad own row
    dedina = pd.read_parquet(path).set_index("unit_code").loc["588814"]
    assert dedina["capacity_residential_beds"] == 30 and dedina["n_services"] == 1


# --------------------------------------------------------------------------- kpss map

MAP = ["map", "--region", "Zlínský kraj", "--level", "orp", "--offline"]


def test_map_help_describes_the_default_measure_it_uses(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["map", "--help"])
    assert "largest total capacity" in capsys.readouterr().out
    out = tmp_path / "pecovatelska.html"
    assert main([*MAP, "--services", "pečovatelská služba", "--no-markers", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    # pečovatelská služba: 16 ambulant and ~272 terrain clients; the first per_1000 column is the ambulant one
    assert "Klienti terénních služeb na 1\u00a0000 obyvatel 65+" in page
    assert "Klienti ambulantních služeb na 1\u00a0000" not in page
    assert "vyřazeno 59 záznamů vstupu služeb" in capsys.readouterr().err


@pytest.mark.parametrize("arguments, expected", [
    (["--bins", "5,10,20"], "--bins gives the class bounds of --scheme fixed"),
    (["--scheme", "natural_breaks", "--bins", "5,10"], "got --scheme natural_breaks"),
    (["--scheme", "fixed"], "--scheme fixed needs --bins"),
    (["-o", "mapa.png"], "expected a file name ending in .html"),
    (["-o", "mapa"], "expected a file name ending in .html"),
    (["--rejected", "vyrazene.txt"], "--rejected vyrazene.txt: expected a file name ending in .csv"),
])
def test_map_refuses_contradicting_arguments(tmp_path, capsys, monkeypatch, arguments, expected):
    monkeypatch.chdir(tmp_path)
    assert main([*MAP, "--services", "13", *arguments]) == 2
    assert expected in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_map_write_error_names_the_path(tmp_path, capsys):
    blocker = tmp_path / "soubor"
    blocker.write_text("x", encoding="utf-8")
    target = blocker / "mapa.html"
    assert main([*MAP, "--services", "13", "-o", str(target)]) == 2
    assert f"kpss map: error: {target}: cannot write the map" in capsys.readouterr().err


@pytest.mark.parametrize("flags, shown, absent", [
    (["--forms", "ambulantní"], "Klienti ambulantních služeb na 1\u00a0000", "Klienti terénních služeb"),
    (["--forms", "terénní", "--target-group", "senioři", "--categories", "služby sociální péče"],
     "Klienti terénních služeb na 1\u00a0000", "Klienti ambulantních služeb"),
])
def test_map_takes_the_selection_flags_of_indicators(tmp_path, capsys, flags, shown, absent):
    """kpss map and kpss indicators share one parser of the selection: --forms, --categories, --target-group."""
    out = tmp_path / "mapa.html"
    assert main([*MAP, "--services", "pečovatelská služba", *flags, "--no-markers", "-o", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert shown in page and absent not in page
    assert main(["indicators", "--region", "Zlínský kraj", "--services", "pečovatelská služba", *flags,
                 "-o", str(tmp_path / "t.parquet")]) == 0
    table = pd.read_parquet(tmp_path / "t.parquet")
    kind = "ambulatory" if "ambulantní" in flags else "field"
    assert [c for c in table.columns if c.startswith("per_1000_")] == [f"per_1000_{kind}_clients"]
